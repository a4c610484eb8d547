"""Solution (float32): the kept array is float32, and each float64 block is converted as it arrives."""

import numpy as np

GAIN, OFFSET = 1.5, 0.25
BLOCK = 1 << 14


def read_block(first, count):
    """Readings first .. first+count-1 as float64, as a sensor library hands them over."""
    index = np.arange(first, first + count, dtype=np.float64)
    return 1.0 + np.modf(index * 0.618033988749895)[0]


def calibrated(count):
    """Every reading calibrated (value * GAIN + OFFSET), as one array kept for later work."""
    # 4 B per value for what is kept. Converting a whole float64 array at the end (astype) would
    # need the 8 B copy first: the float64 data only ever exists one block at a time.
    result = np.empty(count, dtype=np.float32)
    for first in range(0, count, BLOCK):
        block = read_block(first, min(BLOCK, count - first))
        result[first:first + len(block)] = block * GAIN + OFFSET  # cast to float32 on assignment
    return result
