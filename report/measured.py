"""Commands measured with `oomlab measure` (results/<machine-id>/measure/<name>.jsonl): their table, the
tree's memory over time per profile, and the section that shows them apart from the experiments.

These records are a reader's own programs: they never enter the claims, the verdicts or the failures
list (an OOM kill under a what-if limit is an answer, not a failure of the suite).
"""

import json
import statistics
from pathlib import Path

from report import blocks as b
from report import records as rec
from report.figure_style import SERIES_COLORS, LINE_STYLES, Drawn, plt, safe_name, save
from report.figures_timeline import decimate, load_timeline
from report.units import MIB, format_bytes

import numpy as np

MEASURE_FOLDER = "measure"
PROFILE_ORDER = ("ram", "none", "ssd", "hdd", "zram")


def load_measure_records(results_dirs, warn=rec.warn):
    """Every record under <results dir>/**/measure/*.jsonl."""
    found = []
    for results_dir in results_dirs:
        results_dir = Path(results_dir)
        if results_dir.is_dir():
            for path in sorted(results_dir.rglob(f"{MEASURE_FOLDER}/*.jsonl")):
                found.extend(rec.load_file(path, warn))
    for record in found:
        # load_file names a swap run "<profile>:<variant>"; here the command's name is the subject.
        record["variant"] = record.get("base_variant", record["variant"])
    return found


def load_tool_comparisons(results_dirs):
    """tools/compare_peak_tools.py's results: {machine_id: comparison}, from <dir>/*/measure/peak-tools.json."""
    found = {}
    for results_dir in results_dirs:
        for path in sorted(Path(results_dir).glob(f"*/{MEASURE_FOLDER}/peak-tools.json")):
            try:
                comparison = json.loads(path.read_text(encoding="utf-8"))
                found[(comparison.get("env") or {}).get("machine_id") or path.parent.parent.name] = comparison
            except (OSError, ValueError) as error:
                rec.warn(f"{path}: not read ({error})")
    return found


def tools_block(machine_id, comparison):
    """What each tool said about the same known tree, as a table."""
    rows = [[row["tool"], row["says"], "not installed" if row.get("bytes") is None else _size(row["bytes"])]
            for row in comparison.get("tools", [])]
    return [b.Paragraph(f"What each tool says about `{comparison.get('program', '?')}` "
                        f"({comparison.get('expected', '')}), on `{machine_id}`, {comparison.get('recorded_at', '')} "
                        f"(`tools/compare_peak_tools.py`):"),
            b.Table(["tool", "what it reports", "says"], rows, numeric_columns=(2,))]


def _median(values):
    values = [v for v in values if isinstance(v, (int, float))]
    return statistics.median(values) if values else None


def _size(value):
    return format_bytes(value) if isinstance(value, (int, float)) else "–"


def _profile_key(profile):
    return PROFILE_ORDER.index(profile) if profile in PROFILE_ORDER else len(PROFILE_ORDER)


def command_of(record):
    """The measured command line as one text (records of other arguments are another command)."""
    words = record.get("measured_command")
    return " ".join(map(str, words)) if isinstance(words, list) else record.get("variant_doc", record["variant"])


def commands(records):
    """{(machine_id, name, command line): [records]} of ordinary runs (limit-search probes left out)."""
    grouped = {}
    for record in records:
        if record.get("find_limit_probe"):
            continue
        grouped.setdefault((rec.machine_of(record), record["variant"], command_of(record)), []).append(record)
    return grouped


def summary_rows(records):
    """One row per profile: outcome(s), median time and its ratio to ram, true tree peak, anon / file
    at the highest sample, what /usr/bin/time and an RSS sum would say, swap used."""
    by_profile = {}
    for record in records:
        by_profile.setdefault(record.get("swap_profile") or "ram", []).append(record)
    ram_seconds = _median(r.get("child_wall_seconds") for r in by_profile.get("ram", []) if r["outcome"] == "ok")
    rows = []
    for profile in sorted(by_profile, key=_profile_key):
        runs = by_profile[profile]
        outcomes = sorted({r["outcome"] for r in runs})
        seconds = _median(r.get("child_wall_seconds") for r in runs)
        ratio = (f"{seconds / ram_seconds:.2f}×" if ram_seconds and seconds and outcomes == ["ok"] else "–")
        peak_sources = {r.get("tree_peak_source") for r in runs}
        peak = _size(_median(r.get("tree_peak_bytes") for r in runs))
        if "sampled_rss_sum_lower_bound" in peak_sources:
            peak = f"≥ {peak} (sampled)"
        rows.append([
            f"`{profile}`", ", ".join(outcomes), f"{seconds:.3f} s" if seconds is not None else "–", ratio, peak,
            f"{_size(_median(r.get('anon_bytes_at_sampled_peak') for r in runs))} / "
            f"{_size(_median(r.get('file_bytes_at_sampled_peak') for r in runs))}",
            _size(_median(r.get("largest_process_peak_bytes") for r in runs)),
            _size(_median(r.get("rss_sum_peak_bytes") for r in runs)),
            _size(_median(r.get("swap_used_peak_bytes") for r in runs)),
            str(len(runs)),
        ])
    return rows


SUMMARY_HEADER = ["profile", "outcome", "time (median)", "vs ram", "tree peak", "anon / file at the highest sample",
                  "largest process (`/usr/bin/time`)", "RSS sum", "swap used", "runs"]


def timeline_figure(machine_id, name, records, out_dir, stem, png=True):
    """The tree's charge (the cgroup's, else the RSS sum) over time, one curve per profile (first run)."""
    first = {}
    for record in sorted(records, key=lambda r: r.get("repeat") or 0):
        profile = record.get("swap_profile") or "ram"
        if profile not in first and load_timeline(record):
            first[profile] = record
    if not first:
        return None
    figure, axis = plt.subplots(figsize=(7.5, 3.6))
    for index, profile in enumerate(sorted(first, key=_profile_key)):
        timeline = load_timeline(first[profile])
        times = np.asarray(timeline["t_seconds"], dtype=float)
        values = np.asarray(timeline.get("cgroup_bytes") or timeline["rss_bytes"], dtype=float)
        times, values = decimate(times, values)
        label = f"{profile} ({first[profile]['outcome']})"
        axis.plot(times, values / MIB, color=SERIES_COLORS[index % len(SERIES_COLORS)],
                  linestyle=LINE_STYLES[index % len(LINE_STYLES)], label=label)
        limit = first[profile].get("mem_limit_bytes")
        if limit:
            axis.axhline(limit / MIB, color=SERIES_COLORS[index % len(SERIES_COLORS)], linewidth=0.8, alpha=0.5)
    axis.set_xlabel("time since start (s)")
    axis.set_ylabel("tree's memory (MiB)")
    axis.set_title(f"{name}: the tree's memory over time")
    axis.legend(loc="best")
    drawn = Drawn(figure, f"`{name}`: the memory charged to its cgroup over time (the RSS sum where there was no cgroup), "
                          f"the first run of each profile; thin lines are limits")
    svg_path, png_path = save(drawn.figure, out_dir, stem, png)
    return b.Figure(stem, drawn.caption + f" (machine {machine_id}).", svg_path, png_path, machine_id,
                    next(iter(first.values())).get("command", ""))


def section(document, records, figures_dir, heading_level=2, tool_comparisons=None, png=True):
    """'Measured commands': what each tool says about a known tree, then a table and a timeline per
    command; nothing when there are neither."""
    grouped = commands(records)
    tool_comparisons = tool_comparisons or {}
    if not grouped and not tool_comparisons:
        return
    document.add(b.Heading(heading_level, "Measured commands", "measured-commands"),
                 b.Paragraph("Programs measured with `oomlab measure -- CMD`: the true peak of the whole process tree "
                             "(its memory cgroup, page cache included) next to what other tools would say: "
                             "`/usr/bin/time` reports the largest single process, a task manager the sum of every "
                             "process's RSS (shared pages counted once per process). The anonymous / page-cache split "
                             "is the one at the highest sample, since the kernel keeps the peak but not its make-up. "
                             "These runs are not part of the claims."))
    for machine_id, comparison in sorted(tool_comparisons.items()):
        document.add(*tools_block(machine_id, comparison))
    for index, ((machine_id, name, command), runs) in enumerate(sorted(grouped.items())):
        anchor = f"measured-{index + 1}"
        document.add(b.Heading(heading_level + 1, f"`{name}` on `{machine_id}`", anchor),
                     b.Paragraph(b.md_code(command)),
                     b.Table(SUMMARY_HEADER, summary_rows(runs), numeric_columns=(2, 3, 4, 6, 7, 8, 9)))
        answers = [r for r in records if r.get("find_limit_probe") and (rec.machine_of(r), r["variant"], command_of(r)) ==
                   (machine_id, name, command)]
        succeeded = [r["mem_limit_bytes"] for r in answers if r["outcome"] == "ok" and r.get("mem_limit_bytes")]
        if succeeded:
            document.add(b.Paragraph(f"Limit search: the smallest limit without swap that succeeded was "
                                     f"{format_bytes(min(succeeded))} ({len(answers)} probes)."))
        figure = timeline_figure(machine_id, name, runs, figures_dir, stem=f"measure-{index + 1}-{safe_name(name)}",
                                 png=png)
        if figure:
            document.figures[figure.name] = figure
            document.add(figure)
