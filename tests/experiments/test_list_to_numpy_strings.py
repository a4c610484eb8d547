# Protects the strings lesson: bytes per element of a list of short str, NumPy U and S arrays, a
# packed buffer and C++'s std::string against experiments/list_to_numpy_strings/experiment.json, and
# the two facts behind U's cost (4 bytes per character, padded to the longest string). Easy to
# break: a variant that keeps a list alive while it builds the array, a buffer grown by doubling,
# or codes whose lengths drift past 15 characters (std::string would leave its inline storage).
import json
from pathlib import Path

import pytest

EXPERIMENT_JSON = (Path(__file__).resolve().parents[2] / "experiments" / "list_to_numpy_strings"
                   / "experiment.json")
THEORY = json.loads(EXPERIMENT_JSON.read_text())["theory"]["bytes_per_element"]
# Page rounding and the list's over-allocation (which depends on n) move a few percent; 8% still
# tells 12 B from 15.5 B, and 32 B from 48 B.
TOLERANCE = 0.08


def peak_at_largest(records, lang, variant):
    """(peak_delta_bytes, size) of lang+variant at the largest quick size."""
    [record] = [r for r in records if (r["lang"], r["variant"]) == (lang, variant)
                and r["size"] == max(s["size"] for s in records)]
    assert record["outcome"] == "ok", record.get("reason")
    return record["peak_delta_bytes"], record["size"]


@pytest.mark.parametrize("key", sorted(THEORY))
def test_bytes_per_element_match_theory_at_the_largest_quick_size(key, quick_records):
    peak, size = peak_at_largest(quick_records("list_to_numpy_strings"), *key.split(":"))
    expected = THEORY[key]
    assert abs(peak / size - expected["value"]) <= TOLERANCE * expected["value"], (
        f"{key}: {peak / size:.1f} B per element, theory {expected['value']} B ({expected['source']})")


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
