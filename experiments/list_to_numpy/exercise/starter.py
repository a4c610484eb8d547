"""Exercise (list_to_numpy): the mean and maximum of a million readings, under 16 MiB above baseline.

Run it: build/oomlab exercise list_to_numpy. Change reading_stats only; keep its name and its result.
"""

import numpy as np


def reading_stats(count):
    """(mean, maximum) of count readings; reading i is i * 0.5, handed over one at a time."""
    readings = []
    for i in range(count):
        readings.append(i * 0.5)
    return sum(readings) / len(readings), max(readings)
