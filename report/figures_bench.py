"""Figure of an experiment's Google Benchmark JSON: throughput against working-set size (log x), one line
per benchmark family, the machine's cache sizes as vertical lines, and, where a kernel runs in several
types (float and double), each type's elements per second relative to the widest one."""

import re

from matplotlib.ticker import FuncFormatter

from report.figure_style import LINE_STYLES, SERIES_COLORS, SERIES_MARKERS, Drawn, plt, spans_orders
from report.units import format_bytes

REFERENCE_TYPES = ("double", "float64", "int64")  # preferred reference for the relative panel
# Types a kernel can be written in: only then is "elements per second relative to double" meaningful (other
# last words, such as a data kind, are compared as they are).
NUMBER_TYPES = {"double", "float", "half", "float16", "float32", "float64", "int8", "int16", "int32", "int64",
                "uint8", "uint16", "uint32", "uint64"}
LINES_AT_MOST = 12  # more series than this, or fewer than 3 sizes each: a dot chart per kernel instead


def _style(kernel_index, type_index, one_type):
    """Colour and marker tell kernels apart; line style and fill tell types apart (or kernels, if one type)."""
    color = SERIES_COLORS[kernel_index % len(SERIES_COLORS)]
    dashes = LINE_STYLES[(kernel_index if one_type else type_index) % len(LINE_STYLES)]
    return {"color": color, "marker": SERIES_MARKERS[kernel_index % len(SERIES_MARKERS)], "linestyle": dashes,
            "markersize": 6, "linewidth": 1.5, "markerfacecolor": color if type_index == 0 else "white"}


def compact_bytes(value):
    """48 KiB, 2 MiB, 1.5 GiB: axis labels without a trailing .0."""
    return format_bytes(value).replace(".0 ", " ")


def _series(rows, value):
    """{(kernel, type): ([working set bytes], [value])}, sorted by working set."""
    series = {}
    for row in sorted(rows, key=lambda r: r.working_set_bytes):
        number = getattr(row, value)
        if row.working_set_bytes and number:
            xs, ys = series.setdefault((row.kernel, row.type), ([], []))
            xs.append(row.working_set_bytes)
            ys.append(number)
    return series


def _reference_type(types):
    for preferred in REFERENCE_TYPES:
        if preferred in types:
            return preferred
    return sorted(types)[0]


def _cache_lines(ax, run):
    for label, size in run.caches():
        ax.axvline(size, color="0.35", linestyle=(0, (4, 2)), linewidth=0.9)
        ax.annotate(f"{label} {compact_bytes(size)}", (size, 1.0), xycoords=("data", "axes fraction"), xytext=(-3, -3),
                    textcoords="offset points", rotation=90, ha="right", va="top", fontsize=7, color="0.3")


def throughput(context):
    run = context.benchmark
    if run is None:
        return None
    rates = _series(run.rows, "bytes_per_second")
    if not rates:
        return None
    if len(rates) > LINES_AT_MOST or max(len(xs) for xs, _ in rates.values()) < 3:
        return _dot_chart(context, run, rates)
    kernels = sorted({kernel for kernel, _ in rates})
    types = sorted({type_ for _, type_ in rates})
    reference = _reference_type(types)
    type_order = [reference] + [t for t in types if t != reference]
    items = _series(run.rows, "items_per_second")
    relative = {}
    for (kernel, type_), (xs, ys) in items.items():
        base = items.get((kernel, reference))
        if type_ != reference and base and {type_, reference} <= NUMBER_TYPES:
            by_size = dict(zip(*base))
            pairs = [(x, y / by_size[x]) for x, y in zip(xs, ys) if by_size.get(x)]
            if pairs:
                relative[(kernel, type_)] = ([p[0] for p in pairs], [p[1] for p in pairs])
    columns = 2 if relative else 1
    figure, axes = plt.subplots(1, columns, figsize=(6.4 * columns, 4.8), squeeze=False)
    left = axes[0][0]
    for (kernel, type_), (xs, ys) in sorted(rates.items()):
        left.plot(xs, [y / 1e9 for y in ys], label=f"{kernel} {type_}".strip(),
                  **_style(kernels.index(kernel), type_order.index(type_), len(types) == 1))
    left.set_xscale("log", base=2)
    log_y = spans_orders([y for _, ys in rates.values() for y in ys], 8)
    if log_y:
        left.set_yscale("log")
    else:
        left.set_ylim(bottom=0)
    _cache_lines(left, run)
    left.set_xlabel("working set (bytes, log scale)")
    left.set_ylabel("throughput (GB/s" + (", log scale)" if log_y else ")"))
    left.set_title("Bytes per second against working set")
    left.xaxis.set_major_formatter(FuncFormatter(lambda value, _: compact_bytes(value)))
    left.legend(loc="lower left", fontsize=7, ncol=2 if len(rates) > 6 else 1)
    if relative:
        right = axes[0][1]
        for (kernel, type_), (xs, ys) in sorted(relative.items()):
            right.plot(xs, ys, label=f"{kernel}: {type_} / {reference}",
                       **_style(kernels.index(kernel), type_order.index(type_), len(types) == 1))
        right.axhline(1.0, color="0.4", linestyle=":", linewidth=1)
        right.set_xscale("log", base=2)
        right.xaxis.set_major_formatter(FuncFormatter(lambda value, _: compact_bytes(value)))
        _cache_lines(right, run)
        right.set_ylim(bottom=0)
        right.set_xlabel("working set (bytes, log scale)")
        right.set_ylabel(f"elements per second relative to {reference} (×)")
        right.set_title(f"Speed-up over {reference}, per element")
        right.legend(loc="upper left", fontsize=7)
    figure.suptitle(f"{context.experiment.title}: C++ kernels (Google Benchmark)", fontsize=11)
    figure.tight_layout()
    caption = (f"Throughput of the C++ kernels of `{run.path.name}` against the working set (log scale), one line "
               f"per benchmark (marker shape: kernel; line style and fill: type); dashed verticals: this machine's "
               f"cache sizes from the benchmark's context")
    if relative:
        caption += (f". Right: elements per second of each type relative to {reference}; 2× at the same bytes per "
                    f"second means the kernel is limited by memory bandwidth, 1× that it is not")
    return Drawn(figure, caption, scope={"bench": True})


def natural(text):
    """Sort key that puts zstd3 before zstd19."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def _dot_chart(context, run, rates):
    """Bytes per second of every kernel (a row each) for every type (a marker each), at each series' largest
    working set, log scale: readable where a line per series would not be (many series, few sizes)."""
    kernels = sorted({kernel for kernel, _ in rates}, key=natural)
    types = sorted({type_ for _, type_ in rates})
    figure, ax = plt.subplots(figsize=(9.5, 1.4 + 0.42 * len(kernels)))
    step = 0.6 / max(1, len(types))
    sizes = set()
    for type_index, type_ in enumerate(types):
        style = _style(type_index, 0, one_type=True)
        ys, xs = [], []
        for row, kernel in enumerate(kernels):
            series = rates.get((kernel, type_))
            if series:
                sizes.add(series[0][-1])
                ys.append(row + (type_index - (len(types) - 1) / 2) * step)
                xs.append(series[1][-1] / 1e9)
        ax.plot(xs, ys, linestyle="none", marker=style["marker"], color=style["color"], markersize=7,
                markerfacecolor=style["color"] if type_index % 2 == 0 else "white", label=type_ or "(none)")
    ax.set_yticks(range(len(kernels)))
    ax.set_yticklabels(kernels)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("throughput (GB/s, log scale)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.9 / figure.get_figheight()), ncol=min(6, len(types)))
    ax.set_title(f"{context.experiment.title}: C++ kernels (Google Benchmark)", fontsize=10)
    figure.tight_layout()
    caption = (f"Bytes per second of each C++ kernel of `{run.path.name}` (a row each) for each variant of its "
               f"last word (a marker each), at the largest working set it ran "
               f"({', '.join(compact_bytes(size) for size in sorted(sizes))}); log scale")
    return Drawn(figure, caption, scope={"bench": True})
