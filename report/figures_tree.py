"""Figures of process-tree experiments (records with tree fields): the tree's peak against the number of
processes N, with the sum of RSS (what a task manager adds up) beside the true peak (the run's memory
cgroup) and the sum of PSS; and, for the key variants, those three over time with the process count.

N comes from the variant's name (`<family>_n<N>`, as `baseline_pickled_n4`), else from the record's
`max_process_count`, so an experiment needs no special field to be drawn.
"""

import math
import re

import numpy as np
from matplotlib.ticker import MaxNLocator

from report import records as rec
from report.figure_style import Drawn, claimed_variants, lang_label, plt, series_style, sort_langs
from report.figures_timeline import first_timeline, measured_band, phase_times
from report.units import MIB, format_size

FAMILY = re.compile(r"^(?P<family>.+)_n(?P<n>\d+)$")
MEASURES = [  # (record field, legend label)
    ("tree_peak_bytes", "true tree peak (memory cgroup)"),
    ("rss_sum_peak_bytes", "sum of RSS (what a task manager adds up)"),
    ("pss_sum_peak_bytes", "sum of PSS (shared pages split)"),
]
TIMELINE_PANELS = 4


def _tree_records(records):
    """Records of a process-tree run: the sums over its processes were sampled. (Any run under a memory
    cgroup, a swap profile's too, has a tree peak; only a tree's has sums to set beside it.)"""
    return [r for r in records if r.get("rss_sum_peak_bytes") is not None or r.get("pss_sum_peak_bytes") is not None]


def family_and_n(record):
    """(family, N) of a process-tree record, or (variant, None) if N is unknown."""
    match = FAMILY.match(record["variant"])
    if match:
        return match.group("family"), int(match.group("n"))
    count = record.get("max_process_count")
    return record["variant"], int(count) if isinstance(count, (int, float)) and count > 0 else None


def peaks(context):
    """One figure per language: a panel per family of variants, the three tree measures against N."""
    records = [r for r in _tree_records(context.records) if rec.is_ok(r) and r["variant"] != "noop"]
    drawn = []
    for lang in sort_langs(r["lang"] for r in records):
        mine = [r for r in records if r["lang"] == lang]
        size = max(r["size"] for r in mine)
        mine = [r for r in mine if r["size"] == size]
        named = any(FAMILY.match(r["variant"]) for r in mine)
        families = {}
        references = {}
        for record in mine:
            family, n = family_and_n(record)
            if named and not FAMILY.match(record["variant"]):
                references.setdefault(record["variant"], []).append(record)
            elif n is not None:
                families.setdefault(family, {}).setdefault(n, []).append(record)
        if any(len(by_n) > 1 for by_n in families.values()):
            drawn.append(_peaks_figure(context, lang, size, families, references))
        elif mine:  # no variant runs at several N: the three measures side by side, per variant
            drawn.append(_bars_figure(context, lang, size, mine))
    return drawn


HATCHES = ["", "///", ".."]


def _bars_figure(context, lang, size, records):
    variants = sorted({r["variant"] for r in records})
    figure, ax = plt.subplots(figsize=(max(6.5, 1.1 * len(variants) + 2.5), 4.6))
    positions = np.arange(len(variants))
    width = 0.8 / len(MEASURES)
    for index, (field, label) in enumerate(MEASURES):
        medians, lows, highs, xs = [], [], [], []
        for position, variant in zip(positions, variants):
            median, low, high = rec.stats(rec.metric_value(r, field) for r in records if r["variant"] == variant)
            if median is not None:
                xs.append(position + (index - 1) * width)
                medians.append(median / MIB)
                lows.append((median - low) / MIB)
                highs.append((high - median) / MIB)
        if xs:
            ax.bar(xs, medians, width * 0.92, yerr=[lows, highs], capsize=2, label=label,
                   color=series_style(index)["color"], hatch=HATCHES[index], edgecolor="black", linewidth=0.6)
    ax.set_xticks(positions)
    ax.set_xticklabels(variants, rotation=20, ha="right")
    ax.set_ylabel("memory at the peak (MiB)")
    ax.set_title(f"{context.experiment.title}: {lang_label(lang)}, the whole process tree, "
                 f"{format_size(size, context.size_unit)}", fontsize=10)
    figure.legend(*ax.get_legend_handles_labels(), loc="lower center", ncol=len(MEASURES))
    figure.tight_layout(rect=(0, 0.4 / figure.get_figheight(), 1, 1))
    caption = (f"{lang_label(lang)}: memory of the whole process tree per variant, median and min–max over repeats: "
               f"the true peak from the run's memory cgroup, the sum of RSS (shared pages counted once per process) "
               f"and the sum of PSS (shared pages split)")
    return Drawn(figure, caption, suffix=f"-{lang}", scope={"langs": [lang], "variants": variants})


def _peaks_figure(context, lang, size, families, references):
    names = sorted(families, key=lambda f: (-len(families[f]), f))
    columns = min(4, len(names))
    rows = math.ceil(len(names) / columns)
    figure, axes = plt.subplots(rows, columns, figsize=(max(3.3 * columns + 0.6, 7.5), 2.9 * rows + 1.4),
                                squeeze=False, sharey=True)
    all_ns = sorted({n for family in families.values() for n in family})
    for ax, family in zip(axes.flat, names):
        by_n = families[family]
        ns = sorted(by_n)
        for index, (field, label) in enumerate(MEASURES):
            medians, lows, highs, xs = [], [], [], []
            for n in ns:
                median, low, high = rec.stats(rec.metric_value(r, field) for r in by_n[n])
                if median is None:
                    continue
                xs.append(n)
                medians.append(median / MIB)
                lows.append((median - low) / MIB)
                highs.append((high - median) / MIB)
            if xs:
                ax.errorbar(xs, medians, yerr=[lows, highs], capsize=2, label=label, **series_style(index))
        for index, (variant, members) in enumerate(sorted(references.items())):
            value = rec.median_metric(members, "tree_peak_bytes")
            if value:
                ax.axhline(value / MIB, color="0.45", linestyle=(0, (1, 2)), linewidth=1,
                           label=f"{variant}: true tree peak")
        ax.set_title(family, fontsize=9)
        if len(all_ns) > 1 and min(all_ns) > 0:
            ax.set_xscale("log", base=2)
            ax.set_xticks(all_ns)
            ax.set_xticklabels([str(n) for n in all_ns])
            ax.minorticks_off()
    axes.flat[0].set_ylim(bottom=0)  # once all panels are drawn: the axes share y, and this freezes its top
    for ax in axes.flat[len(names):]:
        ax.set_axis_off()
    for ax in axes[-1]:
        ax.set_xlabel("N (processes or workers)")
    for row in axes:
        row[0].set_ylabel("memory at the peak (MiB)")
    handles, labels = [], []
    for ax in axes.flat:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            if label not in labels:
                handles.append(handle)
                labels.append(label)
    figure.legend(handles, labels, loc="lower center", ncol=2)
    figure.suptitle(f"{context.experiment.title}: {lang_label(lang)}, memory of the whole process tree, "
                    f"{format_size(size, context.size_unit)}", fontsize=11)
    figure.tight_layout(rect=(0, (0.3 + 0.22 * math.ceil(len(labels) / 2)) / figure.get_figheight(), 1, 1))
    reasons = sorted({r.get("tree_peak_reason") for fam in families.values() for rs in fam.values() for r in rs
                      if r.get("tree_peak_reason")})
    caption = (f"{lang_label(lang)}: memory of the whole process tree against N, one panel per way of sharing "
               f"the data, median and min–max over repeats. The true peak comes from the run's memory cgroup; the "
               f"sum of RSS counts shared pages once per process, so it overstates the tree; the sum of PSS splits "
               f"shared pages between the processes that map them")
    if reasons:
        caption += f". No true peak where: {reasons[0]}"
    lifetime_scoped = sum(1 for fam in families.values() for rs in fam.values() for r in rs
                          if r.get("tree_peak_scope") == "child_lifetime")
    if lifetime_scoped:
        # A v2 kernel before 6.12 cannot reset memory.peak: the peak then includes the setup.
        caption += (f". In {lifetime_scoped} run(s) the true peak covers the child's whole life, setup included "
                    f"(tree_peak_scope child_lifetime: this kernel cannot reset the cgroup's peak), not only the "
                    f"measured phase")
    variants = sorted({r["variant"] for fam in families.values() for rs in fam.values() for r in rs} | set(references))
    return Drawn(figure, caption, suffix=f"-{lang}", scope={"langs": [lang], "variants": variants})


def timelines(context):
    """RSS sum, PSS sum and USS sum over time, with the process count, for the variants the claims compare."""
    records = [r for r in _tree_records(context.records) if rec.is_ok(r)]
    chosen = []
    for lang in sort_langs(r["lang"] for r in records):
        by_most_processes = sorted({r["variant"] for r in records if r["lang"] == lang},
                                   key=lambda v: (-(family_and_n({"variant": v})[1] or 0), v))
        for variant in claimed_variants(context.entries, lang) or by_most_processes:
            sizes = rec.sizes_with_data(records, "tree_peak_bytes", lang=lang, variant=variant) or \
                rec.sizes_with_data(records, "rss_sum_peak_bytes", lang=lang, variant=variant)
            timeline = first_timeline(records, lang, variant, sizes[-1]) if sizes else None
            if timeline and isinstance(timeline.get("pss"), dict) and (lang, variant) not in [c[:2] for c in chosen]:
                chosen.append((lang, variant, sizes[-1], timeline))
    chosen = chosen[:TIMELINE_PANELS]
    if not chosen:
        return None
    columns = min(2, len(chosen))
    rows = math.ceil(len(chosen) / columns)
    figure, axes = plt.subplots(rows, columns, figsize=(6.0 * columns, 3.4 * rows + 0.8), squeeze=False)
    for ax, (lang, variant, size, timeline) in zip(axes.flat, chosen):
        start, end = phase_times(timeline)
        times = np.asarray(timeline["t_seconds"], dtype=float) - start
        ax.plot(times, np.asarray(timeline["rss_bytes"], dtype=float) / MIB, label="sum of RSS", **_plain(0))
        pss = timeline["pss"]
        pss_times = np.asarray(pss.get("t_seconds") or [], dtype=float) - start
        for index, (key, label) in enumerate([("pss_sum_bytes", "sum of PSS"), ("uss_sum_bytes", "sum of USS (private)")],
                                             start=1):
            values = pss.get(key) or []
            if len(values) == len(pss_times) and len(values):  # sampled far less often: each sample marked
                ax.plot(pss_times, np.asarray(values, dtype=float) / MIB, label=label, marker=".", markersize=5,
                        **_plain(index))
        measured_band(ax, 0.0, end - start)
        counts = timeline.get("process_count")
        if isinstance(counts, list) and len(counts) == len(times):
            twin = ax.twinx()
            twin.step(times, counts, where="post", color="0.5", linewidth=1, linestyle=(0, (1, 1)), label="processes")
            twin.set_ylabel("processes", color="0.4")
            twin.set_ylim(0, max(counts) * 1.3 + 1)
            twin.yaxis.set_major_locator(MaxNLocator(integer=True))
            twin.grid(False)
        ax.set_title(f"{lang_label(lang)} {variant}, {format_size(size, context.size_unit)}", fontsize=9)
        ax.set_xlabel("time since the measured phase started (s)")
        ax.set_ylabel("memory (MiB)")
        ax.set_ylim(bottom=0)
    for ax in axes.flat[len(chosen):]:
        ax.set_axis_off()
    handles, labels = axes.flat[0].get_legend_handles_labels()
    handles.append(plt.Line2D([], [], color="0.5", linewidth=1, linestyle=(0, (1, 1))))
    labels.append("process count (right axis)")
    figure.legend(handles, labels, loc="lower center", ncol=len(labels))
    figure.suptitle(f"{context.experiment.title}: the tree over time (first repeat)", fontsize=11)
    figure.tight_layout(rect=(0, 0.45 / figure.get_figheight() + 0.02, 1, 1))
    caption = ("Sum of RSS, sum of PSS and sum of USS over every process of the tree, over time, for the variants "
               "the claims compare (first repeat, largest size; PSS and USS are sampled less often, each sample a dot); "
               "dotted grey: the number of processes (right axis); "
               "the grey band is the measured phase. Where RSS runs above PSS, pages are shared and a task "
               "manager counts them more than once")
    return Drawn(figure, caption, scope={"langs": sorted({c[0] for c in chosen}),
                                         "variants": sorted({c[1] for c in chosen})})


def _plain(index):
    style = series_style(index)
    return {"color": style["color"], "linestyle": style["linestyle"], "linewidth": 1.6}
