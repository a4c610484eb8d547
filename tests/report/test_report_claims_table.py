# Protects the claims table at a glance (report/claims_table.py): what a teacher puts on a projector.
# It must have one row per article claim (C1–C16), each cell one line with at most one figure (the
# comparisons behind it fold into the row's last cell), and links that land on the lesson and its
# figure. Easy to break: a claim gains rows in a new experiment (C7 has 14, C16 13) and a cell that
# lists them all grows back to a paragraph.
import re

import pytest

from report import blocks as b
from report import claims as cl
from report import claims_table, sections
from report.units import plural
from test_report_verdicts import ARTICLE, REAL_ENTRIES, claims_table_data, records_for_every_entry

RATIO = re.compile(r"\d×")  # each figure ends in one: "0.20×", a range "0.20–1.00×", "≥ 10×"
# The shortened sentence must fit its column at 1400 px (report/render_html.py's CSS) beside the others.
SHORT_SENTENCE_MAX_CHARS = 50


def visible_cells(table):
    """{claim id: the cells a reader sees without unfolding anything}."""
    return {row_id[len("claim-"):]: [cell for cell in row if not isinstance(cell, b.Details)]
            for row_id, row in zip(table.row_ids, table.rows)}


def the_claims_table(document):
    return next(block for block in document.blocks if isinstance(block, b.Table) and block.css_class == "claims")


@pytest.fixture(scope="module")
def every_claim_document():
    """The page's blocks with the real claims.json rows of every experiment, each measured as the article says."""
    data = sections.ReportData(experiments=[], records=records_for_every_entry(True), ignored=[],
                               entries=REAL_ENTRIES, article_claims=ARTICLE, warn=print)
    return sections.build_document(data)


@pytest.fixture(scope="module")
def every_claim_measured(every_claim_document):
    return the_claims_table(every_claim_document)


def test_one_row_per_claim_in_the_articles_order(every_claim_measured):
    assert every_claim_measured.row_ids == [f"claim-C{n}" for n in range(1, 17)]
    assert all(len(row) == len(claims_table.HEADER) for row in every_claim_measured.rows)


def test_every_visible_cell_is_one_line_with_at_most_one_figure(every_claim_measured):
    for claim_id, cells in visible_cells(every_claim_measured).items():
        for cell in cells:
            assert "<br>" not in cell and "\n" not in cell, (claim_id, cell)
            assert len(RATIO.findall(cell)) <= 1, f"{claim_id}: several figures in one cell: {cell}"


def test_the_comparisons_fold_into_the_row_and_none_is_lost(every_claim_measured):
    for row_id, row in zip(every_claim_measured.row_ids, every_claim_measured.rows):
        claim_id = row_id[len("claim-"):]
        [details] = [cell for cell in row if isinstance(cell, b.Details)]
        entries = [e for e in REAL_ENTRIES if e["id"] == claim_id]
        assert details.summary == plural(len(entries), "row")
        assert len(details.items) == len(entries) + 1  # the article's full sentence first
        side_rows = sum(1 for e in entries if not cl.is_headline(e))
        assert sum(1 for item in details.items if "(side row" in item) == side_rows
    c7 = every_claim_measured.rows[every_claim_measured.row_ids.index("claim-C7")]
    assert c7[-1].summary == "14 rows"  # the cell that once listed them all


def test_the_short_sentences_fit_one_line():
    assert all(len(claim["short"]) <= SHORT_SENTENCE_MAX_CHARS for claim in ARTICLE)


def test_disagreeing_headline_rows_show_as_the_range_they_span():
    # 0.5× confirms "almost half" and 1.0× shows no effect: the cell must not show only the first.
    table = the_claims_table(sections.build_document(claims_table_data([0.5, 1.0])))
    cells = visible_cells(table)["C7"]
    assert cells[claims_table.HEADER.index("Python")] == "**0.50–1.00×** memory"
    assert cells[claims_table.VERDICT_COLUMN] == cl.NUANCED


def test_the_verdict_counts_sit_above_the_table_and_add_up_to_sixteen(every_claim_document):
    document = every_claim_document
    counts = next(block for block in document.blocks
                  if isinstance(block, b.Paragraph) and block.anchor == claims_table.COUNTS_ANCHOR)
    assert document.blocks.index(counts) < document.blocks.index(the_claims_table(document))
    assert sum(int(n) for n in re.findall(r"(\d+) \S+ [a-z]", counts.text.split(":", 1)[1])) == 16
    assert "16 ✓ confirmed" in counts.text


def test_the_built_pages_rows_link_to_their_lesson_and_figure(built_report):
    page = (built_report.out / "index.html").read_text()
    ids = set(re.findall(r' id="([^"]+)"', page))
    c7 = re.search(r'<tr id="claim-C7">(.*?)</tr>', page, re.S).group(1)
    assert '<a href="#exp-lists">lists</a> · <a href="#fig-lists-peak-time">figure</a>' in c7
    for row in re.findall(r'<tr id="claim-C\d+">.*?</tr>', page, re.S):
        targets = re.findall(r'href="#([^"]+)"', row)
        assert [t for t in targets if t not in ids] == []
    assert "fig-lists-peak-time" in ids and "exp-lists" in ids
    # The figure is the one that draws the claim's metric: a tree's peak, a swap-in's latency.
    rows = dict(re.findall(r'<tr id="(claim-C\d+)">(.*?)</tr>', page, re.S))
    assert 'href="#fig-trees-tree-peak' in rows["claim-C3"] and 'href="#fig-swap-swapin-latency"' in rows["claim-C2"]


def test_the_markdown_table_keeps_one_line_per_claim_and_its_links_land(built_report):
    text = (built_report.out / "report.md").read_text()
    rows = [line for line in text.splitlines() if line.startswith('| <a id="claim-C')]
    assert len(rows) == 16
    assert all(line.count("<details>") <= 1 for line in rows)
    anchors = set(re.findall(r'<a id="([^"]+)"></a>', text))
    targets = {target for row in rows for target in re.findall(r"\]\(#([^)]+)\)", row)}
    assert "fig-lists-peak-time" in targets and targets <= anchors
