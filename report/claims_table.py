"""Claims at a glance: the table at the top of the report, one line per article claim (C1–C16).

A teacher on a projector reads it down: the article's sentence in short, the headline figure in each
language, the range the article's words imply, the verdict, and links to the lesson and its figure.
The comparisons behind a claim (up to 14 for one) unfold from the row's last cell (<details>), and each
lesson's "Claims checked here" table has them in full; the first screen stays one line per claim.

A language's headline figure covers that language's headline rows (the rows that decide the verdict,
report/verdicts.py): their ratio when they agree to two decimals, else the range they span, so a figure
never hides a row that the verdict counted.
"""

from report import blocks as b
from report import claims as cl
from report.figure_style import OUTCOME_SHORT
from report.units import LANG_NAMES, format_range, format_ratio, plural
from report.verdicts import HEADLINE_RULE, SYMBOLS, legend_items

ANCHOR = "claims"
COUNTS_ANCHOR = "verdict-counts"
HEADER = ["Claim", "The article says", "Python", "C++", "Article", "Verdict", "Lesson", "Details"]
VERDICT_COLUMN = HEADER.index("Verdict")
# The figure that shows a metric, by the kind in its name (report/figures.py's builders); where it was
# not drawn (the throughput figure needs `oomlab bench`), the peak and time figure, else the first one.
FIGURE_FOR_METRIC = {"tree_peak_delta_bytes": "tree-peak", "swapin_latency_mean_seconds": "swapin-latency",
                     "compression_ratio": "ratio-speed", "access_seconds": "ratio-speed",
                     "scale_add_seconds": "throughput"}  # C10: the speed as the working set leaves each cache
FIGURE_FOR_OUTCOMES = "time-per-profile"  # how runs ended under each swap profile (C1)
DEFAULT_FIGURE = "peak-time"


def counts_text(rows):
    """'Verdicts on the article's 16 claims: 5 ✓ confirmed, …': the line above the table."""
    counts = {verdict: sum(1 for row in rows if row.verdict == verdict) for verdict in cl.VERDICTS}
    return (f"Verdicts on the article's {len(rows)} claims: "
            + ", ".join(f"{counts[verdict]} {SYMBOLS[verdict]} {verdict}" for verdict in cl.VERDICTS) + ".")


def measured_lang(entry):
    """The language a row belongs to: its subject's, or its measured side's when the subject is a
    published figure; None for a row of published figures only."""
    return cl.side_lang(entry["subject"]) or cl.side_lang(entry["reference"])


def _metric_word(entries):
    """What the ratios compare, in one word: memory, time, or nothing when the rows mix kinds."""
    words = set()
    for entry in entries:
        metric = entry.get("metric", "")
        words.add("memory" if metric.endswith("_bytes") else "time" if metric.endswith("_seconds") else metric)
    return words.pop() if len(words) == 1 else ""


def headline_figure(row, lang):
    """One language's headline figure for a claim, as one short cell: '**0.20×** memory'."""
    own = [r for r in row.headline if measured_lang(r.entry) == lang]
    if not own:
        crossing = [r for r in row.headline if cl.is_cross_language(r.entry)]
        if crossing:
            return f"see {LANG_NAMES.get(measured_lang(crossing[0].entry), 'the other language')}"
        return "–"
    measured = [m for r in own for m in r.measurements]
    if not measured:
        return "not measured"
    outcomes = sorted({_outcomes(*m.outcomes) for m in measured if m.outcomes})
    if outcomes:
        return f"**{outcomes[0]}**" if len(outcomes) == 1 else "outcomes differ"
    ratios = [m.ratio for m in measured]
    low, high = format_ratio(min(ratios)), format_ratio(max(ratios))
    figure = low if low == high else f"{low[:-1]}–{high}"
    word = _metric_word(r.entry for r in own)
    if all(cl.is_cross_language(r.entry) for r in own):  # C16: C++ against Python
        word = f"of {LANG_NAMES.get(cl.side_lang(own[0].entry['reference']), 'the reference')}"
    return f"**{figure}** {word}".strip()


def _outcomes(subject, reference):
    """'ok vs OOM': how the subject's runs ended against the reference's, in the figures' short words."""
    return f"{OUTCOME_SHORT.get(subject, subject)} vs {OUTCOME_SHORT.get(reference, reference)}"


def _article_implies(row):
    """The ranges the article's words give the headline rows, each once."""
    implied = []
    for result in row.headline:
        entry = result.entry
        if entry.get("kind") == "outcome":
            implied.append(_outcomes(entry["subject_outcome"], entry["reference_outcome"]))
        else:
            implied.append(format_range(entry.get("article_range")))
    return ", ".join(dict.fromkeys(implied)) or "–"


def lesson_experiment(row, by_name):
    """The experiment whose lesson teaches the claim: the one of the claim's remedy that has a headline
    row, else the first in page order with one (C16 is checked by several)."""
    with_headline = [r.entry["experiment"] for r in row.headline if r.entry["experiment"]]
    on_page = [name for name in by_name if name in with_headline] or list(dict.fromkeys(with_headline))
    remedy = row.claim.get("remedy")
    for name in on_page:
        if remedy is not None and getattr(by_name.get(name), "article_remedy", None) == remedy:
            return name
    return on_page[0] if on_page else None


def figure_for(document, experiment, results):
    """The drawn figure that shows the lesson's headline comparison for this claim, or None."""
    own = [r.entry for r in results if r.entry["experiment"] == experiment]
    if any(entry.get("kind") == "outcome" for entry in own):
        kind = FIGURE_FOR_OUTCOMES
    else:
        kind = next((FIGURE_FOR_METRIC[e["metric"]] for e in own if e.get("metric") in FIGURE_FOR_METRIC),
                    DEFAULT_FIGURE)
    for name in (f"{experiment}-{kind}", f"{experiment}-{DEFAULT_FIGURE}"):
        found = document.figure_for(name)
        if found:
            return found
    return next((f for f in document.figures.values() if f.name.startswith(experiment + "-")), None)


def _lesson_cell(document, row, by_name):
    experiment = lesson_experiment(row, by_name)
    if experiment is None:
        return "–"
    figure = figure_for(document, experiment, row.headline)
    lesson = f"[{b.md_escape(experiment)}](#exp-{experiment})"
    return f"{lesson} · [figure](#fig-{figure.name})" if figure else lesson


def _comparison(result):
    """One comparison of the claim, for the unfolded row: verdict symbol, lesson, metric, what, the figure."""
    role = "" if result.headline else " (side row)"
    where = result.entry["experiment"] or "published figures"
    metric = f"`{result.entry['metric']}` " if result.entry.get("metric") else ""
    return f"{SYMBOLS[result.verdict]} {b.md_escape(where)}: {metric}{b.md_escape(result.evidence())}{role}"


def comparisons_cell(row):
    """Every comparison of the claim, headline rows first (side rows say so), folded under their count."""
    ordered = sorted(row.results, key=lambda r: not r.headline)
    if not ordered:
        return "none yet"
    items = [f"The article: {b.md_escape(row.claim['article_says'])}"] + [_comparison(r) for r in ordered]
    return b.Details(plural(len(ordered), "row"), items)


def table(document, rows, by_name):
    """The table: one row per claim, each cell one line."""
    cells, row_ids = [], []
    for row in rows:
        claim = row.claim
        cells.append([f"**{claim['id']}**", b.md_escape(claim.get("short") or claim["article_says"]),
                      headline_figure(row, "py"), headline_figure(row, "cpp"), _article_implies(row),
                      row.verdict, _lesson_cell(document, row, by_name), comparisons_cell(row)])
        row_ids.append(f"claim-{claim['id']}")
    return b.Table(HEADER, cells, row_ids=row_ids, verdict_column=VERDICT_COLUMN, css_class="claims")


def add_section(document, rows, by_name):
    """The claims section: heading, the one-line-per-claim table, then how to read it and the legend."""
    document.add(
        b.Heading(2, "The article's claims", ANCHOR),
        table(document, rows, by_name),
        b.Paragraph(
            "Each figure is a ratio, median(subject) / median(reference), at the largest size both ran on the "
            "same machine: below 1× the subject uses less (memory, or time); \"Article\" is the range the "
            "article's words imply. Where a language has several "
            "headline rows, its cell gives the range they span; a comparison across languages sits in its "
            "subject's column. \"Details\" unfolds every row of the claim; each lesson's \"Claims checked "
            "here\" has them with their theory. " + HEADLINE_RULE),
        b.Items(legend_items()),
    )
