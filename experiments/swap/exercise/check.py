"""Inputs and check of the swap exercise: each day's mean from its closed form (no second log)."""

import math

MINUTES_PER_DAY = 1440


def prepare(days):
    return (days,)


def check(result, days):
    result = list(result)
    if len(result) != days:
        return False, f"{len(result)} means, expected {days}"
    for day, mean in enumerate(result):
        # The mean of 15 + m * 0.005 over the day's minutes m = 0..1439, plus the day's offset.
        expected = 15.0 + 0.005 * (MINUTES_PER_DAY - 1) / 2 + (day % 365) * 0.01
        if not math.isclose(mean, expected, rel_tol=1e-9):
            return False, f"day {day}: mean {mean!r}, expected {expected!r}"
    return True, f"{days:,} daily means, each the day's own"
