"""Inputs and check of the inplace exercise: the list is built before the measured phase and kept by
the caller, as a program's data would be."""

GAIN, OFFSET = 1.5, 0.25


def prepare(count):
    return ([i * 0.5 for i in range(count)],)


def check(result, count):
    if not isinstance(result, list) or len(result) != count:
        return False, f"expected a list of {count:,} values, got {type(result).__name__}"
    wrong = next((i for i, value in enumerate(result) if value != (i * 0.5) * GAIN + OFFSET), None)
    if wrong is not None:
        return False, f"value {wrong} is {result[wrong]!r}, expected {(wrong * 0.5) * GAIN + OFFSET!r}"
    return True, f"{count:,} values, each (i * 0.5) * GAIN + OFFSET"
