"""The report's figures (matplotlib, Agg backend), each written as SVG and PNG, per experiment and machine.

The figures every experiment gets are drawn here (peak and time, bytes per element, calibration,
memory over time); the special ones live in figures_<topic>.py and are drawn whenever their data is
there (swap profiles, process trees, compression, Google Benchmark throughput). A figure whose data is
missing is skipped, never drawn empty, and a figure that fails is warned about, never fatal.
"""

import concurrent.futures
import multiprocessing
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from report import figures_bench, figures_compression, figures_swap, figures_timeline, figures_tree
from report import records as rec
from report import reproduce
from report.figure_style import (HORIZONTAL_BARS_FROM, LINE_VARIANTS, OUTCOME_SHORT, Drawn, close, count_axis, lang_label,
                                 lang_style, line_styles, plt, safe_name, shown_note, sort_langs, sort_variants,
                                 save, shown_variants, spans_orders)
from report.units import MIB, format_size

__all__ = ["FigureFile", "FigureContext", "make_figures", "sort_langs", "sort_variants"]


@dataclass
class FigureFile:
    name: str
    caption: str
    svg_path: Path
    png_path: Path | None  # None when the report was made with --no-png
    machine_id: str
    command: str = ""  # what to run to measure this figure's data again


@dataclass
class FigureContext:
    """What a figure builder gets: one experiment's records on one machine, and what belongs to them."""
    experiment: object           # experiments.Experiment
    records: list                # this machine's records of the experiment, any outcome
    size_unit: str
    entries: list = field(default_factory=list)  # the experiment's claim entries
    benchmark: object = None     # benchmarks.BenchmarkRun of this machine, or None
    warn: object = rec.warn

    def variants(self, lang):
        return sort_variants(r["variant"] for r in self.records if r["lang"] == lang)


def make_figures(experiment, records, out_dir, entries=(), benchmarks=(), warn=rec.warn, png=True):
    """All figures of one experiment, per machine. records: current records of any outcome;
    benchmarks: benchmarks.BenchmarkRun of any machine and experiment; png: a PNG beside each SVG."""
    own = [r for r in records if r["experiment"] == experiment.name]
    own_benchmarks = {run.machine_id: run for run in benchmarks if run.experiment == experiment.name}
    machine_ids = sorted(set(rec.machines(own)) | set(own_benchmarks))
    size_unit = experiment.size_unit if experiment.folder else next(
        (r.get("size_unit") for r in own if r.get("size_unit")), "elements")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    made = []
    for machine_id in machine_ids:
        here = [r for r in own if rec.machine_of(r) == machine_id]
        context = FigureContext(experiment, here, size_unit, list(entries), own_benchmarks.get(machine_id), warn)
        suffix = "" if len(machine_ids) == 1 else "-" + safe_name(machine_id)
        for kind, builder in _builders(size_unit):
            try:
                drawn = builder(context) if (here or kind == "throughput") else None
            except Exception as error:  # a figure must never take the whole report down
                warn(f"figure {experiment.name}-{kind}{suffix}: not drawn ({type(error).__name__}: {error})")
                plt.close("all")
                continue
            for one in ([drawn] if isinstance(drawn, Drawn) else drawn or []):
                name = f"{experiment.name}-{kind}{one.suffix}{suffix}"
                svg_path, png_path = save(one.figure, out_dir, name, png)
                made.append(FigureFile(name, f"{one.caption} (machine {machine_id}).", svg_path, png_path,
                                       machine_id, _command(experiment.name, here, one.scope)))
    return made


def _builders(size_unit):
    builders = [("peak-time", _peak_and_time)]
    if size_unit == "elements":
        builders.append(("bytes-per-element", _bytes_per_element))
    if size_unit == "MiB":
        builders.append(("calibration", _calibration))  # the size is what a variant allocates
    builders += [("timeline", figures_timeline.memory_over_time), ("time-per-profile", figures_swap.profiles),
                 ("swapin-latency", figures_swap.model),
                 ("tree-peak", figures_tree.peaks), ("tree-timeline", figures_tree.timelines),
                 ("ratio-speed", figures_compression.ratio_speed), ("throughput", figures_bench.throughput)]
    return builders


def _command(experiment, records, scope):
    if scope.get("bench"):
        return reproduce.bench_command(experiment, records)
    return reproduce.run_command(experiment, records, scope.get("langs"), scope.get("variants"))


def memory_metric(records):
    """The peak to draw: of the whole process tree (its memory cgroup) for a process-tree experiment, whose
    first process alone would hide its workers; else the process's peak above baseline."""
    tree = any(r.get("rss_sum_peak_bytes") is not None and r.get("tree_peak_delta_bytes") is not None
               for r in records)
    return "tree_peak_delta_bytes" if tree else "peak_delta_bytes"


def _largest_ok_size(records, lang, metric="peak_delta_bytes"):
    sizes = rec.sizes_with_data(records, metric, lang=lang)
    return sizes[-1] if sizes else None


def _bar_values(records, lang, variants, size, metric, scale):
    """Per variant: (median, low error, high error) in display units, or the short outcome text."""
    values = {}
    for variant in variants:
        at_size = [r for r in records if r["lang"] == lang and r["variant"] == variant and r["size"] == size]
        median, low, high = rec.stats(rec.metric_value(r, metric) for r in at_size if rec.is_ok(r))
        if median is None:
            failed = sorted({OUTCOME_SHORT.get(r["outcome"], r["outcome"]) for r in at_size})
            if failed:
                values[variant] = "/".join(failed)
            continue
        values[variant] = (median / scale, (median - low) / scale, (high - median) / scale)
    return values


def _peak_and_time(context):
    """Bars: peak above baseline (MiB) and wall time per variant, Python and C++ side by side; many variants
    are listed down the page (horizontal bars) so their names stay readable."""
    records = context.records
    memory = memory_metric(records)
    tree = memory != "peak_delta_bytes"
    langs = [lang for lang in sort_langs(r["lang"] for r in records)
             if _largest_ok_size(records, lang, memory) is not None]
    if not langs:
        return None
    sizes = {lang: _largest_ok_size(records, lang, memory) for lang in langs}
    variants = sort_variants(r["variant"] for r in records if r["lang"] in langs)
    horizontal = len(variants) >= HORIZONTAL_BARS_FROM
    if horizontal:
        figure, axes = plt.subplots(1, 2, figsize=(11, 1.2 + 0.32 * len(variants) * max(1, len(langs) / 1.5)),
                                    sharey=True)
    else:
        figure, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    width = 0.8 / len(langs)
    positions = np.arange(len(variants))
    panels = [(memory, MIB, "peak of the whole process tree above its start (MiB)" if tree else
               "peak above baseline (MiB)", "Peak of the process tree" if tree else "Peak memory above the start of the run"),
              ("wall_seconds", 1.0, "wall time of the measured phase (s)", "Wall time of the measured phase")]
    for ax, (metric, scale, label, title) in zip(axes, panels):
        tops = []
        for index, lang in enumerate(langs):
            style = lang_style(lang)
            offset = (index - (len(langs) - 1) / 2) * width
            values = _bar_values(records, lang, variants, sizes[lang], metric, scale)
            bars = [(p + offset, values[v]) for p, v in zip(positions, variants) if isinstance(values.get(v), tuple)]
            tops += [values[v][0] + values[v][2] for v in variants if v != "noop" and isinstance(values.get(v), tuple)]
            if bars:
                xs = [x for x, _ in bars]
                medians = [v[0] for _, v in bars]
                errors = [[v[1] for _, v in bars], [v[2] for _, v in bars]]
                draw = ax.barh if horizontal else ax.bar
                errors_kw = {"xerr": errors} if horizontal else {"yerr": errors}
                draw(xs, medians, width * 0.92, **errors_kw, capsize=3, color=style["color"], hatch=style["hatch"],
                     edgecolor="black", linewidth=0.6, alpha=0.9,
                     label=f"{style['label']} ({format_size(sizes[lang], context.size_unit)})")
            for position, variant in zip(positions, variants):
                if isinstance(values.get(variant), str):  # no bar: say why, at the axis (log axes have no 0)
                    where = dict(x=0.01, y=position + offset, ha="left", va="center",
                                 transform=ax.get_yaxis_transform()) if horizontal else dict(
                        x=position + offset, y=0.01, ha="center", va="bottom", rotation=90,
                        transform=ax.get_xaxis_transform())
                    ax.text(s=values[variant], fontsize=8, color="#a4161a", fontweight="bold", **where)
        log = spans_orders(tops, 50)  # the noop control's near-zero bar does not decide the scale
        if horizontal:
            ax.set_yticks(positions)
            ax.set_yticklabels(variants)
            if ax is axes[0]:  # the axes share y: inverting both would undo it
                ax.invert_yaxis()
            if log:
                ax.set_xscale("log")
            ax.set_xlabel(label + (", log scale" if log else ""))
        else:
            ax.set_xticks(positions)
            ax.set_xticklabels(variants, rotation=20, ha="right")
            if log:
                ax.set_yscale("log")
            ax.set_ylabel(label + (", log scale" if log else ""))
        ax.set_title(title)
    handles, labels = axes[0].get_legend_handles_labels()
    if not handles:
        handles, labels = axes[1].get_legend_handles_labels()
    figure.suptitle(context.experiment.title, fontsize=11)
    figure.legend(handles, labels, loc="lower center", ncol=max(1, len(labels)))
    height = figure.get_figheight()
    figure.tight_layout(rect=(0, 0.07 if not horizontal else 0.5 / height, 1, 1 if not horizontal else 1 - 0.3 / height))
    sizes_text = ", ".join(f"{lang_label(lang)} at {format_size(sizes[lang], context.size_unit)}" for lang in langs)
    caption = (("Peak of the whole process tree above its start (its memory cgroup)" if tree else
                "Peak memory above the start of the run") + " and wall time of the measured phase per variant, "
               f"{sizes_text}: median bar, min–max error bar over repeats; OOM, > cap (time cap) or error where "
               f"a variant did not finish")
    return Drawn(figure, caption)


def _series(records, lang, variant, metric, transform):
    """(sizes, medians, lower errors, upper errors) of transform(record value, size) over sizes."""
    xs, medians, lows, highs = [], [], [], []
    for size in rec.sizes_with_data(records, metric, lang=lang, variant=variant):
        values = [transform(rec.metric_value(r, metric), size)
                  for r in rec.select(records, lang=lang, variant=variant, size=size)
                  if rec.metric_value(r, metric) is not None]
        median, low, high = rec.stats(values)
        xs.append(size)
        medians.append(median)
        lows.append(median - low)
        highs.append(high - median)
    return xs, medians, lows, highs


def _bytes_per_element(context):
    """Bytes per element (peak above baseline / n) against n, one panel per language, theory dashed."""
    records = [r for r in context.records if r["size"] > 0]  # log axis; a per-element cost needs elements
    shown, (count, total) = shown_variants(context, LINE_VARIANTS)
    styles = line_styles(shown)
    panels = []
    for lang, variants in shown.items():
        series = [(variant, _series(records, lang, variant, memory_metric(records), lambda v, n: v / n))
                  for variant in variants]
        series = [(variant, data) for variant, data in series if data[0]]
        if series:
            panels.append((lang, series))
    if not panels:
        return None
    theory = context.experiment.bytes_per_element_theory()
    figure, axes = plt.subplots(1, len(panels), figsize=(6.2 * len(panels), 4.6), squeeze=False, sharey=True)
    for ax, (lang, series) in zip(axes[0], panels):
        for variant, (xs, medians, lows, highs) in series:
            style = dict(styles[(lang, variant)], label=variant)
            ax.errorbar(xs, medians, yerr=[lows, highs], capsize=3, **style)
        for theory_lang, variant, value, _ in theory:
            if theory_lang == lang and variant in shown[lang]:
                ax.axhline(value, color=styles[(lang, variant)]["color"], linestyle=(0, (6, 3)), linewidth=1,
                           alpha=0.7, label=f"theory {variant}: {value:g} B")
        ax.set_xscale("log")
        count_axis(ax.xaxis, [x for _, data in series for x in data[0]])
        ax.set_xlabel("n (elements, log scale)")
        ax.set_title(lang_label(lang))
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2)
    values = [m for _, series in panels for _, data in series for m in data[1]] + [t[2] for t in theory]
    log = spans_orders(values, 30)  # an outlier of 800 B must not flatten the 8 B and 40 B lines
    if log:
        axes[0][0].set_yscale("log")
        count_axis(axes[0][0].yaxis, values)
    else:
        axes[0][0].set_ylim(bottom=0)  # once every panel is drawn: the axes share y
    axes[0][0].set_ylabel("bytes per element (peak above baseline / n" + (", log scale)" if log else ")"))
    figure.suptitle(f"{context.experiment.title}: bytes per element", fontsize=11)
    figure.tight_layout()
    caption = ("Bytes per element (peak above baseline divided by n) against n, median and min–max over repeats"
               + ("; dashed lines: theory (see the list of theory values)" if theory else "")
               + shown_note(count, total))
    return Drawn(figure, caption, scope={"variants": sorted({v for vs in shown.values() for v in vs})})


def _calibration(context):
    """Measured peak above baseline (MiB) against a size in MiB, with the line peak = size."""
    records = [r for r in context.records if r["size"] > 0]
    if any(r.get("swap_profile") or r.get("mem_limit_bytes") for r in records):
        return None  # under a memory limit the peak is the limit's doing, not the allocation's
    variants = {lang: [v for v in context.variants(lang) if v != "noop"]
                for lang in sort_langs(r["lang"] for r in records)}
    styles = line_styles(variants)
    figure, ax = plt.subplots(figsize=(7, 4.8))
    largest = 0
    for (lang, variant), style in styles.items():
        xs, medians, lows, highs = _series(records, lang, variant, "peak_delta_bytes", lambda v, n: v / MIB)
        if not xs:
            continue
        ax.errorbar(xs, medians, yerr=[lows, highs], capsize=3, **style)
        largest = max(largest, max(xs), max(m + h for m, h in zip(medians, highs)))
    if not largest:
        close(figure)
        return None
    requested = [r["size"] for r in records]
    if max(requested) / min(requested) > 20:
        ax.set_xscale("log")
        ax.set_yscale("log")
        line = np.geomspace(min(requested), largest, 50)
    else:
        line = np.linspace(0, largest, 50)
    ax.plot(line, line, color="black", linestyle=":", linewidth=1, label="peak = size")
    ax.set_xlabel(f"size of the run ({context.size_unit})")
    ax.set_ylabel("measured peak above baseline (MiB)")
    ax.set_title(f"{context.experiment.title}: peak against size")
    ax.legend(loc="upper left")
    figure.tight_layout()
    return Drawn(figure, "Peak above baseline against the size of the run, median and min–max over repeats; on the "
                         "dotted line the peak equals the size: for an allocation of that size, a perfect measurement; "
                         "for data of that size, the data held as it is")


# What the figure workers share: set before they fork, so the records are inherited, not pickled.
_SHARED_FOR_WORKERS = {}


def _make_figures_in_worker(experiment, entries):
    shared = _SHARED_FOR_WORKERS
    return make_figures(experiment, shared["records"], shared["out_dir"], entries, shared["benchmarks"],
                        png=shared["png"])


def make_all_figures(experiments, records, out_dir, entries_by_experiment, benchmarks=(), png=True):
    """{experiment name: [FigureFile]} for every experiment, drawn by one process per core: matplotlib's
    layout and rendering take most of the report's time, and the experiments' figures are independent."""
    workers = min(len(experiments), os.cpu_count() or 1)
    if workers <= 1:
        return {e.name: make_figures(e, records, out_dir, entries_by_experiment.get(e.name, []), benchmarks, png=png)
                for e in experiments}
    _SHARED_FOR_WORKERS.update(records=records, out_dir=out_dir, benchmarks=benchmarks, png=png)
    try:
        with concurrent.futures.ProcessPoolExecutor(max_workers=workers,
                                                    mp_context=multiprocessing.get_context("fork")) as pool:
            # The largest experiments first, so no worker is left with a big one at the end.
            ordered = sorted(experiments, key=lambda e: -sum(1 for r in records if r["experiment"] == e.name))
            futures = {e.name: pool.submit(_make_figures_in_worker, e, entries_by_experiment.get(e.name, []))
                       for e in ordered}
            return {e.name: futures[e.name].result() for e in experiments}
    finally:
        _SHARED_FOR_WORKERS.clear()
