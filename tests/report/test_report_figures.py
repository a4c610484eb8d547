# Protects the figures a teacher shows (report/figures*.py): each special figure appears when its data does
# (swap profiles, process trees, compression, Google Benchmark), outcomes that are results are drawn as
# OOM and "> cap", crowded experiments stay readable, every axis names its unit, curves differ in more than
# colour (grey print), and each figure names the command that measures it again. Easy to break: the
# figures are chosen from the data, so a renamed field or metric silently removes one.
import re

import pytest

from report import figures, reproduce
from report.experiments import Experiment
from report.figure_style import Drawn, plt
from report_synthetic import claim_entry, compression_records, repeats, swap_records, tree_records

UNIT = re.compile(r"\((MiB|GB/s|MB/s|s|bytes|elements|×|raw / stored)\b|\(processes or workers\)|/ n(, log scale)?\)$")
CATEGORIES = {"swap profile", "processes"}  # axes of names or counts: no unit to give


def svg_text(built_report, name):
    return (built_report.out / "figures" / f"{name}.svg").read_text()


def test_every_special_figure_is_drawn_from_its_data(built_report):
    names = {p.stem for p in (built_report.out / "figures").glob("*.svg")}
    assert {"swap-time-per-profile", "swap-swapin-latency", "trees-tree-peak-py", "trees-tree-peak-cpp",
            "trees-tree-timeline", "packing-ratio-speed", "vectors-throughput"} <= names
    assert not {n for n in names if n.startswith("lists-") and ("swap" in n or "tree" in n or "ratio" in n)}
    assert "swap-calibration" not in names  # under a memory limit the peak says nothing about the allocation
    assert not {n for n in names if n.startswith("swap-tree")}  # a cgroup's peak alone is no process tree


def test_swap_outcomes_are_drawn_as_markers_not_left_out(built_report):
    text = svg_text(built_report, "swap-time-per-profile")
    assert "OOM" in text and "&gt; cap" in text and "time cap 5 s" in text
    assert "0.4%" in text and "12%" in text  # how far each stopped run got, under its marker
    for profile in ("ram", "none", "ssd", "hdd", "zram"):
        assert f">{profile}<" in text
    latency = svg_text(built_report, "swap-swapin-latency")
    assert "120 µs" in latency and "9 ms" in latency and "6 µs" in latency  # each profile's mean, written out
    assert "measured = model" in latency and "7200 rpm HDD" in latency


def test_tree_figure_puts_the_rss_sum_beside_the_true_peak_per_family(built_report):
    text = svg_text(built_report, "trees-tree-peak-py")
    for label in ("true tree peak (memory cgroup)", "sum of RSS", "sum of PSS", ">pickled<", ">fork_numpy<",
                  "one_copy: true tree peak"):
        assert label in text, label
    assert ">fork_read<" in svg_text(built_report, "trees-tree-peak-cpp")
    # The bars of a process-tree experiment show the tree's peak: the first process alone hides the workers.
    assert "peak of the whole process tree above its start (MiB)" in svg_text(built_report, "trees-peak-time")


def test_compression_figure_places_variants_by_ratio_and_read_back_speed(built_report):
    text = svg_text(built_report, "packing-ratio-speed")
    assert "remedy_zstd_1_smooth" in text and "file_roundtrip (file read)" in text
    assert "&gt;baseline&lt;" not in text and ">baseline<" not in text  # no read-back speed: nothing to place
    assert "marker size: resident peak above baseline" in text


def test_throughput_figure_marks_the_caches_and_compares_types(built_report):
    text = svg_text(built_report, "vectors-throughput")
    assert "L1d 48 KiB" in text and "L2 2 MiB" in text and "L3 32 MiB" in text
    assert "scale_add: float / double" in text and "Speed-up over double, per element" in text


def context_for(records, entries=(), size_unit="elements", name="crowd"):
    experiment = Experiment(name=name, title=name, size_unit=size_unit, folder=None)
    return figures.FigureContext(experiment, records, size_unit, list(entries))


def drawn_figures(context):
    made = {}
    for kind, builder in figures._builders(context.size_unit):
        drawn = builder(context)
        for one in ([drawn] if isinstance(drawn, Drawn) else drawn or []):
            made[kind + one.suffix] = one
    return made


def crowded_records():
    records = []
    for index in range(12):
        variant = ["baseline", "remedy"][index] if index < 2 else f"nuance_{index:02d}"
        for size in (100_000, 1_000_000):
            records += repeats(count=1, experiment="crowd", variant=variant, size=size, bytes_per_element=8 + index)
    return records


def test_a_crowded_experiment_shows_its_key_variants_and_says_so():
    entries = [claim_entry("C7", subject=("py", "nuance_11"), reference=("py", "baseline"))]
    made = drawn_figures(context_for(crowded_records(), entries))
    try:
        for kind in ("timeline", "bytes-per-element"):
            labels = {text.get_text() for ax in made[kind].figure.axes for text in ax.get_legend().get_texts()}
            variants = {label for label in labels if label in {"baseline", "remedy"} or label.startswith("nuance")}
            assert {"baseline", "remedy", "nuance_11"} <= variants and len(variants) <= 7, (kind, variants)
            assert "of 12 variants shown" in made[kind].caption
        bars = made["peak-time"].figure.axes[0]
        assert len(bars.get_yticklabels()) == 12  # the bar chart lists them all, down the page
    finally:
        plt.close("all")


def test_every_axis_names_its_unit_and_curves_differ_in_more_than_colour():
    contexts = [context_for(crowded_records()),
                context_for(swap_records(), size_unit="MiB", name="swap"),
                context_for(tree_records(), name="trees"),
                context_for(compression_records(), size_unit="MiB", name="packing")]
    for record in contexts[1].records:  # as records.load_file renames them
        record["base_variant"], record["variant"] = record["variant"], f"{record['swap_profile']}:{record['variant']}"
    try:
        for context in contexts:
            for kind, drawn in drawn_figures(context).items():
                for ax in drawn.figure.axes:
                    if not ax.axison or not (ax.lines or ax.patches or ax.collections):
                        continue
                    for label in (ax.get_xlabel(), ax.get_ylabel()):
                        if label and label not in CATEGORIES:
                            assert UNIT.search(label), (context.experiment.name, kind, label)
                    looks = [(line.get_marker(), str(line.get_linestyle()), str(line.get_markerfacecolor()))
                             for line in ax.lines if not line.get_label().startswith("_") and len(line.get_xdata()) > 1]
                    assert len(looks) == len(set(looks)), (context.experiment.name, kind, looks)
    finally:
        plt.close("all")


@pytest.mark.parametrize("langs, variants, expected", [
    (None, None, "build/oomlab run swap --scale quick"),
    (["cpp"], ["ssd:probe", "hdd:probe"], "build/oomlab run swap --profile ssd,hdd --lang cpp --variant probe --scale quick"),
    (["py"], None, "build/oomlab run swap --lang py --scale quick"),
])
def test_reproduce_commands_name_only_what_narrows_the_run(langs, variants, expected):
    records = swap_records()
    for record in records:
        record["base_variant"], record["variant"] = record["variant"], f"{record['swap_profile']}:{record['variant']}"
    assert reproduce.run_command("swap", records, langs, variants) == expected


def test_each_figure_on_the_page_says_how_to_measure_it_again(built_report):
    page = (built_report.out / "index.html").read_text()
    figures_html = re.findall(r'<figure id="fig-([^"]+)">.*?</figure>', page, re.S)
    assert figures_html
    for name in figures_html:
        block = page[page.index(f'<figure id="fig-{name}">'):]
        block = block[:block.index("</figure>")]
        assert "Measure again: <code>build/oomlab " in block, name
    vectors = page[page.index('<figure id="fig-vectors-throughput">'):]
    assert "build/oomlab bench vectors" in vectors[:vectors.index("</figure>")]
    tree = page[page.index('<figure id="fig-trees-tree-peak-cpp">'):]
    assert "build/oomlab run trees --lang cpp --scale quick" in tree[:tree.index("</figure>")]
