"""The verdict categories, defined once: what each means (the legend the report prints) and the code
that assigns them, so the page's legend and its verdicts cannot drift apart.

A claims.json row compares a subject with a reference: ratio = subject / reference. The article's words
give the row a direction ("lower": the subject costs less, "higher": more, "none": no difference) and a
range (`article_range`: "almost half" is 0.4–0.6×, "far slower" is ≥ 10×). Around 1 lies the no-effect
band (±10% unless a row sets its own `no_effect_band`): allocator rounding and timing noise move figures
that much, so a ratio inside it shows no effect either way.

One row, one ratio (`for_ratio`):
  direction lower/higher: past the range's near bound, on the article's side and outside the band →
  confirmed; on the article's side outside the band but short of the near bound → weaker; inside the band →
  no effect; outside the band on the other side → wrong.
  direction none: inside article_range → confirmed; outside → wrong (there is a difference).
Several figures of one claim (`combine`): only headline rows take part. All alike → that verdict;
confirmed with weaker → weaker; no effect with wrong → wrong; a row that goes the article's way
(confirmed or weaker) with one that does not (no effect or wrong) → nuanced. Rows not measured are left
out; none measured → not measured.
"""

CONFIRMED = "confirmed"
WEAKER = "weaker"
NO_EFFECT = "no effect"
WRONG = "wrong"
NUANCED = "nuanced"
NOT_MEASURED = "not measured"

# In the order the legend lists them.
VERDICTS = (CONFIRMED, WEAKER, NO_EFFECT, WRONG, NUANCED, NOT_MEASURED)
SUPPORTING = frozenset({CONFIRMED, WEAKER})     # the comparison goes the article's way
NOT_SUPPORTING = frozenset({NO_EFFECT, WRONG})  # it does not

SYMBOLS = {CONFIRMED: "✓", WEAKER: "◐", NO_EFFECT: "=", WRONG: "✗", NUANCED: "≈", NOT_MEASURED: "–"}

# A ratio within 10% of 1 is no effect: allocator rounding and timing noise move figures that much,
# so 0.95× does not count as "lower". A row may set its own "no_effect_band".
NO_EFFECT_BAND = 0.1

LEGEND = {
    CONFIRMED: "every headline comparison goes the article's way at least as far as its words imply "
               "(past the near end of the article's range and outside the no-effect band; for a claim of "
               "\"no difference\", inside the article's range).",
    WEAKER: "every headline comparison goes the article's way, outside the no-effect band, but at least one "
            "less far than the article's words imply (for example 0.8× where \"far less\" implies at most 0.5×).",
    NO_EFFECT: "every headline comparison lies inside the no-effect band around 1× (±10% unless a row says "
               "otherwise): no difference either way, where the article says there is one.",
    WRONG: "the headline comparisons go against the article: outside the no-effect band on the other side of 1× "
           "(or, for a claim of \"no difference\", outside the article's range); some may show no effect, none "
           "goes the article's way.",
    NUANCED: "the headline comparisons disagree: at least one goes the article's way (confirmed or weaker) and "
             "at least one does not (no effect or wrong), e.g. one language or one loop body confirms and "
             "another does not. The claim's row says which.",
    NOT_MEASURED: "no headline comparison has data yet (see the failures at the end).",
}

HEADLINE_RULE = ("Only headline rows decide a claim's verdict: the comparison the article's sentence is about. "
                 "Other rows of a lesson (outliers, other data kinds, memory kept after a free, side topics) are "
                 "shown with their own verdict and do not change the claim's.")


def legend_items():
    """The legend as markdown items, one per category, in VERDICTS order."""
    return [f"{SYMBOLS[verdict]} **{verdict}**: {LEGEND[verdict]}" for verdict in VERDICTS]


def for_ratio(ratio, article_range, direction, no_effect_band=NO_EFFECT_BAND):
    """The verdict of one ratio (see the module's docstring). No ratio → not measured."""
    if ratio is None:
        return NOT_MEASURED
    low, high = article_range
    if direction == "none":
        return CONFIRMED if low <= ratio <= high else WRONG
    if 1 - no_effect_band <= ratio <= 1 + no_effect_band:
        return NO_EFFECT
    goes_article_way = ratio < 1 if direction == "lower" else ratio > 1
    if not goes_article_way:
        return WRONG
    far_enough = ratio <= high if direction == "lower" else ratio >= low
    return CONFIRMED if far_enough else WEAKER


def combine(verdicts):
    """One verdict from several (rows of a claim, or one row's machines); see the module's docstring."""
    measured = {verdict for verdict in verdicts if verdict != NOT_MEASURED}
    if not measured:
        return NOT_MEASURED
    if len(measured) == 1:
        return next(iter(measured))
    if NUANCED in measured:
        return NUANCED
    if measured <= SUPPORTING:
        return WEAKER
    if measured <= NOT_SUPPORTING:
        return WRONG
    return NUANCED


def fails_if(article_range, direction, no_effect_band=NO_EFFECT_BAND):
    """What ratio would leave a row unconfirmed, in words: '> 0.6× (not as far as the article says)'."""
    low, high = article_range
    if direction == "none":
        return f"outside {low:g}–{high:g}×"
    if direction == "lower":
        return f"> {min(high, 1 - no_effect_band):g}×"
    return f"< {max(low, 1 + no_effect_band):g}×"
