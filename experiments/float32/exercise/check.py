"""Inputs and check of the float32 exercise: the values against the float64 calibration."""

import numpy as np

GAIN, OFFSET = 1.5, 0.25


def prepare(count):
    return (count,)


def check(result, count):
    result = np.asarray(result)
    if result.shape != (count,):
        return False, f"{result.shape} values, expected ({count},)"
    # The reference a block at a time too, so the check never holds two float64 copies.
    worst = 0.0
    for first in range(0, count, 1 << 18):
        index = np.arange(first, min(first + (1 << 18), count), dtype=np.float64)
        reference = (1.0 + np.modf(index * 0.618033988749895)[0]) * GAIN + OFFSET
        worst = max(worst, float(np.max(np.abs(result[first:first + len(index)] - reference) / reference)))
    return worst <= 1e-6, f"{count:,} values as {result.dtype}, largest relative error {worst:.1e} (at most 1e-6)"
