"""What the page says about the state of its results: how current each experiment's records are, how
`make report`'s runs ended, and which measurements were skipped or failed.

An OOM kill or a stop at the time cap of a run under an imposed memory limit (a swap profile) is a
result, listed apart from failures: it is what that experiment sets out to show.
"""

from collections import Counter

from report import blocks as b
from report import freshness
from report import records as rec
from report import reproduce
from report.units import LANG_NAMES, format_size, plural

LIMIT_OUTCOMES = ("oom_killed", "timeout")
STATE_TEXT = {
    freshness.CURRENT: "current",
    freshness.OTHER_COMMIT: "from another commit with the same experiment files",
    freshness.CHANGED: "stale (the experiment changed since)",
    freshness.UNVERIFIED: "unverified (commit unknown here)",
}


def is_limit_result(record):
    """True for an OOM kill or a time-cap stop of a run under a memory limit imposed on purpose."""
    return record.get("outcome") in LIMIT_OUTCOMES and bool(record.get("swap_profile") or record.get("mem_limit_bytes"))


def _experiments_text(records):
    return ", ".join(f"`{name}`" for name in sorted({r["experiment"] for r in records}))


def intro_notes(data):
    """Notes for the top of the page: how the runs ended, and records that are not current."""
    notes = []
    for line in data.run_status:
        notes.append(f"`make report`: {b.md_escape(line)}; the report was made from the records there are "
                     f"(see [skipped and failed measurements](#failures)).")
    if data.stale:
        notes.append(f"{plural(len(data.stale), 'record')} left out because their experiment's files changed since "
                     f"they were measured ({_experiments_text(data.stale)}); results.csv keeps them, marked `changed`.")
    kept_stale = [r for r in data.records if r.get("freshness") == freshness.CHANGED]
    if kept_stale:
        pairs = sorted({(r["experiment"], rec.machine_of(r)) for r in kept_stale})
        notes.append("**Stale results shown:** " + "; ".join(f"`{e}` on `{m}`" for e, m in pairs)
                     + " only have records measured before the experiment last changed; they are marked in their "
                       "sections. `make report` measures them again.")
    unverified = [r for r in data.records if r.get("freshness") == freshness.UNVERIFIED]
    if unverified:
        machines = ", ".join(f"`{m}`" for m in rec.machines(unverified))
        notes.append(f"{plural(len(unverified), 'record')} (from {machines}) name a commit this repository does not "
                     f"have, or none: they cannot be checked against the current experiments.")
    stale_runs = [run for run in data.benchmarks if run.freshness == freshness.CHANGED]
    if stale_runs:
        notes.append("Stale benchmark results: " + ", ".join(f"`{run.path.name}` on `{run.machine_id}`"
                                                            for run in stale_runs)
                     + " ran before their experiment last changed; `make report` runs them again.")
    return notes


def provenance_notes(experiment, records, dropped):
    """Blocks saying where an experiment's records come from, and whether they are current."""
    blocks = []
    lines = []
    for machine_id in rec.machines(records):
        mine = [r for r in records if rec.machine_of(r) == machine_id]
        commits = Counter(str((r.get("env") or {}).get("git_commit") or "?")[:7] for r in mine)
        scales = sorted({r.get("scale") for r in mine if r.get("scale")})
        dates = sorted(str(r.get("recorded_at") or "")[:10] for r in mine if r.get("recorded_at"))
        states = Counter(r.get("freshness") or freshness.UNVERIFIED for r in mine)
        dirty = any((r.get("env") or {}).get("git_dirty") for r in mine)
        state = ", ".join(f"{count} {STATE_TEXT.get(name, name)}" for name, count in sorted(states.items()))
        lines.append(f"`{machine_id}`: commit {', '.join(f'`{c}`' for c in commits)}"
                     + (" (with uncommitted changes)" if dirty else "")
                     + (f", scale {', '.join(scales)}" if scales else "")
                     + (f", {dates[0]}" + (f" to {dates[-1]}" if dates[-1] != dates[0] else "") if dates else "")
                     + f"; records: {state}")
    if lines:
        blocks.append(b.Paragraph("Measured on " + "; ".join(lines) + "."))
    stale = [r for r in records if r.get("freshness") == freshness.CHANGED]
    if stale:
        details = sorted({r.get("freshness_detail", "") for r in stale})
        blocks.append(b.Note(f"**Stale:** {plural(len(stale), 'record')} of this section were measured before "
                             f"`experiments/{experiment.name}/` last changed ({b.md_escape(details[0])}). Measure "
                             f"again: `{reproduce.run_command(experiment.name, stale)}`."))
    if dropped:
        blocks.append(b.Note(f"{plural(len(dropped), 'record')} of an older version of this experiment left out "
                             f"(newer records of the current version exist on the same machine)."))
    return blocks


def _last_line(text):
    if not isinstance(text, str):
        return ""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else ""


def _grouped_rows(records, by_name):
    groups = {}
    for record in records:
        reason = record.get("reason") or _last_line(record.get("traceback")) or "(no reason recorded)"
        key = (*rec.group_key(record), record["outcome"], reason)
        groups.setdefault(key, []).append(record)
    rows = []
    for key in sorted(groups, key=lambda k: tuple(str(part) for part in k)):
        machine_id, experiment, lang, variant, size, outcome, reason = key
        members = groups[key]
        rows.append([f"`{machine_id}`", b.link_to_experiment(experiment, by_name), LANG_NAMES.get(lang, lang),
                     f"`{variant}`", format_size(size, members[0].get("size_unit")), outcome, str(len(members)),
                     b.md_escape(reason), b.md_code(members[0].get("command") or "–")])
    return rows


HEADER = ["Machine", "Experiment", "Language", "Variant", "Size", "Outcome", "Count", "Reason", "Command"]


def failures_section(document, data, by_name):
    document.add(b.Heading(2, "Skipped and failed measurements", "failures"))
    if data.run_status:
        document.add(b.Paragraph("How `make report`'s measuring steps ended:"),
                     b.Items([f"`{b.md_escape(line)}`" for line in data.run_status]))
    not_ok = [r for r in data.records if not rec.is_ok(r)]
    results = [r for r in not_ok if is_limit_result(r)]
    skipped = [r for r in not_ok if r["outcome"] == "skipped"]
    failed = [r for r in not_ok if r not in results and r not in skipped]
    if not failed:
        document.add(b.Paragraph("No failures: every measurement of the current records finished ok"
                                 + (" or ended as its experiment intends (below)." if results else ".")))
    else:
        document.add(
            b.Paragraph("Failed measurements, grouped by point, outcome and reason; the others still ran."),
            b.Table(HEADER, _grouped_rows(failed, by_name)))
    if skipped:
        document.add(
            b.Heading(3, "Skipped", "failures-skipped"),
            b.Paragraph("A skipped measurement is a result too: the reason says what this machine does not allow."),
            b.Table(HEADER, _grouped_rows(skipped, by_name)))
    if results:
        document.add(
            b.Heading(3, "Outcomes that are results", "failures-results"),
            b.Paragraph("Runs under a memory limit imposed on purpose (a swap profile): an OOM kill or a stop at "
                        "the time cap is what the experiment measures, drawn as OOM and > cap in its figures."),
            b.Table(HEADER, _grouped_rows(results, by_name)))
