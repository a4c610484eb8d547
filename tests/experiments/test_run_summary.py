# Protects the table that ends `oomlab run` (report/run_summary.py, started by the harness after the
# measurements): a participant reads the lesson's figures and the claims' verdicts there without
# making the report. Easy to break: the verdicts must be the report's own (report/claims.py), the
# table must stay on stderr (stdout is --json's, one record per line) and within 100 columns.
import json
import re

from pathlib import Path

from report import claims as cl
from report import records as rec

REPO = Path(__file__).resolve().parents[2]


def test_a_run_ends_with_bytes_per_element_and_the_report_s_verdicts(oomlab, tmp_path):
    completed = oomlab("run", "list_to_numpy", "--scale", "quick", "--lang", "py", "--json", "--results", tmp_path)
    # --json is unchanged: every stdout line is one record, nothing else.
    lines = completed.stdout.splitlines()
    assert lines and all(json.loads(line)["experiment"] == "list_to_numpy" for line in lines)
    summary = completed.stderr[completed.stderr.index("list_to_numpy (quick scale, size in elements"):]
    assert all(len(line) <= 100 for line in summary.splitlines()), "the table fits 100 columns"

    def bytes_per_element(variant):
        row = re.search(rf"^  py {variant} +[\d,]+ +[\d.]+ \S+ +([\d.]+) ", summary, re.MULTILINE)
        assert row, f"no row for py {variant} in:\n{summary}"
        return float(row.group(1))

    # Theory (experiment.json): 40.7 B per float in a list, 8 B in a float64 array. The tolerances
    # are the allocator's and page rounding's at 1M elements, as in test_theory.py.
    assert abs(bytes_per_element("baseline") - 40.7) <= 2.0
    assert abs(bytes_per_element("remedy") - 8.0) <= 0.5
    # The verdicts are those of report/claims.py on the same records (this experiment's entries).
    records = [r for r in rec.load_records([tmp_path]) if r.get("scale") == "quick"]
    entries = [e for e in cl.load_claim_entries(REPO / "experiments") if e["experiment"] == "list_to_numpy"]
    for row in cl.claim_rows([{"id": "C7"}, {"id": "C8"}], entries, records):
        claim_id, verdict = row.claim["id"], row.verdict
        assert verdict != cl.NOT_MEASURED, f"{claim_id} has python rows: a quick run measures them"
        assert re.search(rf"^  {claim_id} {verdict} \(partial: also checked in ", summary, re.MULTILINE), (
            f"{claim_id} should read '{verdict}' and partial (other experiments check it too):\n{summary}")


def test_no_summary_leaves_only_the_progress_lines(oomlab, tmp_path):
    completed = oomlab("run", "list_to_numpy", "--scale", "quick", "--lang", "cpp", "--variant", "noop",
                       "--no-summary", "--results", tmp_path)
    assert "quick scale" not in completed.stderr and "claims (" not in completed.stderr


def test_a_row_of_published_figures_names_no_metric():
    # C2's device rows compare two published read latencies: no record, so no metric to name, whatever
    # metric the experiment's table shows.
    from report import run_summary
    lines = run_summary.claim_lines("swap", cl.load_claim_entries(REPO / "experiments"), [], "wall_seconds")
    published = [line for line in lines if line.count("published:") == 2]
    assert published and not any("peak_delta" in line for line in published)
