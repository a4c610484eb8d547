# Protects the small-records lesson's two per-record differences, which the totals (test_theory.py)
# cannot pin down alone: __slots__ removes exactly the 48 B values array of an instance, and a
# namedtuple pays 16 B more than a tuple. Easy to break: a record built through a different path
# (a dict materialised by vars(), the fields shared between records) shifts the totals by a few
# percent, inside the theory tolerance, but moves these differences by far more.
import pytest


def bytes_per_record(records, variant):
    """peak_delta_bytes per record of a Python variant at the largest quick size."""
    largest = max(r["size"] for r in records)
    [record] = [r for r in records if (r["lang"], r["variant"], r["size"]) == ("py", variant, largest)]
    assert record["outcome"] == "ok", record.get("reason")
    return record["peak_delta_bytes"] / record["size"]


def test_slots_remove_exactly_the_values_array(quick_records):
    # A 3.11 instance: a 64 B object (56 B asked) and a 48 B values array (40 B asked); a __slots__
    # instance: one 64 B object. Everything else (fields, list slot) is the same, so 48 B remain;
    # ±3 B for pymalloc's arena and page rounding at 500,000 records.
    records = quick_records("small_objects")
    saved = bytes_per_record(records, "baseline") - bytes_per_record(records, "remedy_slots")
    assert saved == pytest.approx(48, abs=3)


def test_a_namedtuple_costs_one_block_size_more_than_a_tuple(quick_records):
    # PyType_GenericAlloc asks for one item more than a tuple subclass needs: 72 B, an 80 B block,
    # against a plain tuple's 64 B. ±2 B for arena rounding.
    records = quick_records("small_objects")
    extra = bytes_per_record(records, "remedy_namedtuple") - bytes_per_record(records, "remedy_tuple")
    assert extra == pytest.approx(16, abs=2)
