"""Inputs and check of the processes exercise: the array exists before the measured phase, as a
program's data set would."""

import math

import numpy as np


def prepare(count):
    data = np.arange(count, dtype=np.float64)
    data *= 0.5
    return (data,)


def check(result, count):
    expected = 0.5 * (count - 1) * count / 2
    ok = math.isclose(result, expected, rel_tol=1e-9)
    return ok, f"sum {result:.1f} (expected {expected:.1f})"
