"""Exercise (del_and_rebind): a six-step pipeline over 200,000 readings, under 26 MiB above baseline.

Run it: build/oomlab exercise del_and_rebind. Change clean_readings only; each step stays a list.
"""


def clean_readings(count):
    """Six steps, each a new list; the sum of the last."""
    raw = [i * 0.5 for i in range(count)]
    centred = [x - 1000.0 for x in raw]
    volts = [x * 0.001 for x in centred]
    squared = [x * x for x in volts]
    smoothed = [x * 0.5 + 0.25 for x in squared]
    rounded = [round(x, 6) for x in smoothed]
    return sum(rounded)
