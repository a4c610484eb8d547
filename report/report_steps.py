"""How long `make report` took, as tools/report_steps.py timed it: the files
results/<machine-id>/make_report_steps.<scale>.json, told on the page (Environment) and quoted by the
workshop plan ({{make_report_time SCALE}}), never typed."""

import json
import time
from pathlib import Path

from report.units import format_bytes

# When this process started making the pages: the report step's time so far, for a run whose steps
# file does not yet hold that step (tools/report_steps.py adds it once the pages are written).
_STARTED = time.monotonic()


def load(results_dirs):
    """{(machine_id, scale): timings} from every steps file under the results directories."""
    found = {}
    for results_dir in results_dirs:
        for path in sorted(Path(results_dir).glob("*/make_report_steps.*.json")):
            try:
                timings = json.loads(path.read_text())
            except (OSError, ValueError):
                continue
            if isinstance(timings, dict) and isinstance(timings.get("steps"), list):
                found[(path.parent.name, timings.get("scale", "?"))] = timings
    return found


def duration_text(seconds):
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s" if minutes else f"{rest} s"


def _steps_with_report(timings):
    """The steps, with the report's own time so far when the file does not have it yet."""
    steps = list(timings["steps"])
    if not any(step.get("step") == "report" for step in steps):
        steps.append({"step": "report", "seconds": round(time.monotonic() - _STARTED, 1), "so_far": True})
    return steps


def machine_text(timings):
    machine = timings.get("machine", {})
    memory = f", {format_bytes(machine['mem_total_bytes'])}" if machine.get("mem_total_bytes") else ""
    return f"{machine.get('cpu_count', '?')} cores ({machine.get('cpu_model', 'unknown CPU')}{memory})"


def sentences(timings_by_key):
    """One line per machine and scale: each step's time and the total."""
    lines = []
    for (machine_id, scale), timings in sorted(timings_by_key.items()):
        steps = _steps_with_report(timings)
        parts = [f"{step['step']} {duration_text(step['seconds'])}" + (" so far" if step.get("so_far") else "")
                 for step in steps]
        total = sum(step["seconds"] for step in steps)
        lines.append(f"`make report SCALE={scale}` on `{machine_id}`, {machine_text(timings)}, started "
                     f"{timings.get('started_at', '?')}: {duration_text(total)} ({', '.join(parts)}).")
    return lines


def workshop_text(timings_by_key, scale):
    """"9 min 41 s on 2 cores (…), measured 2026-11-30" for the newest run at that scale, or None."""
    runs = [timings for (_, run_scale), timings in timings_by_key.items() if run_scale == scale]
    if not runs:
        return None
    newest = max(runs, key=lambda timings: timings.get("started_at", ""))
    total = sum(step["seconds"] for step in _steps_with_report(newest))
    return f"{duration_text(total)} on {machine_text(newest)}, measured {newest.get('started_at', '?')[:10]}"
