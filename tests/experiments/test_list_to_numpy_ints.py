# Protects the integers lesson: bytes per element of lists of large and of cached small ints, and of
# int64 and uint8 arrays, against experiments/list_to_numpy_ints/experiment.json. Easy to break:
# small values that stray above 256 (each would become a new object and cost 32 B more), or a large
# value range that falls into the cache.
import json
from pathlib import Path

import pytest

EXPERIMENT_JSON = (Path(__file__).resolve().parents[2] / "experiments" / "list_to_numpy_ints"
                   / "experiment.json")
THEORY = json.loads(EXPERIMENT_JSON.read_text())["theory"]["bytes_per_element"]
# 8% for the list's over-allocation and page rounding; plus 0.15 B per element (150 KB at 10^6
# elements, about what the noop variants show as the runtime's own floor), which matters only
# for the 1 B uint8 arrays.
TOLERANCE, FLOOR_BYTES_PER_ELEMENT = 0.08, 0.15


def bytes_per_element(records, lang, variant):
    [record] = [r for r in records if (r["lang"], r["variant"]) == (lang, variant)
                and r["size"] == max(s["size"] for s in records)]
    assert record["outcome"] == "ok", record.get("reason")
    return record["peak_delta_bytes"] / record["size"]


@pytest.mark.parametrize("key", sorted(THEORY))
def test_bytes_per_element_match_theory_at_the_largest_quick_size(key, quick_records):
    measured, expected = bytes_per_element(quick_records("list_to_numpy_ints"), *key.split(":")), THEORY[key]
    assert abs(measured - expected["value"]) <= TOLERANCE * expected["value"] + FLOOR_BYTES_PER_ELEMENT, (
        f"{key}: {measured:.2f} B per element, theory {expected['value']} B ({expected['source']})")


def test_a_list_of_small_ints_holds_no_int_objects(quick_records):
    # 256 shared objects serve every element: what is left is the list's pointers, under 10 B
    # per element, where a list of large ints pays 40 B.
    records = quick_records("list_to_numpy_ints")
    assert bytes_per_element(records, "py", "baseline_small") < 10 < 40 < bytes_per_element(records, "py", "baseline")
