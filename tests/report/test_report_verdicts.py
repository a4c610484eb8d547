# Protects what a verdict means. The legend printed below the claims table and the code that assigns
# verdicts live in one module (report/verdicts.py); these tests feed synthetic records for every category
# and check that the table says what the legend defines, that only headline rows decide a claim, and that
# every check in every experiments/*/claims.json has a failing side (a check that cannot fail is a defect).
# It is easy to break: a new claims row, a widened range or a new category silently changes a verdict.
import copy
from pathlib import Path

import pytest

from report import blocks as b
from report import claims as cl
from report import sections
from report import verdicts as v
from report_synthetic import claim_entry, make_record

REPO = Path(__file__).resolve().parents[2]
ARTICLE = cl.load_article_claims(REPO / "report" / "article_claims.json")
REAL_ENTRIES = cl.load_claim_entries(REPO / "experiments", warn=pytest.fail)
REFERENCE_VALUE = 1000.0  # any positive figure: only ratios matter


# --- Synthetic records for one entry -------------------------------------------------------------

def confirming_ratio(entry):
    """A ratio that goes the article's way at least as far as its words imply."""
    if entry.get("kind") == "outcome":
        return None  # an outcome row has no ratio: records_for sets the outcomes
    low, high = entry["article_range"]
    band = entry.get("no_effect_band", v.NO_EFFECT_BAND)
    direction = entry.get("direction", "none")
    if direction == "lower":
        return min(high, 1 - band) / 2
    if direction == "higher":
        return max(low, 1 + band) * 1.5
    return (low + high) / 2


def against_ratio(entry):
    """A ratio that goes against the article: the other side of 1, or a difference where none is claimed."""
    if entry.get("kind") == "outcome":
        return None
    low, high = entry["article_range"]
    band = entry.get("no_effect_band", v.NO_EFFECT_BAND)
    direction = entry.get("direction", "none")
    if direction == "lower":
        return (1 + band) * 1.5
    if direction == "higher":
        return (1 - band) / 2
    return high * 2 + 1


def outside_expected(entry):
    """A ratio outside the entry's expected_range: above it, or below it when it is open-ended above."""
    low, high = entry["expected_range"]
    return high * 1.5 + 0.1 if high < 1e5 else low / 2


ALL_METRICS = sorted({e["metric"] for e in REAL_ENTRIES if e.get("metric")} | {"peak_delta_bytes", "wall_seconds"})


def side_record(entry, side, value, machine_id, outcome="ok"):
    """One ok record of a measured side whose only figure is `value` for the entry's metric."""
    record = make_record(experiment=entry["experiment"], lang=side["lang"], variant=side["variant"],
                         machine_id=machine_id, outcome=outcome)
    if outcome == "ok":
        for metric in ALL_METRICS:  # nothing but the entry's metric, so no other row gets a ratio here
            record[metric] = None
        record["metrics"] = {}
        if entry.get("metric"):
            record[entry["metric"]] = value
    return record


def side_key(entry, side):
    return (entry["experiment"], side.get("lang"), side.get("variant"), entry.get("metric"))


def records_for(entry, ratio, machine_id="lab-a", as_article_says=True, pinned=None):
    """Records on one machine that give `entry` this ratio (outcome rows: the expected outcomes, or swapped).

    `pinned` fixes the figure of a side (by side_key) that another row also reads on every machine: a row
    with a published side takes its measured side from any machine, so that side must agree everywhere."""
    subject, reference = entry["subject"], entry["reference"]
    if entry.get("kind") == "outcome":
        outcomes = (entry["subject_outcome"], entry["reference_outcome"])
        if not as_article_says:
            outcomes = outcomes[::-1]
        return [side_record(entry, subject, None, machine_id, outcomes[0]),
                side_record(entry, reference, None, machine_id, outcomes[1])]
    if subject.get("published") and reference.get("published"):
        return []
    direction = entry.get("direction", "none")
    if subject.get("published"):
        return [side_record(entry, reference, cl._cautious(subject, "subject", direction) / ratio, machine_id)]
    if reference.get("published"):
        return [side_record(entry, subject, cl._cautious(reference, "reference", direction) * ratio, machine_id)]
    pinned = pinned or {}
    if side_key(entry, subject) in pinned and side_key(entry, reference) in pinned:
        # Both figures are fixed by other rows: this row's ratio follows from them (never one of the 16).
        assert entry.get("beyond_article"), f"{entry['id']}: both sides pinned"
        subject_value, reference_value = pinned[side_key(entry, subject)], pinned[side_key(entry, reference)]
    elif side_key(entry, subject) in pinned:
        subject_value = pinned[side_key(entry, subject)]
        reference_value = subject_value / ratio
    else:
        reference_value = pinned.get(side_key(entry, reference), REFERENCE_VALUE)
        subject_value = reference_value * ratio
    return [side_record(entry, subject, subject_value, machine_id),
            side_record(entry, reference, reference_value, machine_id)]


def with_published_ratio(entry, ratio):
    """A copy of a published-only entry whose figures give this ratio (to show its check can turn)."""
    changed = copy.deepcopy(entry)
    value = changed["reference"]["published"]["value_range"][0]
    changed["reference"]["published"]["value_range"] = [value, value]  # one value each: the cautious ends meet
    changed["subject"]["published"]["value_range"] = [value * ratio, value * ratio]
    return changed


def published_only(entry):
    return bool(entry["subject"].get("published") and entry["reference"].get("published"))


def entry_id(entry):
    subject, reference = entry["subject"], entry["reference"]
    return (f"{entry['experiment']}-{entry['id']}-{cl.side_label(subject)}/{cl.side_label(reference)}-"
            f"{entry.get('metric', entry.get('kind'))}")


# --- The legend and the categories ---------------------------------------------------------------

def test_every_category_has_a_symbol_and_a_legend_line_and_the_page_prints_that_legend():
    assert set(v.SYMBOLS) == set(v.VERDICTS) == set(v.LEGEND)
    _, printed = claims_table(sections.build_document(claims_table_data([0.2])))
    assert printed == v.legend_items()
    for verdict, line in zip(v.VERDICTS, printed):
        assert line.startswith(f"{v.SYMBOLS[verdict]} **{verdict}**: ")


# (headline ratios, the claim's verdict): one case per category, each built from records.
CATEGORY_CASES = {
    v.CONFIRMED: [0.2, 0.5],       # "almost half" [0.4, 0.6], lower: both past 0.6
    v.WEAKER: [0.5, 0.8],          # 0.8 goes the article's way but not as far as 0.6
    v.NO_EFFECT: [0.95, 1.05],     # both inside ±10%
    v.WRONG: [1.5, 1.0],           # one against, one no effect: none supports the article
    v.NUANCED: [0.5, 1.0],         # one confirms, one shows no effect
    v.NOT_MEASURED: [],
}


def claims_table_data(ratios, side_ratio=None):
    """ReportData with one experiment measuring C7 through headline rows at `ratios` (one remedy each),
    plus, if given, a side row at `side_ratio`."""
    entries, records = [], []
    rows = [(f"remedy_{i}", ratio, True) for i, ratio in enumerate(ratios)]
    if side_ratio is not None:
        rows.append(("side_topic", side_ratio, False))
    for variant, ratio, headline in rows:
        entry = dict(claim_entry("C7", subject=("py", variant), expected_range=(0.0, 10.0), headline=headline),
                     experiment="lists")
        entries.append(entry)
        records += records_for(entry, ratio)
    return sections.ReportData(experiments=[], records=records, ignored=[], entries=entries,
                               article_claims=ARTICLE, warn=print)


def claims_table(document):
    """(verdict per claim id, the legend's items) as the page shows them (the legend follows the table)."""
    table = next(block for block in document.blocks if isinstance(block, b.Table) and block.css_class == "claims")
    index = document.blocks.index(table)
    legend = next(block for block in document.blocks[index:] if isinstance(block, b.Items))
    verdicts = {row_id[len("claim-"):]: row[table.verdict_column] for row_id, row in zip(table.row_ids, table.rows)}
    return verdicts, legend.items


@pytest.mark.parametrize("category", list(CATEGORY_CASES))
def test_the_claims_table_shows_each_category_as_the_legend_defines_it(category):
    document = sections.build_document(claims_table_data(CATEGORY_CASES[category]))
    verdicts, legend = claims_table(document)
    assert verdicts["C7"] == category
    assert [item for item in legend if f"**{category}**:" in item] == [v.legend_items()[v.VERDICTS.index(category)]]
    assert set(verdicts.values()) <= set(v.VERDICTS)  # every cell is a category of the legend


@pytest.mark.parametrize("side_ratio", [1.5, 1.0, 0.8])
def test_a_side_row_never_changes_a_claims_verdict(side_ratio):
    document = sections.build_document(claims_table_data([0.2, 0.5], side_ratio=side_ratio))
    assert claims_table(document)[0]["C7"] == v.CONFIRMED


# --- Every real check has a failing side ---------------------------------------------------------

@pytest.mark.parametrize("entry", REAL_ENTRIES, ids=[entry_id(e) for e in REAL_ENTRIES])
def test_every_verdict_check_turns_when_the_result_goes_against_the_article(entry):
    assert cl.fails_if(entry)  # every row states in words what would fail it
    if published_only(entry):
        assert cl.verdict(with_published_ratio(entry, confirming_ratio(entry)), []) == v.CONFIRMED
        assert cl.verdict(with_published_ratio(entry, against_ratio(entry)), []) == v.WRONG
        return
    assert cl.verdict(entry, records_for(entry, confirming_ratio(entry))) == v.CONFIRMED
    against = records_for(entry, against_ratio(entry), as_article_says=False)
    assert cl.verdict(entry, against) == v.WRONG


EXPECTED_ENTRIES = [e for e in REAL_ENTRIES if e.get("expected_range")]


@pytest.mark.parametrize("entry", EXPECTED_ENTRIES, ids=[entry_id(e) for e in EXPECTED_ENTRIES])
def test_every_expected_range_fails_outside_it(entry):
    assert entry["band"] in cl.BANDS and cl.expected_fails_if(entry)
    low, high = entry["expected_range"]
    ok, ratio, message = cl.check_expected(entry, records_for(entry, (low + high) / 2 if high < 1e5 else low * 2))
    assert ok, message
    ok, ratio, message = cl.check_expected(entry, records_for(entry, outside_expected(entry)))
    assert not ok and ratio is not None, message


def test_an_expected_range_never_decides_a_verdict_about_the_article():
    # A regression band ("measured 0.09 at 2M values") describes a run, not the article: moving it, or
    # dropping it, leaves every verdict where the article's range puts it.
    for entry in EXPECTED_ENTRIES:
        records = records_for(entry, confirming_ratio(entry))
        moved = dict(entry, expected_range=[1e4, 1e5], band="regression")
        bare = {key: value for key, value in entry.items() if key not in ("expected_range", "band")}
        assert cl.verdict(moved, records) == cl.verdict(bare, records) == v.CONFIRMED, entry_id(entry)


# --- The claims table follows from headline rows only ---------------------------------------------

def records_for_every_entry(headline_as_article_says):
    """Each real entry on its own machine: headline rows go one way and side rows the other."""
    def agrees(entry):
        return cl.is_headline(entry) == headline_as_article_says

    def ratio_of(entry):
        return confirming_ratio(entry) if agrees(entry) else against_ratio(entry)

    pinned = {}
    for entry in REAL_ENTRIES:  # a measured side that a row with a published side reads on any machine
        if entry.get("kind") == "published" and not published_only(entry):
            (record,) = records_for(entry, ratio_of(entry))
            pinned[side_key(entry, {"lang": record["lang"], "variant": record["variant"]})] = record[entry["metric"]]
    records = []
    for index, entry in enumerate(REAL_ENTRIES):
        records += records_for(entry, ratio_of(entry), machine_id=f"machine-{index}", as_article_says=agrees(entry),
                               pinned=pinned)
    return records


def test_no_two_real_entries_measure_the_same_comparison():
    # The test below gives each entry its own machine; two rows with the same sides and metric would see
    # each other's records there.
    keys = [(e["experiment"], cl.side_label(e["subject"]), cl.side_label(e["reference"]), e.get("metric"),
             e.get("kind")) for e in REAL_ENTRIES]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize("headline_as_article_says, expected", [(True, v.CONFIRMED), (False, v.WRONG)])
def test_the_sixteen_verdicts_follow_from_headline_rows_only(headline_as_article_says, expected):
    entries = REAL_ENTRIES
    if not headline_as_article_says:  # published figures cannot be turned by records: turn them here
        entries = [with_published_ratio(e, against_ratio(e)) if published_only(e) else e for e in entries]
    rows = cl.claim_rows(ARTICLE, entries, records_for_every_entry(headline_as_article_says))
    assert {row.claim["id"]: row.verdict for row in rows} == {f"C{n}": expected for n in range(1, 17)}


# --- The claims files say what the article's sentences are about -----------------------------------

def headline_rows(claim_id):
    return [e for e in REAL_ENTRIES if e["id"] == claim_id and cl.is_headline(e)]


def test_every_article_claim_has_a_headline_row():
    assert {claim["id"] for claim in ARTICLE} <= {e["id"] for e in REAL_ENTRIES if cl.is_headline(e)}


def test_c2_rests_on_published_device_figures_and_measured_swap_ins_never_on_the_emulated_hdd():
    rows = headline_rows("C2")
    measured = {e["reference"].get("variant") for e in rows if not e["reference"].get("published")}
    assert measured == {"ssd:probe", "zram:probe"}
    assert all(e["subject"].get("published", {}).get("source") for e in rows)
    assert not any("hdd:" in str(e["subject"]) + str(e["reference"]) for e in rows)
    emulated = [e for e in REAL_ENTRIES if e["id"] == "C2" and "hdd:" in str(e["subject"])]
    assert emulated and all(e.get("modelled") and not cl.is_headline(e) for e in emulated)


def test_c12_measures_both_loop_bodies_and_c13_the_compiled_list_loop_against_the_index_loop():
    c12 = {(e["subject"]["variant"], e["reference"]["variant"]) for e in headline_rows("C12")}
    assert {("remedy", "baseline"), ("remedy_inline", "baseline_inline")} <= c12
    c13 = headline_rows("C13")
    assert c13 and all(e["subject"]["variant"] == "compiled_list_loop" for e in c13)
    assert {e["reference"]["variant"] for e in c13} <= {"remedy", "remedy_inline"}  # the Python index loops


def test_c14_counts_compression_only_and_c16_compares_the_same_layout_only():
    assert all("zstd" in e["subject"]["variant"] or "zlib" in e["subject"]["variant"] for e in headline_rows("C14"))
    defaults = [e for e in REAL_ENTRIES if e.get("language_default")]
    assert defaults and not any(cl.is_headline(e) for e in defaults)
    for entry in headline_rows("C16"):
        assert entry["subject"]["lang"] == "cpp" and entry["reference"]["lang"] == "py"
        assert not entry.get("language_default")


def test_the_page_styles_every_category_with_the_legends_symbol():
    from report import render_html
    for verdict in v.VERDICTS:
        css_class = "v-" + verdict.replace(" ", "-")
        assert f'.{css_class}::before {{ content: "\\{ord(v.SYMBOLS[verdict]):04x}"; }}' in render_html.CSS


def test_the_swap_figure_draws_the_published_figures_that_c2_cites():
    import types

    from report import figures_swap
    context = types.SimpleNamespace(experiment=types.SimpleNamespace(folder=REPO / "experiments" / "swap"))
    bands = {name: (low, high) for name, low, high in figures_swap._device_bands(context)}
    cited = {e["subject"]["published"]["label"].split(",")[0]: tuple(e["subject"]["published"]["value_range"])
             for e in headline_rows("C2")}
    assert cited and all(bands[name] == value_range for name, value_range in cited.items())


def test_published_rows_sit_in_the_claims_table_and_not_in_the_machines_comparison():
    published = [e for e in REAL_ENTRIES if published_only(e)]
    measured = dict(claim_entry("C7", expected_range=(0.0, 10.0)), experiment="lists")
    records = records_for(measured, 0.5, machine_id="lab-a") + records_for(measured, 0.5, machine_id="lab-b")
    data = sections.ReportData(experiments=[], records=records, ignored=[], entries=published + [measured],
                               article_claims=ARTICLE, warn=print)
    document = sections.build_document(data)
    machines = next(block for block in document.blocks if isinstance(block, b.Table)
                    and block.header[:3] == ["Claim", "Experiment", "Compared"])
    assert published and not any("published" in str(row) for row in machines.rows)
    claims_rows = next(block for block in document.blocks if isinstance(block, b.Table) and block.css_class == "claims")
    c2 = claims_rows.rows[claims_rows.row_ids.index("claim-C2")]
    assert any("published figures" in item for item in c2[-1].items) and c2[claims_rows.verdict_column] == v.CONFIRMED
