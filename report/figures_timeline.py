"""Memory over time: loading a record's timeline (inline or in a file beside the records) and the figure
of the resident set over time of the key variants, which shows transient peaks a single number hides."""

import json
import math
from pathlib import Path

import numpy as np

from report import records as rec
from report.figure_style import TIMELINE_VARIANTS, Drawn, lang_label, line_styles, plt, shown_note, shown_variants
from report.units import MIB, format_size, is_number


def load_timeline(record):
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
    if not all(is_number(t) for t in times) or not all(is_number(v) for v in rss):
        return None
    return timeline


def decimate(times, values, limit=3000):
    """At most ~limit points, keeping the maximum of each stride so a transient peak stays visible."""
    if len(times) <= limit:
        return times, values
    stride = math.ceil(len(times) / limit)
    picks = [start + int(np.argmax(values[start:start + stride])) for start in range(0, len(times), stride)]
    return times[picks], values[picks]


def first_record(records, lang, variant, size):
    """The ok record with a timeline of the first repeat of one point, or None."""
    candidates = sorted((r for r in rec.select(records, lang=lang, variant=variant, size=size) if load_timeline(r)),
                        key=lambda r: r.get("repeat") or 0)
    return candidates[0] if candidates else None


def first_timeline(records, lang, variant, size):
    """The timeline of the first repeat of one point, or None."""
    record = first_record(records, lang, variant, size)
    return load_timeline(record) if record else None


def memory_over_time(context):
    """RSS over time of the key variants (first repeat, largest size), one panel per language."""
    records = context.records
    shown, (count, total) = shown_variants(context, TIMELINE_VARIANTS, exclude=())
    styles = line_styles(shown)
    panels = []
    for lang, variants in shown.items():
        sizes = rec.sizes_with_data(records, "peak_delta_bytes", lang=lang)
        size = sizes[-1] if sizes else None
        if size is None:
            continue
        curves = [(v, first_record(records, lang, v, size)) for v in variants]
        curves = [(v, r) for v, r in curves if r]
        if curves:
            panels.append((lang, size, curves))
    if not panels:
        return None
    figure, axes = plt.subplots(1, len(panels), figsize=(5.8 * len(panels), 4.4), squeeze=False, sharey=True)
    for ax, (lang, size, curves) in zip(axes[0], panels):
        longest = 0.0
        for variant, record in curves:
            timeline = load_timeline(record)
            times = np.asarray(timeline["t_seconds"], dtype=float)
            rss = np.asarray(timeline["rss_bytes"], dtype=float) / MIB
            start, end = phase_times(timeline)
            times, rss = decimate(times - start, rss)
            style = dict(styles[(lang, variant)], label=variant)
            measured = (times >= 0) & (times <= end - start)
            ax.plot(times, rss, color=style["color"], linestyle=style["linestyle"], linewidth=0.8, alpha=0.45)
            style.update(markevery=max(1, int(measured.sum()) // 8), linewidth=2)
            ax.plot(times[measured], rss[measured], **style)
            # VmHWM: the true peak, even of a phase shorter than the sampling interval. Not for a process tree:
            # its curve sums the tree's RSS, while VmHWM is the first process's alone.
            peak = None if record.get("rss_sum_peak_bytes") is not None else rec.metric_value(record, "peak_rss_bytes")
            if peak is not None:
                ax.plot([end - start], [peak / MIB], marker=style["marker"], markersize=9, linestyle="none",
                        color=style["color"], markerfacecolor=style["markerfacecolor"], markeredgecolor="black",
                        markeredgewidth=1.2, zorder=4)
            longest = max(longest, end - start)
        measured_band(ax, 0.0, longest)
        ax.set_xlabel("time since the measured phase started (s)")
        ax.set_title(f"{lang_label(lang)}, {format_size(size, context.size_unit)}")
        ax.legend(loc="upper left")
    axes[0][0].set_ylabel("resident set size (MiB)")
    figure.suptitle(f"{context.experiment.title}: memory over time (first repeat)", fontsize=11)
    figure.tight_layout()
    caption = ("Resident set size over time (first repeat, largest size): the thick part of each curve is its "
               "measured phase, the grey band spans the longest one, and thin parts are interpreter start, setup "
               "and exit; the black-edged marker at the end of each phase is its peak as the kernel counted it "
               "(VmHWM), which a phase shorter than the 20 ms sampling interval shows only there" + shown_note(count, total))
    return Drawn(figure, caption, scope={"variants": sorted({v for vs in shown.values() for v in vs})})


def phase_times(timeline):
    """(start, end) of the measured phase in the timeline's clock (seconds since the child started)."""
    times = timeline["t_seconds"]
    start = timeline.get("run_start_seconds")
    end = timeline.get("run_end_seconds")
    start = float(start) if is_number(start) else 0.0
    return start, float(end) if is_number(end) else float(times[-1])


def measured_band(ax, start, end):
    ax.axvspan(start, end, color="0.85", alpha=0.5, zorder=0, label="measured phase")
