# Protects every lesson's numbers against theory: for each experiment whose experiment.json states
# theory.bytes_per_element ("lang:variant" → value and source), the measured peak above baseline per
# element at the largest quick size must match. A variant that builds its values differently (a
# leftover list, a hidden temporary, a missed count=) shows up here first.
import json
from pathlib import Path

import pytest

EXPERIMENTS = Path(__file__).resolve().parents[2] / "experiments"
# Allocator rounding and list over-allocation move a few percent; 8% still tells 8 B from 16 B, 32 B
# from 40 B and 40 B from 48 B. Plus 0.15 B per element: the runtime's own floor (~150 KB at 10^6
# elements, what the noop variants show), which matters only for 1-byte elements.
TOLERANCE, FLOOR_BYTES_PER_ELEMENT = 0.08, 0.15


def theory_cases():
    for experiment_json in sorted(EXPERIMENTS.glob("*/experiment.json")):
        metadata = json.loads(experiment_json.read_text())
        for key, expected in metadata.get("theory", {}).get("bytes_per_element", {}).items():
            yield pytest.param(experiment_json.parent.name, key, expected, id=f"{experiment_json.parent.name}-{key}")


CASES = list(theory_cases())


def test_theory_lines_were_found():
    assert len(CASES) >= 10


@pytest.mark.parametrize("experiment, key, expected", CASES)
def test_bytes_per_element_match_theory_at_the_largest_quick_size(quick_records, experiment, key, expected):
    lang, variant = key.split(":")
    records = [r for r in quick_records(experiment) if (r["lang"], r["variant"]) == (lang, variant)]
    assert records, f"no records of {key}"
    largest = max(records, key=lambda r: r["size"])
    assert largest["outcome"] == "ok", largest.get("reason")
    measured = largest["peak_delta_bytes"] / largest["size"]
    allowed = TOLERANCE * expected["value"] + FLOOR_BYTES_PER_ELEMENT
    assert abs(measured - expected["value"]) <= allowed, (
        f"{key}: {measured:.2f} B per element at n={largest['size']:,}, theory {expected['value']} B ({expected['source']})")
