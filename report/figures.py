"""The report's figures (matplotlib, Agg backend), each written as SVG and PNG.

Every figure must survive a grey-scale print: languages differ by colour AND hatch/marker shape,
variants by marker and line style. A figure whose data is missing is skipped, never drawn empty.
"""

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
import numpy as np  # noqa: E402

from report import records as rec  # noqa: E402
from report.units import MIB, format_size  # noqa: E402

LANG_STYLE = {
    "py": {"label": "Python", "color": "#1f5fa8", "hatch": "", "markers": "o^vD<>"},
    "cpp": {"label": "C++", "color": "#c8501e", "hatch": "///", "markers": "sPX*hp"},
}
OTHER_LANG_STYLE = {"color": "#555555", "hatch": "..", "markers": "dH8"}
LINE_STYLES = ["-", "--", ":", "-.", (0, (5, 1, 1, 1)), (0, (3, 1, 1, 1, 1, 1))]
OUTCOME_SHORT = {"oom_killed": "OOM", "timeout": "timeout", "error": "error", "skipped": "skipped"}

matplotlib.rcParams.update({
    "svg.fonttype": "none",      # text stays text: smaller files, searchable
    "svg.hashsalt": "oomlab",    # stable ids, so regenerated SVGs diff cleanly
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.fontsize": 8,
    "legend.frameon": False,
})


@dataclass
class FigureFile:
    name: str
    caption: str
    svg_path: Path
    png_path: Path
    machine_id: str


def lang_style(lang):
    style = LANG_STYLE.get(lang)
    return style if style else {**OTHER_LANG_STYLE, "label": lang}


def sort_langs(langs):
    """Python, then C++, then any other language by name."""
    known = list(LANG_STYLE)
    return sorted(set(langs), key=lambda lang: (known.index(lang), "") if lang in known else (len(known), lang))


def sort_variants(variants):
    """noop, baseline, remedy, remedy_*, then the rest, by name."""
    def key(variant):
        rank = {"noop": 0, "baseline": 1, "remedy": 2}.get(variant)
        if rank is None:
            rank = 3 if variant.startswith("remedy") else 4
        return (rank, variant)
    return sorted(set(variants), key=key)


def safe_name(text):
    return re.sub(r"[^A-Za-z0-9._-]+", "_", str(text)).strip("_") or "machine"


def make_figures(experiment, records, out_dir, warn=rec.warn):
    """All figures of one experiment, per machine. records: newest-commit records of any outcome."""
    own = [r for r in records if r["experiment"] == experiment.name]
    machine_ids = rec.machines(own)
    size_unit = experiment.size_unit if experiment.folder else next(
        (r.get("size_unit") for r in own if r.get("size_unit")), "elements")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    made = []
    for machine_id in machine_ids:
        here = [r for r in own if rec.machine_of(r) == machine_id]
        suffix = "" if len(machine_ids) == 1 else "-" + safe_name(machine_id)
        machine_note = f" (machine {machine_id})"
        builders = [("peak-time", _peak_and_time)]
        if size_unit == "elements":
            builders.append(("bytes-per-element", _bytes_per_element))
        if size_unit == "MiB":
            builders.append(("calibration", _calibration))
        builders.append(("timeline", _timeline))
        for kind, builder in builders:
            name = f"{experiment.name}-{kind}{suffix}"
            try:
                drawn = builder(experiment, here, size_unit, warn)
            except Exception as error:  # a figure must never take the whole report down
                warn(f"figure {name}: not drawn ({type(error).__name__}: {error})")
                plt.close("all")
                continue
            if drawn is None:
                continue
            figure, caption = drawn
            svg_path, png_path = out_dir / f"{name}.svg", out_dir / f"{name}.png"
            figure.savefig(svg_path, format="svg", metadata={"Date": None})
            figure.savefig(png_path, format="png", dpi=120, metadata={"Software": None})
            plt.close(figure)
            made.append(FigureFile(name, caption + machine_note + ".", svg_path, png_path, machine_id))
    return made


def _largest_ok_size(records, lang, metric="peak_delta_bytes"):
    sizes = rec.sizes_with_data(records, metric, lang=lang)
    return sizes[-1] if sizes else None


def _peak_and_time(experiment, records, size_unit, warn):
    """Bars: peak above baseline (MiB) and wall time, per variant, Python and C++ side by side."""
    langs = sort_langs(r["lang"] for r in records)
    variants = sort_variants(r["variant"] for r in records)
    sizes = {lang: _largest_ok_size(records, lang) for lang in langs}
    langs = [lang for lang in langs if sizes[lang] is not None]
    if not langs:
        return None
    figure, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    width = 0.8 / len(langs)
    positions = np.arange(len(variants))
    panels = [("peak_delta_bytes", MIB, "peak above baseline (MiB)", "Peak memory above the start of the run"),
              ("wall_seconds", 1.0, "wall time of the measured phase (s)", "Wall time of the measured phase")]
    for ax, (metric, scale, ylabel, title) in zip(axes, panels):
        all_values = []
        for index, lang in enumerate(langs):
            style = lang_style(lang)
            offset = (index - (len(langs) - 1) / 2) * width
            size = sizes[lang]
            medians, lows, highs, xs, failures = [], [], [], [], []
            for position, variant in zip(positions, variants):
                at_size = [r for r in records if r["lang"] == lang and r["variant"] == variant and r["size"] == size]
                median, low, high = rec.stats(rec.metric_value(r, metric) for r in at_size if rec.is_ok(r))
                if median is None:
                    failed = sorted({OUTCOME_SHORT.get(r["outcome"], r["outcome"]) for r in at_size})
                    if failed:
                        failures.append((position + offset, "/".join(failed)))
                    continue
                xs.append(position + offset)
                medians.append(median / scale)
                lows.append((median - low) / scale)
                highs.append((high - median) / scale)
            if xs:
                ax.bar(xs, medians, width * 0.92, yerr=[lows, highs], capsize=3, color=style["color"],
                       hatch=style["hatch"], edgecolor="black", linewidth=0.6, alpha=0.9,
                       label=f"{style['label']} ({format_size(size, size_unit)})")
                all_values.extend(m + h for m, h in zip(medians, highs))
            for x, text in failures:
                ax.text(x, 0, text, rotation=90, ha="center", va="bottom", fontsize=8, color="#a4161a")
        positive = [v for v in all_values if v > 0]
        if metric == "wall_seconds" and positive and max(positive) / max(min(positive), 1e-12) > 30:
            ax.set_yscale("log")
        ax.set_xticks(positions)
        ax.set_xticklabels(variants, rotation=20, ha="right")
        ax.set_ylabel(ylabel)
        ax.set_title(title)
    handles, labels = axes[0].get_legend_handles_labels()
    if not handles:
        handles, labels = axes[1].get_legend_handles_labels()
    figure.suptitle(experiment.title, fontsize=11)
    figure.legend(handles, labels, loc="lower center", ncol=max(1, len(labels)))
    figure.tight_layout(rect=(0, 0.07, 1, 1))
    sizes_text = ", ".join(f"{lang_style(lang)['label']} at {format_size(sizes[lang], size_unit)}" for lang in langs)
    caption = (f"Peak memory above the start of the run (left) and wall time of the measured phase (right) "
               f"per variant, {sizes_text}: median bar, min–max error bar over repeats")
    return figure, caption


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


def _line_styles(records):
    """{(lang, variant): matplotlib keyword arguments}, stable across figures of one experiment."""
    variants = sort_variants(r["variant"] for r in records)
    styles = {}
    for lang in sort_langs(r["lang"] for r in records):
        style = lang_style(lang)
        for index, variant in enumerate(variants):
            styles[(lang, variant)] = {
                "color": style["color"], "marker": style["markers"][index % len(style["markers"])],
                "linestyle": LINE_STYLES[index % len(LINE_STYLES)], "markersize": 6,
                "markerfacecolor": style["color"] if lang == "py" else "white", "linewidth": 1.4,
                "label": f"{style['label']} {variant}",
            }
    return styles


def _bytes_per_element(experiment, records, size_unit, warn):
    """Bytes per element (peak above baseline / n) against n, with the theory as dashed lines."""
    styles = _line_styles(records)
    figure, ax = plt.subplots(figsize=(8, 4.6))
    drawn = False
    records = [r for r in records if r["size"] > 0]  # log axis, and a per-element cost needs elements
    for (lang, variant), style in styles.items():
        if variant == "noop":  # the control allocates nothing per element
            continue
        xs, medians, lows, highs = _series(records, lang, variant, "peak_delta_bytes", lambda v, n: v / n)
        if not xs:
            continue
        ax.errorbar(xs, medians, yerr=[lows, highs], capsize=3, **style)
        drawn = True
    if not drawn:
        plt.close(figure)
        return None
    for lang, variant, value, source in experiment.bytes_per_element_theory():
        style = styles.get((lang, variant), {"color": lang_style(lang)["color"]})
        label = f"theory: {lang_style(lang)['label']} {variant} {value:g} B"  # sources: in the page's text
        ax.axhline(value, color=style["color"], linestyle=(0, (6, 3)), linewidth=1, alpha=0.7, label=label)
    ax.set_xscale("log")
    ax.set_ylim(bottom=0)
    ax.set_xlabel("n (elements, log scale)")
    ax.set_ylabel("bytes per element (peak above baseline / n)")
    ax.set_title(f"{experiment.title}: bytes per element")
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5))
    figure.tight_layout()
    caption = ("Bytes per element (peak above baseline divided by n) against n, median and min–max over repeats"
               + ("; dashed lines: theory (see the list of theory values)" if experiment.bytes_per_element_theory() else ""))
    return figure, caption


def _calibration(experiment, records, size_unit, warn):
    """Measured peak above baseline (MiB) against the requested MiB, with the ideal y = x."""
    styles = _line_styles(records)
    figure, ax = plt.subplots(figsize=(7, 4.8))
    largest = 0
    for (lang, variant), style in styles.items():
        xs, medians, lows, highs = _series(records, lang, variant, "peak_delta_bytes", lambda v, n: v / MIB)
        if not xs or variant == "noop":
            continue
        ax.errorbar(xs, medians, yerr=[lows, highs], capsize=3, **style)
        largest = max(largest, max(xs), max(m + h for m, h in zip(medians, highs)))
    if not largest:
        plt.close(figure)
        return None
    requested = [r["size"] for r in records if r["size"] > 0]
    if requested and max(requested) / min(requested) > 20:
        ax.set_xscale("log")
        ax.set_yscale("log")
        line = np.geomspace(min(requested), largest, 50)
    else:
        line = np.linspace(0, largest, 50)
    ax.plot(line, line, color="black", linestyle=":", linewidth=1, label="y = x (exact measurement)")
    ax.set_xlabel("requested allocation (MiB)")
    ax.set_ylabel("measured peak above baseline (MiB)")
    ax.set_title(f"{experiment.title}: measured against requested")
    ax.legend(loc="upper left")
    figure.tight_layout()
    return figure, ("Measured peak above baseline against the requested allocation, median and min–max over "
                    "repeats; the dotted line is a perfect measurement")


def _load_timeline(record):
    """A record's timeline: inline, or a JSON file named by a path relative to the record's file."""
    timeline = record.get("timeline")
    if isinstance(timeline, str) and record.get("_source"):
        path = Path(record["_source"].rsplit(":", 1)[0]).parent / timeline
        try:
            timeline = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
    if not isinstance(timeline, dict):
        return None
    times, rss = timeline.get("t_seconds"), timeline.get("rss_bytes")
    if not isinstance(times, list) or not isinstance(rss, list) or len(times) < 2 or len(times) != len(rss):
        return None
    return timeline


def _decimate(times, values, limit=3000):
    """At most ~limit points, keeping the maximum of each stride so a transient peak stays visible."""
    if len(times) <= limit:
        return times, values
    stride = math.ceil(len(times) / limit)
    picks = [start + int(np.argmax(values[start:start + stride])) for start in range(0, len(times), stride)]
    return times[picks], values[picks]


def _timeline(experiment, records, size_unit, warn):
    """RSS over time of each variant (first repeat, largest size), one panel per language."""
    langs = [lang for lang in sort_langs(r["lang"] for r in records) if _largest_ok_size(records, lang) is not None]
    styles = _line_styles(records)
    panels = []
    for lang in langs:
        size = _largest_ok_size(records, lang)
        curves = []
        for variant in sort_variants(r["variant"] for r in records if r["lang"] == lang):
            candidates = sorted((r for r in rec.select(records, lang=lang, variant=variant, size=size)
                                 if _load_timeline(r)), key=lambda r: r.get("repeat") or 0)
            if candidates:
                curves.append((variant, _load_timeline(candidates[0])))
        if curves:
            panels.append((lang, size, curves))
    if not panels:
        return None
    figure, axes = plt.subplots(1, len(panels), figsize=(5.6 * len(panels), 4.2), squeeze=False, sharey=True)
    for ax, (lang, size, curves) in zip(axes[0], panels):
        longest = 0.0
        for variant, timeline in curves:
            times = np.asarray(timeline["t_seconds"], dtype=float)
            rss = np.asarray(timeline["rss_bytes"], dtype=float) / MIB
            start = float(timeline.get("run_start_seconds") or 0.0)
            end = float(timeline.get("run_end_seconds") or times[-1])
            times, rss = _decimate(times - start, rss)
            style = dict(styles[(lang, variant)])
            measured = (times >= 0) & (times <= end - start)
            ax.plot(times, rss, color=style["color"], linestyle=style["linestyle"], linewidth=0.8, alpha=0.45)
            style.update(markevery=max(1, int(measured.sum()) // 8), linewidth=2)
            ax.plot(times[measured], rss[measured], **style)
            longest = max(longest, end - start)
        ax.axvspan(0, longest, color="0.85", alpha=0.5, zorder=0, label="measured phase")
        ax.set_xlabel("seconds since the measured phase started")
        ax.set_title(f"{lang_style(lang)['label']}, {format_size(size, size_unit)}")
        ax.legend(loc="upper left")
    axes[0][0].set_ylabel("resident set size (MiB)")
    figure.suptitle(f"{experiment.title}: memory over time (first repeat)", fontsize=11)
    figure.tight_layout()
    caption = ("Resident set size over time of each variant (first repeat, largest size): the thick part of "
               "each curve is its measured phase, the grey band spans the longest one, and thin parts are "
               "interpreter start, setup and exit")
    return figure, caption
