#!/usr/bin/python3
"""`make report`, step by step: measure, benchmark, compare the peak tools, make the pages; each step
timed, and the times kept beside the records (results/<machine-id>/make_report_steps.<scale>.json), so
the report and the workshop plan quote how long it took on this machine instead of a typed guess.

A failed measurement does not stop it (the report lists the failures and says how each step ended);
only Ctrl-C (exit 130) or a report that cannot be made fails it.

Usage: report_steps.py --oomlab build/oomlab --build build [--scale default] [--results results] [--out report/out]
"""

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# How a step ends when the user stopped it: Ctrl-C, kill, or a closed terminal.
STOPPED_EXIT_CODES = {128 + signal.SIGINT, 128 + signal.SIGTERM, 128 + signal.SIGHUP}


def steps_file(results_root, machine_id, scale):
    return results_root / machine_id / f"make_report_steps.{scale}.json"


def newest_machine(results_root):
    """The machine whose records were written last: the one this run measured."""
    record_files = sorted(results_root.glob("*/*.jsonl"), key=lambda path: path.stat().st_mtime)
    return record_files[-1].parent.name if record_files else None


def cpu_model():
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--oomlab", required=True)
    parser.add_argument("--build", required=True)
    parser.add_argument("--scale", default="default")
    parser.add_argument("--results", type=Path, default=REPO / "results")
    parser.add_argument("--out", type=Path, default=REPO / "report" / "out", help="where the pages go")
    options = parser.parse_args()

    timings = {"scale": options.scale, "started_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
               "machine": {"cpu_model": cpu_model(), "cpu_count": os.cpu_count(),
                           "mem_total_bytes": os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")},
               "steps": []}
    run_status = []

    def timed(name, command, quiet=False):
        """Runs one step; its time and exit code go into the timings. Ctrl-C ends everything."""
        print(f"make report: {name}: {' '.join(command)}", file=sys.stderr, flush=True)
        started = time.monotonic()
        completed = subprocess.run(command, stdout=subprocess.DEVNULL if quiet else None)
        timings["steps"].append({"step": name, "command": " ".join(command),
                                 "seconds": round(time.monotonic() - started, 1), "exit_code": completed.returncode})
        if completed.returncode in STOPPED_EXIT_CODES:
            print("make report: interrupted", file=sys.stderr)
            sys.exit(completed.returncode)
        return completed.returncode

    # Ctrl-C reaches every step too, and each one ends itself cleanly (oomlab switches its swap off
    # first): this script only waits for it. A handler, not SIG_IGN, since an ignored signal would
    # stay ignored in the steps, and oomlab keeps an ignored SIGINT ignored (as under nohup).
    for stop_signal in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(stop_signal, lambda number, frame: None)
    python = sys.executable
    code = timed("measure", [options.oomlab, "run", "all", "--scale", options.scale])
    if code != 0:
        run_status.append(f"oomlab run all --scale {options.scale} exited {code}")
    code = timed("benchmarks", [options.oomlab, "bench", "--scale", options.scale])
    if code != 0:
        run_status.append(f"oomlab bench --scale {options.scale} exited {code}")
    if timed("peak tools", [python, str(REPO / "tools" / "compare_peak_tools.py"), "--build", options.build],
             quiet=True) != 0:
        print("make report: the peak tools were not compared", file=sys.stderr)

    machine_id = newest_machine(options.results)
    timings_path = steps_file(options.results, machine_id, options.scale) if machine_id else None

    def save():
        if timings_path:
            timings["total_seconds"] = round(sum(step["seconds"] for step in timings["steps"]), 1)
            timings_path.write_text(json.dumps(timings, indent=1) + "\n")

    save()  # the pages quote the measuring steps; their own step is added once it is done
    report_command = [python, str(REPO / "report" / "make_report.py"), "--results", str(options.results),
                      "--out", str(options.out)]
    if options.scale == "quick":
        # A fast look in the browser, which shows the SVGs: the PNGs for slides (about a third of
        # the figures' drawing time) come with the other scales.
        report_command.append("--no-png")
    for status in run_status:
        report_command += ["--run-status", status]
    code = timed("report", report_command)
    save()
    measured = sum(step["seconds"] for step in timings["steps"] if step["step"] != "report")
    print(f"make report: measured in {measured:.0f} s, report in {timings['steps'][-1]['seconds']:.0f} s"
          f" (times in {timings_path}): {options.out}/index.html, report.md, workshop.md",
          file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
