"""A million small records (beyond the article), Python side: one record shape, seven containers.

Every variant holds the same n records when the measured phase stops: (id, x, y) = (i, i * 0.5,
i * 0.25), an int and two floats. Only how a record is stored differs: an instance with a __dict__,
a plain dict, a __slots__ class, a slotted dataclass, a tuple, a namedtuple, or no record object at
all (three `array` columns, or one NumPy structured array). Mirrors experiment.cpp.
"""
import array
from collections import namedtuple
from dataclasses import dataclass
from itertools import starmap

import numpy as np

FIELDS = ("id", "x", "y")
RECORD_DTYPE = np.dtype([("id", np.int64), ("x", np.float64), ("y", np.float64)])


def rows(n):
    """The n records' fields, one tuple at a time: a new int and two new floats each."""
    return ((i, i * 0.5, i * 0.25) for i in range(n))


class PointDict:
    """An ordinary class: its attributes live in a per-instance values array (a __dict__ on demand)."""

    def __init__(self, id, x, y):
        self.id = id
        self.x = x
        self.y = y


class PointSlots:
    """__slots__: the three attribute pointers inside the object, no __dict__, no __weakref__."""
    __slots__ = FIELDS

    def __init__(self, id, x, y):
        self.id = id
        self.x = x
        self.y = y


@dataclass(slots=True)
class PointDataclass:
    """dataclass(slots=True) (Python 3.10+): the same layout as PointSlots, written for you."""
    id: int
    x: float
    y: float


PointTuple = namedtuple("PointTuple", FIELDS)


def hold(run, held):
    """Ends the measured phase while `held`, the variant's container, is alive."""
    run.stop()


def variant_baseline(run):
    """A list of ordinary class instances: object + values array + 3 field objects + a list slot."""
    hold(run, list(starmap(PointDict, rows(run.size))))


def variant_baseline_dict(run):
    """A list of dicts {"id": …, "x": …, "y": …}, as JSON records load: a whole dict per record."""
    hold(run, [dict(zip(FIELDS, row)) for row in rows(run.size)])


def variant_remedy_slots(run):
    """A list of __slots__ instances: no values array, but still 3 field objects per record."""
    hold(run, list(starmap(PointSlots, rows(run.size))))


def variant_remedy_dataclass_slots(run):
    """A list of dataclass(slots=True) instances: the same bytes as __slots__."""
    hold(run, list(starmap(PointDataclass, rows(run.size))))


def variant_remedy_tuple(run):
    """A list of plain tuples: a 64 B tuple per record, plus the 3 field objects."""
    hold(run, list(rows(run.size)))


def variant_remedy_namedtuple(run):
    """A list of namedtuples: a tuple subclass, allocated with one spare item: 16 B more than a tuple."""
    hold(run, list(starmap(PointTuple, rows(run.size))))


def variant_remedy_array(run):
    """Three array.array columns (q, d, d): 24 B per record, no objects at all."""
    n = run.size
    columns = (array.array("q", range(n)),
               array.array("d", (i * 0.5 for i in range(n))),
               array.array("d", (i * 0.25 for i in range(n))))
    hold(run, columns)


def variant_remedy_structured(run):
    """One NumPy structured array (int64, float64, float64): 24 B per record, in rows."""
    hold(run, np.fromiter(rows(run.size), dtype=RECORD_DTYPE, count=run.size))
