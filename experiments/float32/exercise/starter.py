"""Exercise (float32): calibrate two million readings and keep them, under 14 MiB above baseline.

Run it: build/oomlab exercise float32. Change calibrated only (read_block stands for a library).
"""

import numpy as np

GAIN, OFFSET = 1.5, 0.25
BLOCK = 1 << 14


def read_block(first, count):
    """Readings first .. first+count-1 as float64, as a sensor library hands them over."""
    index = np.arange(first, first + count, dtype=np.float64)
    return 1.0 + np.modf(index * 0.618033988749895)[0]


def calibrated(count):
    """Every reading calibrated (value * GAIN + OFFSET), as one array kept for later work."""
    readings = np.empty(count)
    for first in range(0, count, BLOCK):
        readings[first:first + BLOCK] = read_block(first, min(BLOCK, count - first))
    return readings * GAIN + OFFSET
