"""Loading result records (results/<machine-id>/<experiment>.jsonl) and summarising them.

A record is kept as the plain dict read from JSON, plus `_source` ("file:line") for messages.
Loading never crashes on bad input: a malformed line is skipped with a warning, because one torn
line from an interrupted run must not hide a whole workshop's results.
"""

import datetime
import json
import statistics
import sys
from pathlib import Path

SCHEMA = "oomlab.record/1"
OUTCOMES = ("ok", "oom_killed", "timeout", "error", "skipped")
REQUIRED_FIELDS = ("experiment", "variant", "lang", "size", "outcome")
# Scalar fields of the contract, in the order the CSV shows them.
SCALAR_FIELDS = (
    "schema", "experiment", "variant", "variant_doc", "lang", "size", "size_unit", "repeat", "repeats",
    "scale", "outcome", "reason", "rss_start_bytes", "peak_rss_bytes", "peak_delta_bytes",
    "rss_end_bytes", "wall_seconds", "child_wall_seconds", "user_seconds", "sys_seconds",
    "major_faults", "minor_faults", "ru_maxrss_bytes", "recorded_at", "command", "traceback",
)
GROUP_FIELDS = ("machine_id", "experiment", "lang", "variant", "size")


def warn(message):
    """Warnings go to stderr, one line each, so they stand out from the list of written files."""
    print(f"report: warning: {message}", file=sys.stderr)


def load_records(results_dirs, warn=warn):
    """Every valid record under each results dir (recursively, *.jsonl), in file order.

    REQUIRES: results_dirs is an iterable of paths; missing dirs are warned about and skipped.
    GUARANTEES: each record has the REQUIRED_FIELDS, an int `size`, `machine_id` (from env, else the
    folder name) and `_source`.
    """
    records = []
    for results_dir in results_dirs:
        results_dir = Path(results_dir)
        if not results_dir.is_dir():
            warn(f"results directory {results_dir} does not exist")
            continue
        for path in sorted(results_dir.rglob("*.jsonl")):
            # `oomlab measure` keeps a reader's own commands in <machine>/measure/: not experiments
            # (report/measured.py reads them for a section of their own).
            if "measure" in path.relative_to(results_dir).parts[:-1]:
                continue
            records.extend(load_file(path, warn))
    return records


def load_file(path, warn=warn):
    """The valid records of one .jsonl file; bad lines are reported and skipped."""
    path = Path(path)
    records = []
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        warn(f"cannot read {path}: {error}")
        return records
    for line_number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        source = f"{path}:{line_number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            warn(f"{source}: malformed JSON line skipped ({error.msg})")
            continue
        problem = _problem(record)
        if problem:
            warn(f"{source}: record skipped: {problem}")
            continue
        if record.get("schema") not in (None, SCHEMA):
            warn(f"{source}: unknown schema {record.get('schema')!r}, read as {SCHEMA}")
        env = record.get("env") if isinstance(record.get("env"), dict) else {}
        record["env"] = env
        record["machine_id"] = str(env.get("machine_id") or path.parent.name)
        record["size"] = int(record["size"])
        if not isinstance(record.get("metrics"), dict):
            record["metrics"] = {}
        if record.get("swap_profile"):
            # Each swap profile is a condition of its own: "ssd:random" is aggregated, drawn and
            # compared apart from "hdd:random". The harness's variant name stays in base_variant.
            record["base_variant"] = record["variant"]
            record["variant"] = f"{record['swap_profile']}:{record['variant']}"
        record["_source"] = source
        _leave_out_paused_times(record, warn)
        records.append(record)
    return records


def _leave_out_paused_times(record, warn):
    """A run that Ctrl-Z stopped (`stopped_seconds`) has the pause in its wall times, and in any
    time a variant measured across it: those are not the job's speed, so they go. Its memory stays."""
    stopped = record.get("stopped_seconds")
    if not isinstance(stopped, (int, float)) or stopped <= 0:
        return
    record.pop("wall_seconds", None)
    record.pop("child_wall_seconds", None)
    for name in [name for name in record["metrics"] if name.endswith("_seconds")]:
        del record["metrics"][name]
    warn(f"{record['_source']}: stopped {stopped:.1f} s by Ctrl-Z while it ran: its times are left out, "
         "its memory figures kept")


def _problem(record):
    """Why a parsed line cannot be used as a record, or None."""
    if not isinstance(record, dict):
        return "not a JSON object"
    missing = [name for name in REQUIRED_FIELDS if record.get(name) in (None, "")]
    if missing:
        return "missing " + ", ".join(missing)
    not_text = [name for name in ("experiment", "variant", "lang", "outcome") if not isinstance(record[name], str)]
    if not_text:
        return ", ".join(not_text) + " must be text"
    size = record["size"]
    if isinstance(size, bool) or not isinstance(size, (int, float)) or size != int(size):
        return f"size {size!r} is not an integer"
    return None


def machine_of(record):
    """The machine a record was measured on: as loaded, else from its env (records built in memory)."""
    return str(record.get("machine_id") or (record.get("env") or {}).get("machine_id") or "unknown")


def _field(record, name):
    return machine_of(record) if name == "machine_id" else record.get(name)


def group_key(record):
    """(machine_id, experiment, lang, variant, size): the unit the report aggregates over."""
    return tuple(_field(record, name) for name in GROUP_FIELDS)


def commit_of(record):
    """The git commit a record was measured with ("unknown" when the env does not say)."""
    return str((record.get("env") or {}).get("git_commit") or "unknown")


def recorded_time(record):
    """recorded_at as a comparable value; unparsable or missing times sort first."""
    text = record.get("recorded_at")
    if not isinstance(text, str):
        return datetime.datetime.min.replace(tzinfo=datetime.timezone.utc)
    try:
        moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return datetime.datetime.min.replace(tzinfo=datetime.timezone.utc)
    if moment.tzinfo is None:  # naive times are taken as UTC, so naive and aware ones compare
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment


# The last call's list, its length and its answer: the claims call this with the same list hundreds
# of times per report (once per comparison), and grouping every record each time took seconds.
_last_newest_commit_only = (None, 0, None)


def newest_commit_only(records):
    """(kept, ignored): within each group, only the records of the commit of its newest record.

    Why: after a fix, old measurements of the same point would otherwise mix into the median.
    Idempotent, so every consumer may call it again on already-filtered records.
    """
    global _last_newest_commit_only
    last_records, last_length, last_answer = _last_newest_commit_only
    if last_records is records and last_length == len(records):
        return list(last_answer[0]), list(last_answer[1])
    answer = _newest_commit_only(records)
    _last_newest_commit_only = (records, len(records), answer)
    return list(answer[0]), list(answer[1])


def _newest_commit_only(records):
    groups = {}
    for record in records:
        groups.setdefault(group_key(record), []).append(record)
    newest_commit = {
        key: commit_of(max(members, key=recorded_time)) for key, members in groups.items()
    }
    kept, ignored = [], []
    for record in records:
        (kept if commit_of(record) == newest_commit[group_key(record)] else ignored).append(record)
    return kept, ignored


def is_ok(record):
    return record.get("outcome") == "ok"


def metric_value(record, metric):
    """A named number of a record: a top-level field, an entry of `metrics` ("name" or
    "metrics.name"), or the derived "bytes_per_element" (peak_delta_bytes / size). None if absent."""
    if metric == "bytes_per_element":
        delta, size = metric_value(record, "peak_delta_bytes"), record.get("size")
        return delta / size if delta is not None and size else None
    metrics = record.get("metrics") if isinstance(record.get("metrics"), dict) else {}
    if metric.startswith("metrics."):
        value = metrics.get(metric[len("metrics."):])
    elif metric in record:
        value = record.get(metric)
    else:
        value = metrics.get(metric)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def select(records, ok_only=True, **fields):
    """Records matching every given field (machine_id=…, experiment=…, lang=…, variant=…, size=…)."""
    return [
        record for record in records
        if (not ok_only or is_ok(record)) and all(_field(record, k) == v for k, v in fields.items())
    ]


def stats(values):
    """(median, min, max) of the numbers given, or (None, None, None) when there are none."""
    values = [value for value in values if value is not None]
    if not values:
        return None, None, None
    return statistics.median(values), min(values), max(values)


def median_metric(records, metric):
    """Median of one metric over records (ok or not: the caller selects)."""
    return stats(metric_value(record, metric) for record in records)[0]


def sizes_with_data(records, metric, **fields):
    """Sorted sizes at which ok records matching fields have a value for metric."""
    return sorted({
        record["size"] for record in select(records, **fields) if metric_value(record, metric) is not None
    })


def machines(records):
    return sorted({machine_of(record) for record in records})


def experiments(records):
    return sorted({record["experiment"] for record in records})


def summarise(records, metrics):
    """One row per group (machine, experiment, lang, variant, size), ok records only.

    Each row: the group fields, n_ok, n_total (any outcome), outcomes (non-ok counts) and, per metric,
    a (median, min, max) triple under the metric's name.
    """
    groups = {}
    for record in records:
        groups.setdefault(group_key(record), []).append(record)
    rows = []
    for key in sorted(groups, key=lambda k: tuple("" if v is None else v for v in k)):
        members = groups[key]
        ok_members = [record for record in members if is_ok(record)]
        row = dict(zip(GROUP_FIELDS, key))
        row["n_ok"] = len(ok_members)
        row["n_total"] = len(members)
        row["outcomes"] = {}
        for record in members:
            if not is_ok(record):
                row["outcomes"][record["outcome"]] = row["outcomes"].get(record["outcome"], 0) + 1
        for metric in metrics:
            row[metric] = stats(metric_value(record, metric) for record in ok_members)
        rows.append(row)
    return rows


def metric_names(records):
    """Names of the extra `metrics` reported by these records, sorted."""
    names = set()
    for record in records:
        names.update(name for name, value in record.get("metrics", {}).items()
                     if isinstance(value, (int, float)) and not isinstance(value, bool))
    return sorted(names)
