"""The table that ends `oomlab run`: per experiment, each variant's median peak above baseline (and bytes
per element), its time, both as ratios to the experiment's baseline, and the verdicts of its claims.

`oomlab run` starts this script in a process of its own once its measurements are done (the harness
never starts Python in-process). The verdicts come from report/claims.py, the code that makes the
report's, through its public names only (load_claim_entries, claim_rows, claim_number, side_label; a
row's verdict and results; a result's verdict, ratio and evidence()), on the records the report would
use: this scale's, with freshness.py's filter and the newest commit per group, as make_report.py does.

Usage: run_summary.py --scale S --since ISO-TIME [--experiments-dir D] RECORD-FILES...
Plain text, at most 100 columns, on stdout (the harness sends it to its stderr).
"""

import argparse
import statistics
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run as a script: make `import report.…` work from any directory
    sys.path.insert(0, str(REPO))

from report import claims as cl  # noqa: E402
from report import freshness  # noqa: E402
from report import records as rec  # noqa: E402
from report.units import format_bytes, format_range, format_ratio, format_seconds  # noqa: E402

WIDTH = 100


def _median(records, field):
    values = [r[field] for r in records if isinstance(r.get(field), (int, float))]
    return statistics.median(values) if values else None


def _ratio_text(value, reference):
    return format_ratio(value / reference) if value is not None and reference else "-"


def peak_metric(records):
    """The peak to show: the whole process tree's (a cgroup's) where the experiment measures a tree,
    since a multiprocessing variant's own process is not where its memory goes; else the process's."""
    tree = any(isinstance(r.get("tree_peak_delta_bytes"), (int, float)) for r in records)
    return "tree_peak_delta_bytes" if tree else "peak_delta_bytes"


def variant_rows(records, metric="peak_delta_bytes"):
    """One row (a dict) per (lang, variant, swap profile): the medians of `metric` and wall_seconds at
    its largest size in `records` (or how it ended, if it never ended ok); baselines first."""
    groups = {}
    for record in records:
        key = (record.get("lang"), record.get("variant"), record.get("swap_profile") or "")
        groups.setdefault(key, []).append(record)
    rows = []
    for (lang, variant, profile), group in groups.items():
        ok = [r for r in group if rec.is_ok(r)]
        if not ok:
            outcomes = sorted({r.get("outcome", "?") for r in group})
            rows.append({"lang": lang, "variant": variant, "profile": profile, "size": max(r["size"] for r in group),
                         "size_unit": group[0].get("size_unit") or "", "peak": None, "time": None,
                         "outcome": "/".join(outcomes)})
            continue
        size = max(r["size"] for r in ok)
        at_size = [r for r in ok if r["size"] == size]
        rows.append({"lang": lang, "variant": variant, "profile": profile, "size": size,
                     "size_unit": at_size[0].get("size_unit") or "",
                     "peak": _median(at_size, metric), "time": _median(at_size, "wall_seconds"),
                     "outcome": "ok"})
    order = {"baseline": 0, "noop": 2}
    rows.sort(key=lambda row: (row["lang"] != "py", row["profile"], order.get(row["variant"], 1), row["variant"]))
    return rows


def variant_table(rows, metric="peak_delta_bytes"):
    """Lines of the variants' table; ratios are to the baseline of the same language, size and profile."""
    baselines = {(r["lang"], r["profile"], r["size"]): r for r in rows if r["variant"] == "baseline"}
    peak_header = "tree above" if metric == "tree_peak_delta_bytes" else "peak above"
    header = f"  {'variant':<30} {'size':>10} {peak_header:>11} {'B/elem':>7} {'time':>9} {'peak÷base':>10} {'time÷base':>10}"
    lines = [header]
    for row in rows:
        name = f"{row['lang']} {row['variant']}" + (f" [{row['profile']}]" if row["profile"] else "")
        if len(name) > 30:
            name = name[:29] + "…"
        if row["outcome"] != "ok":
            lines.append(f"  {name:<30} {row['size']:>10,} {row['outcome']}")
            continue
        per_element = (f"{row['peak'] / row['size']:.1f}" if row["size_unit"] == "elements" and row["size"]
                       and row["peak"] is not None and row["variant"] != "noop" else "")
        base = baselines.get((row["lang"], row["profile"], row["size"]))
        peak_ratio = _ratio_text(row["peak"], base and base["peak"]) if base else "-"
        time_ratio = _ratio_text(row["time"], base and base["time"]) if base else "-"
        peak = format_bytes(row["peak"]) if row["peak"] is not None else "-"
        time = format_seconds(row["time"]) if row["time"] is not None else "-"
        lines.append(f"  {name:<30} {row['size']:>10,} {peak:>11} {per_element:>7} {time:>9} {peak_ratio:>10} {time_ratio:>10}")
    return lines


def claim_lines(experiment, entries, records, shown_metric="peak_delta_bytes"):
    """One line per claim id this experiment checks: the verdict report/claims.py's claim_rows gives it
    over this experiment's entries (the report's own way of combining a claim's rows), marked partial
    when other experiments check the same claim; then one line per entry, with its own verdict."""
    own = [e for e in entries if e["experiment"] == experiment]
    claim_ids = sorted({e["id"] for e in own}, key=cl.claim_number)
    lines = []
    # claim_rows reads only a claim's "id", so the lessons' own ids (beyond the article) work too.
    for row in cl.claim_rows([{"id": claim_id} for claim_id in claim_ids], own, records):
        claim_id = row.claim["id"]
        elsewhere = sorted({e["experiment"] for e in entries if e["id"] == claim_id and e["experiment"] != experiment})
        where = ", ".join(elsewhere) if len(elsewhere) <= 2 else f"{len(elsewhere)} other experiments"
        partial = f" (partial: also checked in {where})" if elsewhere else ""
        lines.append(_fit(f"  {claim_id} {row.verdict}{partial}"))
        for result in row.results:
            # Where claims.py marks the rows that decide a verdict (a `headline` attribute), the others say so.
            side = " (side row)" if getattr(result, "headline", True) is False else ""
            lines.append(_fit(f"      {result.verdict:<12} {_evidence(result, shown_metric)}{side}"))
    return lines


def _evidence(result, shown_metric):
    """'py remedy / py baseline = 0.20× (article 0.4–0.6×)', the metric named when it is not the
    table's; outcome entries and unmeasured ones as report/claims.py words them."""
    entry = result.entry
    if entry.get("kind") == "outcome" or result.ratio is None:
        return result.evidence()
    metric = entry.get("metric")  # none on a row of published figures only
    what = "" if metric in (None, shown_metric) else f"{metric.removesuffix('_bytes')}: "
    return (f"{what}{cl.side_label(entry['subject'])} / {cl.side_label(entry['reference'])} = "
            f"{format_ratio(result.ratio)} (article {format_range(entry.get('article_range'))})")


def _fit(line):
    return line if len(line) <= WIDTH else line[:WIDTH - 1] + "…"


def summary(record_files, scale, since, experiments_dir):
    """The summary's lines for the experiments of `record_files`."""
    entries = cl.load_claim_entries(experiments_dir, warn=lambda message: None)
    # Claims may compare with other experiments' records: every file of the same machine folders.
    folders = sorted({Path(path).parent for path in record_files})
    everything = [r for folder in folders for path in sorted(folder.glob("*.jsonl"))
                  for r in rec.load_file(path, warn=lambda message: None)]
    same_scale = [r for r in everything if r.get("scale") == scale]
    # As the report does (make_report.py): records of an experiment whose files changed since are left
    # out where current ones exist, and each group keeps its newest commit only.
    freshness.mark(same_scale, freshness.Versions(experiments_dir))
    same_scale, _ = rec.newest_commit_only(freshness.drop_changed(same_scale)[0])
    lines = []
    for path in record_files:
        experiment = Path(path).stem
        this_run = [r for r in same_scale
                    if r.get("experiment") == experiment and str(r.get("recorded_at", "")) >= since]
        if not this_run:
            continue
        metric = peak_metric(this_run)
        unit = next((r.get("size_unit") for r in this_run if r.get("size_unit")), "")
        lines.append("")
        lines.append(_fit(f"{experiment} ({scale} scale{', size in ' + unit if unit else ''}; "
                          f"medians of this run at each variant's largest size):"))
        lines.extend(variant_table(variant_rows(this_run, metric), metric))
        claims_here = claim_lines(experiment, entries, same_scale, metric)
        if claims_here:
            lines.append(f"  claims (report/claims.py, on the {scale}-scale records of this machine):")
            lines.extend(claims_here)
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("record_files", nargs="+")
    parser.add_argument("--scale", required=True)
    parser.add_argument("--since", required=True, help="ISO time the run started: its own records")
    parser.add_argument("--experiments-dir", default=str(REPO / "experiments"))
    arguments = parser.parse_args(argv)
    files = [path for path in arguments.record_files if Path(path).is_file()]
    for line in summary(files, arguments.scale, arguments.since, arguments.experiments_dir):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
