# Protects the claims as data: every entry of experiments/*/claims.json must hold at quick scale
# (its measured ratio inside expected_range, with the tolerance its tolerance_reason states).
# The verdict logic is report/claims.py, shared with the report, so the two cannot disagree.
from pathlib import Path

import pytest

from report import claims

EXPERIMENTS = Path(__file__).resolve().parents[2] / "experiments"
# Speed claims (a metric in seconds, or an entry marked "timed") are judged in the report and in
# Google Benchmark, never in a test: wall-clock time on a shared machine is not a pass/fail fact. Rows of
# published figures only measure nothing here (tests/report/test_report_verdicts.py turns them).
ENTRIES = [entry for entry in claims.load_claim_entries(EXPERIMENTS)
           if not entry.get("timed") and not entry.get("metric", "").endswith("_seconds")
           and not (entry["subject"].get("published") and entry["reference"].get("published"))]


def entry_id(entry):
    return (f"{entry['experiment']}-{entry['id']}-{claims.side_label(entry['subject'])}-"
            f"{entry.get('metric', entry.get('kind'))}").replace(" ", "-")


def test_claim_entries_were_found():
    assert len(ENTRIES) >= 5, f"claims.json files under {EXPERIMENTS} yielded only {len(ENTRIES)} entries"


def unmeasurable_reason(entry, records):
    """Why this machine cannot measure the entry at all (no root, no cgroup), or None.

    Such a claim is skipped with the reason; any other missing figure is a failure.
    """
    sides = {(side["lang"], side["variant"]) for side in (entry["subject"], entry["reference"])}
    relevant = [r for r in records if (r["lang"], r["variant"]) in sides]
    if relevant and all(r["outcome"] == "skipped" for r in relevant):
        return relevant[0].get("reason", "skipped")
    if entry.get("metric", "").startswith("tree_") and relevant and not any("tree_peak_bytes" in r for r in relevant):
        return next((r["tree_peak_reason"] for r in relevant if r.get("tree_peak_reason")), None)
    return None


@pytest.mark.parametrize("entry", ENTRIES, ids=[entry_id(e) for e in ENTRIES])
def test_claim_holds_at_quick_scale(entry, quick_records):
    records = quick_records(entry["experiment"])
    reason = unmeasurable_reason(entry, records)
    if reason:
        pytest.skip(f"this machine cannot measure it: {reason}")
    ok, ratio, message = claims.check_expected(entry, records)
    assert ratio is not None, message  # a failed measurement is a failure, not a pass
    assert ok, message
