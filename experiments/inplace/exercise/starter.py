"""Exercise (inplace): calibrate half a million readings, under 8 MiB above baseline.

Run it: build/oomlab exercise inplace. Change calibrate only.
"""

GAIN, OFFSET = 1.5, 0.25


def calibrate(readings):
    """The readings calibrated (x * GAIN + OFFSET); the caller no longer needs the raw values."""
    return [x * GAIN + OFFSET for x in readings]
