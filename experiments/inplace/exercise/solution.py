"""Solution (inplace): the article's index loop, readings[i] = f(readings[i]), on the caller's list."""

GAIN, OFFSET = 1.5, 0.25


def calibrate(readings):
    """The readings calibrated (x * GAIN + OFFSET); the caller no longer needs the raw values."""
    # Each new float takes the 32-byte block that the old one freed a moment before (pymalloc keeps
    # freed blocks for reuse), and the list itself is reused: memory stays flat.
    for i in range(len(readings)):
        readings[i] = readings[i] * GAIN + OFFSET
    return readings
