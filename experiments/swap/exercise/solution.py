"""Solution (swap): one day at a time, so the working set is a day's readings, not the whole log."""

import itertools

MINUTES_PER_DAY = 1440


def read_log(days):
    """The log, one reading at a time, as a file reader would yield them."""
    for minute in range(days * MINUTES_PER_DAY):
        yield 15.0 + (minute % 1440) * 0.005 + (minute // 1440 % 365) * 0.01


def daily_means(days):
    """Each day's mean reading, as a list of `days` numbers."""
    # No list of the whole log: each day's 1,440 readings are read, summed and dropped.
    log = read_log(days)
    return [sum(itertools.islice(log, MINUTES_PER_DAY)) / MINUTES_PER_DAY for _ in range(days)]
