"""Figure of experiments whose variants report a `compression_ratio` and a read-back speed
(`decompress_mb_per_second`, or `read_mb_per_second` for files): what is saved against what reading it
back costs, with each variant's resident peak as the marker's size."""

import math
import re

from matplotlib.lines import Line2D

from report import records as rec
from report.figure_style import Drawn, lang_label, lang_style, plt, sort_langs, spans_orders
from report.units import MIB, format_bytes, format_size

RATIO = "compression_ratio"
READ_SPEED = re.compile(r"^(decompress|read|get|load|unpack)\w*_mb_per_second$")
SMALLEST_MARKER, LARGEST_MARKER = 25.0, 600.0  # marker areas (pt²) for the smallest and largest peak


def read_speed_metric(record):
    """The name of the record's read-back speed metric, or None."""
    names = sorted(name for name in record.get("metrics", {}) if READ_SPEED.match(name))
    names.sort(key=lambda name: not name.startswith("decompress"))  # a codec's own speed first
    return names[0] if names else None


def _nothing_stored(record):
    """True for a variant that keeps the data outside memory (a file): no finite ratio, but a read speed."""
    return rec.metric_value(record, "stored_bytes") == 0


def _points(records):
    """{lang: [(variant, speed MB/s, ratio, peak bytes, size, speed metric)]}, at each variant's largest size."""
    points = {}
    for lang in sort_langs(r["lang"] for r in records):
        for variant in sorted({r["variant"] for r in records if r["lang"] == lang}):
            mine = [r for r in rec.select(records, lang=lang, variant=variant)
                    if (rec.metric_value(r, RATIO) is not None or _nothing_stored(r)) and read_speed_metric(r)]
            if not mine:
                continue
            size = max(r["size"] for r in mine)
            at_size = [r for r in mine if r["size"] == size]
            speed_name = read_speed_metric(at_size[0])
            ratio = rec.median_metric(at_size, RATIO)
            points.setdefault(lang, []).append((
                variant, rec.median_metric(at_size, speed_name), math.inf if ratio is None else ratio,
                rec.median_metric(at_size, "peak_delta_bytes") or 0.0, size, speed_name))
    return points


def ratio_speed(context):
    """Compression ratio (how much smaller) against read-back speed, one panel per language."""
    points = _points(context.records)
    if not points:
        return None
    peaks = [p[3] for lang_points in points.values() for p in lang_points if p[3] > 0]
    largest_peak = max(peaks, default=1.0)

    def area(peak):
        return SMALLEST_MARKER + (LARGEST_MARKER - SMALLEST_MARKER) * max(peak, 0.0) / largest_peak

    langs = list(points)
    figure, axes = plt.subplots(1, len(langs), figsize=(6.4 * len(langs), 5.2), squeeze=False, sharey=True,
                                sharex=True)
    ratios = [p[2] for lang_points in points.values() for p in lang_points if math.isfinite(p[2])]
    speeds = [p[1] for lang_points in points.values() for p in lang_points]
    log_ratio = spans_orders(ratios, 10)
    # Data kept in files has nothing in memory to compare: drawn above the top of the ratio axis.
    off_scale = max(ratios, default=1.0) * (2.0 if log_ratio else 1.15)
    for ax, lang in zip(axes[0], langs):
        style = lang_style(lang)
        for index, (variant, speed, ratio, peak, size, speed_name) in enumerate(sorted(points[lang], key=lambda p: p[1])):
            on_disk = not math.isfinite(ratio)
            ax.scatter([speed], [off_scale if on_disk else ratio], s=area(peak),
                       marker="^" if on_disk else style["markers"][0], edgecolors=style["color"],
                       facecolors=style["color"] if lang == "py" else "white", alpha=0.75, linewidths=1.2, zorder=3)
            ratio = off_scale if on_disk else ratio
            note = variant + (" (file: nothing in memory)" if on_disk else
                              " (file read)" if not speed_name.startswith("decompress") else "")
            ax.annotate(note, (speed, ratio), xytext=(7, 6 if index % 2 else -9), textcoords="offset points",
                        fontsize=6.5, color="#1d2330")
        ax.axhline(1.0, color="0.4", linestyle=":", linewidth=1)
        if any(not math.isfinite(p[2]) for p in points[lang]):
            ax.axhline(off_scale, color="0.7", linestyle="-", linewidth=0.8)
        ax.set_xscale("log")
        if log_ratio:
            ax.set_yscale("log")
        ax.set_title(lang_label(lang))
        ax.set_xlabel("read-back speed (MB/s of raw data, log scale)")
    axes[0][0].set_ylabel("compression ratio (raw / stored" + (", log scale)" if log_ratio else ")"))
    if speeds:
        axes[0][0].set_xlim(min(speeds) / 2, max(speeds) * 4)
    keys = sorted({min(peaks, default=0), largest_peak / 2, largest_peak}) if peaks else []
    handles = [Line2D([], [], marker="o", linestyle="none", markersize=(area(p) ** 0.5), markerfacecolor="0.8",
                      markeredgecolor="0.3") for p in keys]
    figure.legend(handles, [f"peak {format_bytes(p)}" for p in keys], loc="lower center", ncol=len(keys) or 1,
                  title="marker size: resident peak above baseline", title_fontsize=8, labelspacing=1.5)
    sizes = sorted({p[4] for lang_points in points.values() for p in lang_points})
    figure.suptitle(f"{context.experiment.title}: space saved against read-back speed "
                    f"({', '.join(format_size(s, context.size_unit) for s in sizes)})", fontsize=11)
    figure.tight_layout(rect=(0, 0.16, 1, 1))
    caption = ("Compression ratio (raw bytes / stored bytes; the dotted line is 1: nothing saved) against the speed "
               "of reading the data back (decompression, or reading the file for file variants; log scale), each "
               "variant at its largest size (▲ on the top line: files, which keep nothing in memory); the marker's "
               "area grows with the resident peak above baseline "
               f"(largest: {largest_peak / MIB:.1f} MiB). Up and to the right is better on both counts")
    return Drawn(figure, caption, scope={"variants": sorted({p[0] for ps in points.values() for p in ps})})
