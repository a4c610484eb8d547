"""Lists of integers to NumPy arrays (the article's remedy 4, for integers), Python side.

CPython keeps one shared object for each int from -5 to 256, so a list of small ints is a block of
pointers to those few objects, while every larger int is a new object. `baseline` and `remedy` hold
n large ints, 1000 + i; the `_small` variants hold n small ones, i % 256. Mirrors experiment.cpp.
"""
import numpy as np


def large_values(n):
    """1000 + i: every value is a new int object (28 B, in a 32-byte pymalloc block)."""
    return (1000 + i for i in range(n))


def small_values(n):
    """i % 256: every value is one of CPython's cached small ints, shared, never new."""
    return (i % 256 for i in range(n))


def hold(run, held):
    """Ends the measured phase while `held`, the variant's container, is alive."""
    run.stop()


def variant_baseline(run):
    """A list of n large ints: an 8-byte pointer per element, plus an int object each."""
    hold(run, list(large_values(run.size)))


def variant_remedy(run):
    """An int64 array of the large ints: 8 bytes each."""
    hold(run, np.fromiter(large_values(run.size), dtype=np.int64, count=run.size))


def variant_baseline_small(run):
    """A list of n small ints: an 8-byte pointer per element to a shared cached object, nothing more."""
    hold(run, list(small_values(run.size)))


def variant_remedy_small(run):
    """An int64 array of the small ints: 8 bytes each, the same as the list's pointers."""
    hold(run, np.fromiter(small_values(run.size), dtype=np.int64, count=run.size))


def variant_remedy_small_uint8(run):
    """A uint8 array of the small ints: 1 byte each, as the values allow."""
    hold(run, np.fromiter(small_values(run.size), dtype=np.uint8, count=run.size))
