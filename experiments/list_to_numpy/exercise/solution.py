"""Solution (list_to_numpy): the readings go straight into a float64 array, 8 bytes each, never a list."""

import numpy as np


def reading_stats(count):
    """(mean, maximum) of count readings; reading i is i * 0.5, handed over one at a time."""
    # fromiter with count= allocates the array once and fills it from the values as they come: no
    # list of float objects (8 B pointer + 32 B object each) ever exists.
    readings = np.fromiter((i * 0.5 for i in range(count)), dtype=np.float64, count=count)
    return float(readings.mean()), float(readings.max())
