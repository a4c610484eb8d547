"""What every figure shares: matplotlib settings, the look of each language and variant, and the
rules for choosing which variants a crowded figure shows.

Figures must survive a grey-scale print: languages differ by colour AND hatch or filled/hollow
markers, variants by marker shape and line style, and no two curves of one figure share both.
"""

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)

LANG_STYLE = {
    "py": {"label": "Python", "color": "#1f5fa8", "hatch": "", "markers": "o^vD<>p"},
    "cpp": {"label": "C++", "color": "#c8501e", "hatch": "///", "markers": "sPX*hd8"},
}
OTHER_LANG_STYLE = {"color": "#555555", "hatch": "..", "markers": "dH8<>^v"}
LINE_STYLES = ["-", "--", ":", "-.", (0, (5, 1, 1, 1)), (0, (3, 1, 1, 1, 1, 1)), (0, (8, 2))]
# Series that are not languages (kernels of a benchmark, measures of a process tree): Okabe–Ito colours,
# which stay apart for colour-blind readers, each with its own marker and line style for grey print.
SERIES_COLORS = ["#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000", "#999999"]
SERIES_MARKERS = "osD^vP*X"
OUTCOME_SHORT = {"oom_killed": "OOM", "timeout": "> cap", "error": "error", "skipped": "skipped"}
TIMELINE_VARIANTS = 6   # curves per language panel of a memory-over-time figure
LINE_VARIANTS = 7       # lines per language panel of a figure against size
HORIZONTAL_BARS_FROM = 7  # variants: from this many, bar charts list variants down the page

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
class Drawn:
    """One drawn figure, before it is saved: the builder's result."""
    figure: object
    caption: str
    suffix: str = ""            # appended to the figure's kind when one builder draws several
    scope: dict = field(default_factory=dict)  # what to rerun: {"langs": [...], "variants": [...], "bench": True}


def lang_style(lang):
    style = LANG_STYLE.get(lang)
    return style if style else {**OTHER_LANG_STYLE, "label": lang}


def lang_label(lang):
    return lang_style(lang)["label"]


def sort_langs(langs):
    """Python, then C++, then any other language by name."""
    known = list(LANG_STYLE)
    return sorted(set(langs), key=lambda lang: (known.index(lang), "") if lang in known else (len(known), lang))


SWAP_PROFILE_ORDER = ["ram", "none", "ssd", "hdd", "zram"]  # from the most memory to the slowest swap


def sort_variants(variants):
    """noop, baseline, remedy, remedy_*, then the rest, by name; swap variants ("ssd:random") by profile
    first, in SWAP_PROFILE_ORDER."""
    def rank(variant):
        order = {"noop": 0, "baseline": 1, "remedy": 2}.get(variant)
        if order is None:
            order = 3 if variant.startswith("remedy") else 4
        return (order, variant)

    def key(variant):
        profile, _, base = variant.rpartition(":")
        profile_rank = SWAP_PROFILE_ORDER.index(profile) if profile in SWAP_PROFILE_ORDER else len(SWAP_PROFILE_ORDER)
        return (profile_rank, profile, *rank(base))
    return sorted(set(variants), key=key)


def safe_name(text):
    return re.sub(r"[^A-Za-z0-9._-]+", "_", str(text)).strip("_") or "machine"


def claimed_variants(entries, lang):
    """Variants of `lang` that claims compare, in the order the claims name them."""
    named = []
    for entry in entries:
        for side in (entry.get("subject") or {}, entry.get("reference") or {}):
            if side.get("lang") == lang and side.get("variant") and side["variant"] not in named:
                named.append(side["variant"])
    return named


def key_variants(variants, entries, lang, limit):
    """At most `limit` of `variants` for a crowded figure, in display order: baseline and remedy, those the
    claims compare, then other remedies, then the rest; the noop control only if there is room."""
    variants = set(variants)
    chosen = []
    for variant in ["baseline", "remedy", *claimed_variants(entries, lang),
                    *[v for v in sort_variants(variants) if v.startswith("remedy")],
                    *[v for v in sort_variants(variants) if v != "noop"], "noop"]:
        if variant in variants and variant not in chosen:
            chosen.append(variant)
    return sort_variants(chosen[:limit])


def shown_variants(context, limit, exclude=("noop",)):
    """{lang: variants a crowded figure draws} and (shown, total) counts for its caption."""
    shown, total = {}, 0
    for lang in sort_langs(r["lang"] for r in context.records):
        variants = [v for v in context.variants(lang) if v not in exclude]
        total += len(variants)
        shown[lang] = key_variants(variants, context.entries, lang, limit)
    return shown, (sum(len(v) for v in shown.values()), total)


def shown_note(shown, total):
    """'; 6 of 10 variants shown (…)' when a figure leaves variants out, else ''."""
    if shown >= total:
        return ""
    return (f"; {shown} of {total} variants shown (baseline, remedies and those the claims compare); "
            f"the measurements table lists every variant")


def line_styles(variants_by_lang):
    """{(lang, variant): errorbar/plot keyword arguments}: within a language, each variant its own marker
    and line style; Python filled, C++ hollow."""
    styles = {}
    for lang in sort_langs(variants_by_lang):
        style = lang_style(lang)
        for index, variant in enumerate(sort_variants(variants_by_lang[lang])):
            styles[(lang, variant)] = {
                "color": style["color"], "marker": style["markers"][index % len(style["markers"])],
                "linestyle": LINE_STYLES[index % len(LINE_STYLES)], "markersize": 6,
                "markerfacecolor": style["color"] if lang == "py" else "white", "linewidth": 1.4,
                "label": f"{style['label']} {variant}",
            }
    return styles


def series_style(index):
    """Style of the index-th series that is not a language (a benchmark kernel, a tree measure)."""
    return {"color": SERIES_COLORS[index % len(SERIES_COLORS)], "marker": SERIES_MARKERS[index % len(SERIES_MARKERS)],
            "linestyle": LINE_STYLES[index % len(LINE_STYLES)], "markersize": 6, "linewidth": 1.5}


def spans_orders(values, factor=30.0):
    """True if the positive values span more than `factor` (then a log axis reads better)."""
    positive = [v for v in values if v is not None and v > 0 and math.isfinite(v)]
    return len(positive) >= 2 and max(positive) / min(positive) > factor


def compact_count(value):
    """200k, 1M, 2.5M: tick labels for element counts on a log axis."""
    for suffix, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(value) >= scale:
            return f"{value / scale:g}{suffix}"
    return f"{value:g}"


def count_axis(axis, values=()):
    """Plain tick labels (200k, 1M) on a log axis of element counts, minor ticks included: every one when
    the values span less than a decade, else only 2× and 5× of each decade, so a wide axis stays legible."""
    from matplotlib.ticker import FuncFormatter

    positive = [v for v in values if v and v > 0]
    narrow = bool(positive) and max(positive) / min(positive) < 10

    def minor(value, _):
        leading = value / 10 ** math.floor(math.log10(value)) if value > 0 else 0
        return compact_count(value) if narrow or round(leading, 6) in (2.0, 5.0) else ""

    axis.set_major_formatter(FuncFormatter(lambda value, _: compact_count(value)))
    axis.set_minor_formatter(FuncFormatter(minor))


def close(figure):
    plt.close(figure)


def save(figure, out_dir, stem, png=True):
    """Writes figure as OUT_DIR/STEM.svg (what the pages show) and, with png, as STEM.png at 120 dpi (for
    slides), then closes it. Returns (svg_path, png_path or None)."""
    svg_path = Path(out_dir) / f"{stem}.svg"
    figure.savefig(svg_path, format="svg", metadata={"Date": None})
    png_path = None
    if png:
        png_path = Path(out_dir) / f"{stem}.png"
        figure.savefig(png_path, format="png", dpi=120, metadata={"Software": None})
    close(figure)
    return svg_path, png_path
