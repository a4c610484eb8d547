"""The exact command that measures again what a figure or a section shows.

Built from the records themselves (their scale, languages, variants and swap profiles), narrowed to what
the figure draws, so a reader can rerun one figure's data with one line and then `make report-only`.
"""

from collections import Counter

from report.figure_style import sort_langs, sort_variants

OOMLAB = "build/oomlab"


def _scale(records, default="default"):
    scales = Counter(r.get("scale") for r in records if r.get("scale"))
    return scales.most_common(1)[0][0] if scales else default


def _base_variant(record):
    return record.get("base_variant") or record["variant"]


def run_command(experiment, records, langs=None, variants=None):
    """`build/oomlab run EXP [--profile P,…] [--lang L] [--variant V,…] --scale S` for these records.

    records: every record of the experiment on one machine; langs and variants (report names, such as
    "ssd:random") narrow it to what one figure draws. A flag is left out when it would select everything.
    """
    records = [r for r in records if r.get("experiment") == experiment]
    chosen = [r for r in records
              if (langs is None or r["lang"] in langs) and (variants is None or r["variant"] in variants)]
    if not chosen:
        chosen = records
    parts = [OOMLAB, "run", experiment]
    all_profiles = {r["swap_profile"] for r in records if r.get("swap_profile")}
    profiles = {r["swap_profile"] for r in chosen if r.get("swap_profile")}
    if profiles and profiles != all_profiles:
        order = [r["swap_profile"] for r in records if r.get("swap_profile")]
        parts += ["--profile", ",".join(sorted(profiles, key=order.index))]
    all_langs = {r["lang"] for r in records}
    chosen_langs = {r["lang"] for r in chosen}
    if chosen_langs != all_langs:
        parts += ["--lang", ",".join(sort_langs(chosen_langs))]
    base_all = {_base_variant(r) for r in records if r["lang"] in chosen_langs}
    base_chosen = {_base_variant(r) for r in chosen}
    if base_chosen != base_all:
        parts += ["--variant", ",".join(sort_variants(base_chosen))]
    parts += ["--scale", _scale(chosen)]
    return " ".join(parts)


def bench_command(experiment, records=()):
    """`build/oomlab bench EXP --scale S` (the scale of the machine's records, else default)."""
    return f"{OOMLAB} bench {experiment} --scale {_scale(records)}"
