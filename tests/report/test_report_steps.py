# `make report` times its steps (tools/report_steps.py) into a file beside the records; the page and
# the workshop plan quote that file. A stopped step ends the run with its exit code and no report.
import json
import os
import subprocess
import sys
from pathlib import Path

from report import report_steps
from report_synthetic import make_record

REPO = Path(__file__).resolve().parents[2]
DRIVER = REPO / "tools" / "report_steps.py"

TIMINGS = {"scale": "default", "started_at": "2026-11-30T12:00:00Z",
           "machine": {"cpu_model": "Test CPU", "cpu_count": 2, "mem_total_bytes": 24 << 30},
           "steps": [{"step": "measure", "seconds": 500.0, "exit_code": 0},
                     {"step": "benchmarks", "seconds": 40.0, "exit_code": 0},
                     {"step": "peak tools", "seconds": 2.0, "exit_code": 0},
                     {"step": "report", "seconds": 30.0, "exit_code": 0}]}


def write_timings(results, machine, timings):
    (results / machine).mkdir(parents=True, exist_ok=True)
    (results / machine / f"make_report_steps.{timings['scale']}.json").write_text(json.dumps(timings))


def test_the_page_and_the_workshop_quote_the_steps_file(tmp_path):
    write_timings(tmp_path, "lab-a", TIMINGS)
    loaded = report_steps.load([tmp_path])
    [line] = report_steps.sentences(loaded)
    assert "`make report SCALE=default` on `lab-a`, 2 cores (Test CPU, 24.0 GiB)" in line
    assert "9 min 32 s (measure 8 min 20 s, benchmarks 40 s, peak tools 2 s, report 30 s)" in line
    assert report_steps.workshop_text(loaded, "default") == "9 min 32 s on 2 cores (Test CPU, 24.0 GiB), measured 2026-11-30"
    assert report_steps.workshop_text(loaded, "quick") is None


def test_a_run_still_making_its_pages_counts_them_so_far(tmp_path):
    write_timings(tmp_path, "lab-a", {**TIMINGS, "steps": TIMINGS["steps"][:3]})
    [line] = report_steps.sentences(report_steps.load([tmp_path]))
    assert "s so far)" in line


def fake_oomlab(tmp_path, run_exit_code):
    """A stand-in for build/oomlab: `run` writes one record and exits with run_exit_code."""
    results = tmp_path / "results"
    record = json.dumps(make_record(variant="baseline", size=1000))
    script = tmp_path / "oomlab"
    script.write_text(f"#!/bin/sh\nif [ \"$1\" = run ]; then mkdir -p {results}/lab-a && "
                      f"echo '{record}' >> {results}/lab-a/lists.jsonl; exit {run_exit_code}; fi\nexit 0\n")
    script.chmod(0o755)
    return script, results


def run_driver(tmp_path, script, results):
    return subprocess.run([sys.executable, str(DRIVER), "--oomlab", str(script), "--build", str(tmp_path / "no-build"),
                           "--results", str(results), "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=300, env={**os.environ, "MPLBACKEND": "Agg"},
                          cwd=tmp_path)


def test_each_step_is_timed_and_a_failed_measurement_still_makes_the_report(tmp_path):
    script, results = fake_oomlab(tmp_path, run_exit_code=1)
    completed = run_driver(tmp_path, script, results)
    timings = json.loads((results / "lab-a" / "make_report_steps.default.json").read_text())
    assert [step["step"] for step in timings["steps"]] == ["measure", "benchmarks", "peak tools", "report"], completed.stderr
    assert [step["exit_code"] for step in timings["steps"]][:2] == [1, 0]
    assert timings["total_seconds"] == round(sum(step["seconds"] for step in timings["steps"]), 1)
    assert completed.returncode == 0, completed.stderr  # a failed measurement is shown, not fatal
    page = (tmp_path / "out" / "index.html").read_text()
    assert "oomlab run all --scale default exited 1" in page
    assert "How long making this report took" in page


def test_a_stopped_measurement_stops_make_report_with_its_code(tmp_path):
    script, results = fake_oomlab(tmp_path, run_exit_code=130)
    completed = run_driver(tmp_path, script, results)
    assert completed.returncode == 130
    assert "interrupted" in completed.stderr
    assert not list(results.glob("*/make_report_steps.*.json"))
