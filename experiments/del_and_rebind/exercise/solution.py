"""Solution (del_and_rebind): one name, rebound at each step, so each list dies once the next exists."""


def clean_readings(count):
    """Six steps, each a new list; the sum of the last."""
    # Rebinding `data` drops the only reference to the previous list as soon as the new one is
    # built: at most two lists (the one read and the one made) are alive at any moment.
    data = [i * 0.5 for i in range(count)]
    data = [x - 1000.0 for x in data]
    data = [x * 0.001 for x in data]
    data = [x * x for x in data]
    data = [x * 0.5 + 0.25 for x in data]
    data = [round(x, 6) for x in data]
    return sum(data)
