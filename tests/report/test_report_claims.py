# Protects the verdict logic of report/claims.py: which ratio is taken (largest size both sides have, same
# machine, newest commit) and how it maps to confirmed / nuanced / wrong / not measured. A verdict is the
# report's headline, and an off-by-one in a range check or a ratio taken at the wrong size flips it silently.
import json

import pytest

from report import claims
from report_synthetic import claim_entry, make_record, repeats

ARTICLE_HALF = (0.4, 0.6)  # "by almost half"


def two_variants(subject_bytes, reference_bytes, size=1_000_000, **kwargs):
    """Three repeats of a remedy and a baseline, in Python, at one size."""
    return (repeats(variant="remedy", bytes_per_element=subject_bytes, size=size, **kwargs)
            + repeats(variant="baseline", bytes_per_element=reference_bytes, size=size, **kwargs))


@pytest.mark.parametrize("subject_bytes, direction, expected", [
    (20.0, "lower", claims.CONFIRMED),     # 0.50: inside [0.4, 0.6]
    (24.0, "lower", claims.CONFIRMED),     # 0.60: the near bound is inside
    (8.0, "lower", claims.CONFIRMED),      # 0.20: further than "half": the article's way, at least as far
    (34.0, "lower", claims.WEAKER),        # 0.85: lower, but less than the article says
    (38.0, "lower", claims.NO_EFFECT),     # 0.95: inside the no-effect band, so not "lower"
    (40.0, "lower", claims.NO_EFFECT),     # 1.00: no effect at all
    (46.0, "lower", claims.WRONG),         # 1.15: the opposite direction, outside the band
    (44.0, "none", claims.WRONG),          # 1.10 outside [0.4, 0.6]: a difference where none is claimed
])
def test_verdict_branches_for_a_lower_claim(subject_bytes, direction, expected):
    entry = claim_entry(article_range=ARTICLE_HALF, direction=direction)
    assert claims.verdict(entry, two_variants(subject_bytes, 40.0)) == expected


def test_higher_direction_mirrors_lower():
    entry = claim_entry(article_range=(1.5, 2.5), direction="higher")
    assert claims.verdict(entry, two_variants(80.0, 40.0)) == claims.CONFIRMED   # 2.0
    assert claims.verdict(entry, two_variants(160.0, 40.0)) == claims.CONFIRMED  # 4.0: further than said
    assert claims.verdict(entry, two_variants(48.0, 40.0)) == claims.WEAKER      # 1.2
    assert claims.verdict(entry, two_variants(42.0, 40.0)) == claims.NO_EFFECT   # 1.05
    assert claims.verdict(entry, two_variants(32.0, 40.0)) == claims.WRONG       # 0.8


def test_not_measured_without_ok_records_on_both_sides():
    entry = claim_entry()
    only_baseline = repeats(variant="baseline", bytes_per_element=40.0)
    failed_remedy = [make_record(variant="remedy", outcome="oom_killed")]
    assert claims.verdict(entry, []) == claims.NOT_MEASURED
    assert claims.verdict(entry, only_baseline + failed_remedy) == claims.NOT_MEASURED
    assert claims.evaluate(entry, only_baseline).ratio is None


def test_ratio_is_taken_at_the_largest_size_both_sides_have():
    # At 1e5 the ratio would be 0.5 (confirmed); at 1e6 it is 0.2. The remedy also ran at 1e7, where the
    # baseline ran out of memory: that size must not be used.
    records = (two_variants(20.0, 40.0, size=100_000) + two_variants(8.0, 40.0, size=1_000_000)
               + repeats(variant="remedy", bytes_per_element=8.0, size=10_000_000)
               + [make_record(variant="baseline", size=10_000_000, outcome="oom_killed")])
    result = claims.evaluate(claim_entry(), records)
    assert [m.size for m in result.measurements] == [1_000_000]
    assert result.ratio == pytest.approx(0.2, rel=1e-6)
    assert result.verdict == claims.CONFIRMED  # 0.2 is further than "half"; 0.5 at 1e5 would be too


def test_ratio_of_medians_ignores_an_outlier_repeat():
    records = two_variants(20.0, 40.0)
    records[0]["peak_delta_bytes"] *= 10  # one noisy repeat of the remedy
    assert claims.evaluate(claim_entry(), records).ratio == pytest.approx(0.5, rel=0.03)


def test_sides_are_compared_on_the_same_machine_only():
    # The remedy ran only on lab-a and the baseline only on lab-b: there is no valid ratio.
    records = (repeats(variant="remedy", bytes_per_element=20.0, machine_id="lab-a")
               + repeats(variant="baseline", bytes_per_element=40.0, machine_id="lab-b"))
    assert claims.verdict(claim_entry(), records) == claims.NOT_MEASURED


def test_each_machine_gets_its_ratio_and_disagreement_is_nuanced():
    records = two_variants(20.0, 40.0, machine_id="lab-a") + two_variants(44.0, 40.0, machine_id="lab-b")
    result = claims.evaluate(claim_entry(), records)
    assert {m.machine_id: round(m.ratio, 2) for m in result.measurements} == {"lab-a": 0.5, "lab-b": 1.1}
    assert result.verdict == claims.NUANCED


def test_only_the_newest_commit_counts():
    # An old commit measured a ratio of 0.5; the newest commit measures 1.1.
    old = two_variants(20.0, 40.0, git_commit="aaaa111", recorded_at="2025-01-01T00:00:00+00:00")
    new = two_variants(44.0, 40.0, git_commit="bbbb222", recorded_at="2025-02-01T00:00:00+00:00")
    assert claims.evaluate(claim_entry(), old + new).ratio == pytest.approx(1.1, rel=1e-6)


def test_experiment_of_the_entry_selects_its_records():
    entry = dict(claim_entry(), experiment="lists")
    other = two_variants(44.0, 40.0, experiment="float32")
    mine = two_variants(20.0, 40.0, experiment="lists")
    assert claims.evaluate(entry, other + mine).ratio == pytest.approx(0.5, rel=1e-6)


def test_a_metric_from_the_metrics_object_can_be_compared():
    records = (repeats(variant="remedy", metrics={"compressed_bytes": 100})
               + repeats(variant="baseline", metrics={"compressed_bytes": 400}))
    entry = claim_entry(metric="compressed_bytes", article_range=(0.2, 0.3))
    assert claims.evaluate(entry, records).ratio == pytest.approx(0.25)


def test_combined_verdict():
    assert claims.combine_verdicts([]) == claims.NOT_MEASURED
    assert claims.combine_verdicts([claims.NOT_MEASURED]) == claims.NOT_MEASURED
    assert claims.combine_verdicts([claims.WRONG, claims.NOT_MEASURED]) == claims.WRONG
    assert claims.combine_verdicts([claims.CONFIRMED, claims.CONFIRMED]) == claims.CONFIRMED
    assert claims.combine_verdicts([claims.CONFIRMED, claims.WRONG]) == claims.NUANCED
    assert claims.combine_verdicts([claims.CONFIRMED, claims.NO_EFFECT]) == claims.NUANCED
    assert claims.combine_verdicts([claims.WEAKER, claims.WRONG]) == claims.NUANCED
    # Mixes that are not a disagreement about the article's direction are not "nuanced":
    assert claims.combine_verdicts([claims.CONFIRMED, claims.WEAKER]) == claims.WEAKER
    assert claims.combine_verdicts([claims.NO_EFFECT, claims.WRONG]) == claims.WRONG


def test_check_expected_reports_inside_outside_and_missing():
    entry = claim_entry(expected_range=(0.15, 0.25))
    ok, ratio, message = claims.check_expected(entry, two_variants(8.0, 40.0))
    assert ok and ratio == pytest.approx(0.2) and "0.20×" in message and "0.15–0.25×" in message
    ok, ratio, message = claims.check_expected(entry, two_variants(20.0, 40.0))
    assert not ok and ratio == pytest.approx(0.5)
    ok, ratio, message = claims.check_expected(entry, [])
    assert not ok and ratio is None and message.startswith("not measured")


def test_claims_table_has_one_row_per_article_claim_with_languages_split(tmp_path):
    from report import claims_table
    article = claims.load_article_claims(claims.Path(claims.__file__).parent / "article_claims.json")
    assert [c["id"] for c in article] == [f"C{n}" for n in range(1, 17)]
    entries = [
        dict(claim_entry("C7"), experiment="lists"),
        dict(claim_entry("C7", subject=("cpp", "remedy"), reference=("cpp", "baseline")), experiment="lists"),
        dict(claim_entry("C16", subject=("cpp", "baseline"), reference=("py", "baseline"), article_range=(0, 0.5)),
             experiment="lists"),
    ]
    records = [dict(r, experiment="lists") for r in two_variants(20.0, 40.0)
               + two_variants(20.0, 40.0, lang="cpp")]
    for record in records:
        record["machine_id"] = "lab-a"
    rows = claims.claim_rows(article, entries, records)
    assert len(rows) == 16
    by_id = {row.claim["id"]: row for row in rows}
    assert claims_table.headline_figure(by_id["C7"], "py") == "**0.50×** memory"
    assert claims_table.headline_figure(by_id["C7"], "cpp") == "**0.50×** memory"
    # A C++ vs Python comparison sits in its subject's column; the other points to it.
    assert claims_table.headline_figure(by_id["C16"], "cpp") == "**1.00×** of Python"  # 40 / 40
    assert claims_table.headline_figure(by_id["C16"], "py") == "see C++"
    assert by_id["C7"].verdict == claims.CONFIRMED
    assert by_id["C1"].verdict == claims.NOT_MEASURED


def test_invalid_claim_entries_are_skipped_with_a_warning(tmp_path):
    folder = tmp_path / "lists"
    folder.mkdir()
    good, bad = claim_entry("C7"), claim_entry("C8", article_range=[0.9])
    (folder / "claims.json").write_text(json.dumps({"claims": [good, bad]}))
    warnings = []
    entries = claims.load_claim_entries(tmp_path, warn=warnings.append)
    assert [e["id"] for e in entries] == ["C7"] and entries[0]["experiment"] == "lists"
    assert len(warnings) == 1 and "article_range" in warnings[0]


def test_article_ranges_are_written_as_a_reader_says_them():
    from report.units import format_range
    assert format_range([0.4, 0.6]) == "0.4–0.6×"
    assert format_range([10, 1e6]) == "≥ 10×"       # "far slower": at least 10×, the 1e6 only closes the range
    assert format_range([0, 1e6]) == "0–1e+06×"     # no lower bound to state: left as written
