"""Lists to NumPy arrays (the article's remedy 4), Python side.

Every variant makes the same n values, i * 0.5 for i in range(n), and holds them at the end of the
measured phase; only the container differs. Mirrors experiment.cpp.
"""
import numpy as np


def values(n):
    """The n values, one at a time: i * 0.5 makes a new float object for each."""
    return (i * 0.5 for i in range(n))


def variant_baseline(run):
    """A list of n distinct floats: an 8-byte pointer per element, plus a float object each."""
    held = list(values(run.size))
    run.stop()  # measure while it is alive
    del held


def variant_remedy(run):
    """A float64 array filled straight from the values: 8 bytes each, never a list."""
    held = np.fromiter(values(run.size), dtype=np.float64, count=run.size)
    run.stop()
    del held


def variant_remedy_convert(run):
    """The article's way: build the list, convert with np.array, then drop the list."""
    as_list = list(values(run.size))
    held = np.array(as_list, dtype=np.float64)
    del as_list  # the peak has already seen both
    run.stop()
    del held


def variant_remedy_object(run):
    """An object-dtype array: the same pointers to the same float objects, so no saving."""
    held = np.fromiter(values(run.size), dtype=object, count=run.size)
    run.stop()
    del held
