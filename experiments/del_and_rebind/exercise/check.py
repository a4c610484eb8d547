"""Inputs and check of the del_and_rebind exercise: the same six steps on one value at a time."""

import math


def expected_sum(count):
    total = 0.0
    for i in range(count):
        volts = (i * 0.5 - 1000.0) * 0.001
        value = volts * volts
        total += round(value * 0.5 + 0.25, 6)
    return total


def prepare(count):
    return (count,)


def check(result, count):
    expected = expected_sum(count)
    ok = math.isclose(result, expected, rel_tol=1e-9)
    return ok, f"sum {result:.6f} (expected {expected:.6f})"
