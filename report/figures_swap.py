"""Figures of experiments run under swap profiles (records with `swap_profile`): time per profile, and
each profile's measured per-fault latency beside a simple model of the time it explains.

Under a memory limit an OOM kill (profile `none`) and a stop at the time cap (a slow `hdd`) are
results, not failures: they are drawn as "OOM" and "> cap" markers where the time would be.
"""

import json
import re
from pathlib import Path

import numpy as np
from matplotlib.lines import Line2D

from report import records as rec
from report.figure_style import SWAP_PROFILE_ORDER, Drawn, lang_label, lang_style, plt, sort_langs, sort_variants
from report.units import format_seconds, format_share

LATENCY = "swapin_latency_mean_seconds"
# Published random 4 KiB read latencies (FACTS.md: device datasheets and reviews), drawn as bands so the
# measured latency can be read against them. Theory, not measurement.
DRAM_BAND = ("DRAM", 5e-8, 2e-7)
# Without the experiment's published table (claims.json), the same device figures as FACTS.md.
DEVICE_BANDS = [DRAM_BAND, ("NVMe/SATA SSD", 2e-5, 1.5e-4), ("7200 rpm HDD", 8e-3, 1.2e-2)]
PATTERN_MARKERS = "osDvP*X"  # not ^: a triangle is a lower bound (a stop at the time cap)
OOM_COLOR = "#a4161a"


def _device_bands(context):
    """(name, low, high) seconds per random read: the published figures of the experiment's claims.json
    (the ones C2's verdict cites), so the figure and the claims table quote one table."""
    folder = getattr(context.experiment, "folder", None)
    path = Path(folder) / "claims.json" if folder else None
    try:
        published = json.loads(path.read_text(encoding="utf-8")).get("published", {}) if path else {}
    except (OSError, ValueError, AttributeError):
        published = {}
    bands = [(figure["label"].split(",")[0], *figure["value_range"]) for figure in published.values()
             if figure.get("unit") == "seconds" and len(figure.get("value_range") or ()) == 2]
    return [DRAM_BAND] + bands if bands else DEVICE_BANDS


def _swap_records(context):
    return [r for r in context.records if r.get("swap_profile")]


def _profiles(context, records):
    """Profiles in the experiment's order (experiment.json swap_profiles), others after."""
    declared = context.experiment.meta.get("swap_profiles") or SWAP_PROFILE_ORDER
    found = {r["swap_profile"] for r in records}
    return [p for p in declared if p in found] + sorted(found - set(declared))


def _base(record):
    return record.get("base_variant") or record["variant"].split(":", 1)[-1]


def _is_probe(records, base):
    return any(LATENCY in r.get("metrics", {}) or "probe_major_faults" in r.get("metrics", {})
               for r in records if _base(r) == base)


def _patterns(records):
    """Access patterns: the base variants that do the job (not the noop control, not the latency probe)."""
    bases = sort_variants(_base(r) for r in records)
    return [b for b in bases if b != "noop" and not _is_probe(records, b)]


def time_cap(context, records):
    """The time cap of these records' scale, in seconds (experiment.json, else the records' reasons)."""
    scales = {r.get("scale") for r in records if r.get("scale")}
    for scale in sorted(scales):
        cap = context.experiment.per_scale("timeout_seconds", scale)
        if isinstance(cap, (int, float)) and not isinstance(cap, bool):
            return float(cap)
    for record in records:
        match = re.search(r"time cap of ([\d.]+) ?s", str(record.get("reason") or ""))
        if match:
            return float(match.group(1))
    walls = [r.get("child_wall_seconds") for r in records if r.get("outcome") == "timeout"]
    return max([w for w in walls if isinstance(w, (int, float))], default=None)


def _largest_size(records):
    return max(r["size"] for r in records)


def profiles(context):
    """Time of the measured phase per swap profile (log scale), one panel per access pattern, a marker per
    language; OOM kills and time-cap stops drawn where the time would be."""
    records = _swap_records(context)
    if not records:
        return None
    patterns = _patterns(records)
    if not patterns:
        return None
    size = _largest_size(records)
    records = [r for r in records if r["size"] == size]
    profile_names = _profiles(context, records)
    if len(profile_names) < 2:
        return None  # one profile is one condition: the bar figure of every experiment shows it
    langs = sort_langs(r["lang"] for r in records)
    cap = time_cap(context, records) if any(r["outcome"] == "timeout" for r in records) else None
    figure, axes = plt.subplots(1, len(patterns), figsize=(3.9 * len(patterns) + 1, 4.4), squeeze=False, sharey=True)
    positions = np.arange(len(profile_names))
    width = 0.55 / max(1, len(langs))
    lowest, highest = [], []
    markers_drawn = []  # (ax, x, profile position, outcome text), drawn once the axis range is known
    capped = set()      # (ax, profile position) with a run stopped at the time cap
    for ax, pattern in zip(axes[0], patterns):
        for index, lang in enumerate(langs):
            style = lang_style(lang)
            offset = (index - (len(langs) - 1) / 2) * width
            for position, profile in zip(positions, profile_names):
                here = [r for r in records if r["lang"] == lang and _base(r) == pattern and r["swap_profile"] == profile]
                if not here:
                    continue
                median, low, high = rec.stats(rec.metric_value(r, "wall_seconds") for r in here if rec.is_ok(r))
                x = position + offset
                if median is not None:
                    ax.errorbar([x], [median], yerr=[[median - low], [high - median]], capsize=3, linestyle="none",
                                marker=style["markers"][0], markersize=8, color=style["color"],
                                markerfacecolor=style["color"] if lang == "py" else "white",
                                label=lang_label(lang))
                    lowest.append(max(low, 1e-6))
                    highest.append(high)
                    continue
                outcomes = {r["outcome"] for r in here}
                if "timeout" in outcomes and cap:
                    ax.plot([x], [cap], marker="^", markersize=9, color=style["color"], linestyle="none",
                            markerfacecolor=style["color"] if lang == "py" else "white")
                    done = rec.stats(r["progress"]["fraction"] for r in here
                                     if r["outcome"] == "timeout" and "fraction" in (r.get("progress") or {}))[0]
                    if done is not None:  # how far the run got when it was stopped
                        ax.annotate(format_share(done), (x, cap), xytext=(0, -11), textcoords="offset points",
                                    ha="center", fontsize=6.5, color=style["color"])
                    capped.add((ax, position))
                    highest.append(cap)
                elif outcomes:
                    markers_drawn.append((ax, x, position,
                                          "OOM" if "oom_killed" in outcomes else "/".join(sorted(outcomes))))
        ax.set_xticks(positions)
        ax.set_xticklabels([MODELLED_LABELS.get(name, name) for name in profile_names])
        ax.set_xlabel("swap profile")
        ax.set_title(f"{pattern}")
        ax.set_yscale("log")
    bottom = min(lowest + highest, default=1e-3) / 4
    top = max(highest + lowest, default=1.0) * 3
    for ax in axes[0]:
        ax.set_ylim(bottom, top)
        if cap:
            ax.axhline(cap, color="0.4", linestyle=":", linewidth=1)
    if cap:
        axes[0][-1].annotate(f"time cap {cap:g} s", (1, cap), xycoords=("axes fraction", "data"), xytext=(-2, 3),
                             textcoords="offset points", ha="right", va="bottom", fontsize=7, color="0.3")
    for ax, position in capped:  # one label per profile, above both languages' markers
        ax.annotate("> cap", (position, cap), xytext=(0, 8), textcoords="offset points", ha="center", fontsize=7.5,
                    color="#1d2330", fontweight="bold")
    labelled = set()
    for ax, x, position, text in markers_drawn:
        ax.plot([x], [bottom * 1.6], marker="X", markersize=9, color=OOM_COLOR, linestyle="none")
        if (ax, position, text) not in labelled:
            labelled.add((ax, position, text))
            ax.annotate(text, (position, bottom * 1.6), xytext=(0, 8), textcoords="offset points", ha="center",
                        fontsize=7.5, color=OOM_COLOR, fontweight="bold")
    axes[0][0].set_ylabel("wall time of the measured phase (s, log scale)")
    handles, labels = [], []
    for ax in axes[0]:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            if label not in labels:
                handles.append(handle)
                labels.append(label)
    if markers_drawn:
        handles.append(Line2D([], [], marker="X", color=OOM_COLOR, linestyle="none", markersize=8))
        labels.append("OOM: killed at the limit")
    if any(r["outcome"] == "timeout" for r in records) and cap:
        handles.append(Line2D([], [], marker="^", color="0.3", linestyle="none", markersize=8))
        labels.append("> cap: stopped at the time cap")
    figure.legend(handles, labels, loc="lower center", ncol=max(1, len(labels)))
    limit = next((r.get("mem_limit_bytes") for r in records if r.get("mem_limit_bytes")), None)
    figure.suptitle(f"{context.experiment.title}: time per swap profile, working set {size} {context.size_unit}"
                    + (f" under a {limit / 2**20:.0f} MiB limit" if limit else ""), fontsize=11)
    figure.tight_layout(rect=(0, 0.07, 1, 1))
    caption = ("Wall time of the measured phase per swap profile and access pattern (log scale): median marker, "
               "min–max bar over repeats. A red X marked OOM: the kernel killed the job (the limit without swap); "
               "a triangle marked > cap: stopped at the time cap" + (f" of {cap:g} s" if cap else "")
               + ", so the true time is longer; the percentage under it is how much of the job it had done"
               + (". The hdd times are modelled, not measured on a disk: the profile throttles this machine's disk "
                  "to a 7200 rpm HDD's published random-read rate, so they follow from that setting (C2's verdict "
                  "rests on published figures and the measured ssd and zram swap-ins instead)"
                  if "hdd" in profile_names else ""))
    return Drawn(figure, caption, scope={"variants": sorted({r["variant"] for r in records if _base(r) in patterns})})


# Profiles whose figures follow from a setting rather than a device: labelled so on every axis.
MODELLED_LABELS = {"hdd": "hdd\n(modelled)"}


def _latencies(records):
    """{profile: (mean, median, p90)} of the probe's per-fault swap-in latency (medians over repeats)."""
    found = {}
    for profile in {r["swap_profile"] for r in records}:
        here = [r for r in rec.select(records, swap_profile=profile) if rec.metric_value(r, LATENCY) is not None]
        if here:
            found[profile] = tuple(rec.median_metric(here, name) for name in
                                   (LATENCY, "swapin_latency_median_seconds", "swapin_latency_p90_seconds"))
    return found


def model(context):
    """Left: each profile's measured swap-in latency per fault (probe), against published device latencies.
    Right: the simple model, major faults × that latency, against the measured time of each run."""
    records = _swap_records(context)
    latencies = _latencies(records)
    if not latencies:
        return None
    profile_names = [p for p in _profiles(context, records) if p in latencies]
    figure, (left, right) = plt.subplots(1, 2, figsize=(11.5, 4.8), gridspec_kw={"width_ratios": [1, 1.3]})
    positions = np.arange(len(profile_names))
    for name, low, high in _device_bands(context):
        left.axhspan(low, high, color="0.88", zorder=0)
        left.annotate(name, (1.0, (low * high) ** 0.5), xycoords=("axes fraction", "data"), xytext=(-3, 0),
                      textcoords="offset points", ha="right", va="center", fontsize=7, color="0.35")
    means = [latencies[p][0] for p in profile_names]
    medians = [latencies[p][1] for p in profile_names]
    p90s = [latencies[p][2] for p in profile_names]
    left.plot(positions, means, linestyle="none", marker="D", markersize=9, color="#1d2330", label="mean (the model's)")
    left.plot(positions, [m if m else np.nan for m in medians], linestyle="none", marker="o", markersize=7,
              markerfacecolor="white", color="#1d2330", label="median")
    left.plot(positions, [p if p else np.nan for p in p90s], linestyle="none", marker="_", markersize=14,
              markeredgewidth=2, color="#1d2330", label="90th percentile")
    for x, mean in zip(positions, means):
        left.annotate(format_seconds(mean), (x, mean), xytext=(8, 0), textcoords="offset points", va="center",
                      fontsize=8)
    left.set_yscale("log")
    left.set_xticks(positions)
    left.set_xticklabels([MODELLED_LABELS.get(name, name) for name in profile_names])
    left.set_xlim(-0.5, len(profile_names) - 0.2)
    left.set_xlabel("swap profile")
    left.set_ylabel("swap-in latency per major fault (s, log scale)")
    left.set_title("Measured per-fault latency (probe)")
    left.legend(loc="upper left")

    drawn = _model_points(context, right, records, latencies)
    if drawn:
        low, high = drawn
        line = np.geomspace(low / 2, high * 2, 20)
        right.plot(line, line, color="black", linestyle=":", linewidth=1, label="measured = model")
        right.set_xscale("log")
        right.set_yscale("log")
        right.set_xlabel("model: major faults × mean latency of the profile (s, log scale)")
        right.set_ylabel("measured wall time (s, log scale)")
        right.set_title("Faults × latency against the measured time")
        right.legend(loc="upper left", fontsize=7)
    else:
        right.set_axis_off()
        right.text(0.5, 0.5, "no run with major faults\nin a profile with a measured latency", ha="center",
                   va="center", transform=right.transAxes)
    figure.suptitle(f"{context.experiment.title}: what one swap-in costs", fontsize=11)
    figure.tight_layout()
    caption = ("Left: swap-in latency per major fault measured by the probe in each profile (mean ◆, median ○, "
               "90th percentile —, log scale), over grey bands of published device latencies (the sources are in "
               "the experiment's claims.json); the hdd latency is the emulation's setting (modelled). Right: the model "
               "major faults × mean latency against the measured time of each run; points on the dotted line are "
               "explained by swap-ins alone, points above it spend time elsewhere, ▲ are lower bounds (stopped at "
               "the time cap)")
    return Drawn(figure, caption)


def _model_points(context, ax, records, latencies):
    """Draws one point per (language, pattern, profile) run; returns (lowest, highest) value drawn or None."""
    patterns = _patterns(records)
    cap = time_cap(context, records)
    values = []
    labelled = set()
    capped = False
    for lang in sort_langs(r["lang"] for r in records):
        style = lang_style(lang)
        for pattern_index, pattern in enumerate(patterns):
            for profile, (mean, _, _) in latencies.items():
                here = [r for r in records if r["lang"] == lang and _base(r) == pattern and r["swap_profile"] == profile
                        and r["outcome"] in ("ok", "timeout")]
                if not here or not mean:
                    continue
                faults = rec.stats(r.get("run_major_faults") if r.get("run_major_faults") is not None
                                   else r.get("major_faults") for r in here)[0]
                if not faults:
                    continue
                ok = [r for r in here if rec.is_ok(r)]
                measured = rec.median_metric(ok, "wall_seconds") if ok else cap
                if not measured:
                    continue
                predicted = faults * mean
                label = f"{lang_label(lang)} {pattern}"
                ax.plot([predicted], [measured], linestyle="none", color=style["color"],
                        marker="^" if not ok else PATTERN_MARKERS[pattern_index % len(PATTERN_MARKERS)],
                        markerfacecolor=style["color"] if lang == "py" else "white", markersize=8,
                        label=label if (ok and label not in labelled) else None)
                if ok:
                    labelled.add(label)
                ax.annotate(profile, (predicted, measured), xytext=(5, -3 - 8 * (pattern_index % 3)),
                            textcoords="offset points", fontsize=7)
                values += [predicted, measured]
                capped = capped or not ok
    if capped:
        ax.plot([], [], marker="^", color="0.3", linestyle="none", label="stopped at the time cap (lower bound)")
    return (min(values), max(values)) if values else None
