# Protects the strings lesson: the two facts behind U's cost, 4 bytes per character and padding to
# the longest string (bytes per element against theory: test_theory.py). Easy to break: a variant
# that keeps a list alive while it builds the array, or codes whose lengths drift.
import pytest


def peak_at_largest(records, lang, variant):
    """(peak_delta_bytes, size) of lang+variant at the largest quick size."""
    [record] = [r for r in records if (r["lang"], r["variant"]) == (lang, variant)
                and r["size"] == max(s["size"] for s in records)]
    assert record["outcome"] == "ok", record.get("reason")
    return record["peak_delta_bytes"], record["size"]


def test_u_takes_four_bytes_per_character_where_s_takes_one(quick_records):
    # UCS-4 against one byte per character, the same padding: 4× within page rounding.
    records = quick_records("list_to_numpy_strings")
    u_peak, _ = peak_at_largest(records, "py", "remedy")
    s_peak, _ = peak_at_largest(records, "py", "remedy_bytes")
    assert u_peak / s_peak == pytest.approx(4.0, rel=0.02)


def test_one_long_string_pads_every_element_to_its_length(quick_records):
    # The outlier changes one element out of 400,000, but the width of all of them: 200 / 12.
    records = quick_records("list_to_numpy_strings")
    outlier_peak, _ = peak_at_largest(records, "py", "remedy_outlier")
    u_peak, _ = peak_at_largest(records, "py", "remedy")
    assert outlier_peak / u_peak == pytest.approx(200 / 12, rel=0.02)
