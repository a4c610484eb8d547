"""Exercise (swap): daily means of 2,000 days of minute readings, under a 64 MiB limit with no swap.

Run it: build/oomlab exercise swap (`--no-limit` shows how much it needs). Change daily_means only.
"""

MINUTES_PER_DAY = 1440


def read_log(days):
    """The log, one reading at a time, as a file reader would yield them."""
    for minute in range(days * MINUTES_PER_DAY):
        yield 15.0 + (minute % 1440) * 0.005 + (minute // 1440 % 365) * 0.01


def daily_means(days):
    """Each day's mean reading, as a list of `days` numbers."""
    readings = list(read_log(days))
    means = []
    for day in range(days):
        today = readings[day * MINUTES_PER_DAY:(day + 1) * MINUTES_PER_DAY]
        means.append(sum(today) / MINUTES_PER_DAY)
    return means
