# Protects the smaller-dtypes lesson's two exact facts, as differences so that the runtime's floor
# cancels: narrowing an integer array saves exactly the item size per element, and repeated labels
# cost a 64 B str object each until they are shared. Easy to break: levels built through an n-element
# int64 temporary (np.arange(n) % 200, then astype) give every dtype the int64's peak; labels taken
# from a list of constants share their objects and the list looks cheap.
import pytest


def bytes_per_element(records, variant):
    """peak_delta_bytes per element of a Python variant at the largest quick size."""
    largest = max(r["size"] for r in records)
    [record] = [r for r in records if (r["lang"], r["variant"], r["size"]) == ("py", variant, largest)]
    assert record["outcome"] == "ok", record.get("reason")
    return record["peak_delta_bytes"] / record["size"]


def test_narrowing_saves_exactly_the_item_size(quick_records):
    # int64 → int16 saves 6 B per element, int16 → uint8 1 B; ±0.1 B for page rounding at 10^6.
    records = quick_records("smaller_dtypes")
    int64, int16, uint8 = (bytes_per_element(records, v) for v in ("baseline_int64", "remedy_int16", "remedy_uint8"))
    assert int64 - int16 == pytest.approx(6, abs=0.1)
    assert int16 - uint8 == pytest.approx(1, abs=0.1)


def test_each_repeated_label_is_its_own_64_byte_object_until_interned(quick_records):
    # The same list of pointers in both; only the str objects differ: 64 B blocks (49 B + up to 8
    # characters) against eight shared ones. ±2 B for arena rounding.
    records = quick_records("smaller_dtypes")
    saved = bytes_per_element(records, "baseline_labels") - bytes_per_element(records, "remedy_intern")
    assert saved == pytest.approx(64, abs=2)
