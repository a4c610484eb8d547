"""Verdicts on the article's claims: the one place that turns records into verdicts (their categories and
legend are report/verdicts.py).

A claim entry (experiments/<name>/claims.json) compares one metric of a subject (lang + variant) with a
reference. Its ratio is median(subject) / median(reference), both at the largest size where both have ok
records on the same machine, using only each group's newest commit. An entry of "kind": "outcome"
compares how runs ended instead (C1: with swap the job finishes, without it is OOM-killed): it is
confirmed when the subject ends as "subject_outcome" and the reference as "reference_outcome". An entry
of "kind": "published" has a side that is a published figure (a range with its source, from the file's
"published" table), never a measurement: its ratio takes the figure's end least favourable to the article.

Every entry says whether it is a headline row ("headline": true: the comparison the article's sentence is
about; only those decide the claim's verdict) and, when it has an expected_range, what kind of range that
is ("band": "theory", derived from first principles with the derivation in tolerance_reason, or
"regression", fitted to a measurement). An expected_range only tells the tests whether a run is the
one the lesson explains; the verdict about the article rests on article_range alone. The tests import this
module, so the page and the test suite can never disagree about a verdict.
"""

import json
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from report import records as rec
from report import verdicts as v
from report.units import format_range, format_ratio, format_size
# The categories are re-exported: the report and the tests name them as claims.CONFIRMED and so on.
from report.verdicts import CONFIRMED, NO_EFFECT, NOT_MEASURED, NUANCED, VERDICTS, WEAKER, WRONG  # noqa: F401

DIRECTIONS = ("lower", "higher", "none")
BANDS = ("theory", "regression")
KINDS = ("ratio", "outcome", "published")
PUBLISHED = "published"  # the machine_id of a measurement made of published figures only


@dataclass
class Measurement:
    """One entry's ratio on one machine (or, for a row of published figures only, on "published")."""
    machine_id: str
    size: int
    size_unit: str
    subject_median: float
    reference_median: float
    ratio: float
    n_subject: int
    n_reference: int
    outcomes: tuple = None  # outcome claims: (subject's outcome, reference's outcome); ratio is None
    ratio_range: tuple = None  # a published side: the ratios its whole range allows (ratio is the cautious end)

    def text(self, with_machine=False):
        """'0.20× at n=1,000,000' or 'ok vs oom_killed at 96 MiB' (with ' on <machine>')."""
        where = f" on {self.machine_id}" if with_machine and self.machine_id != PUBLISHED else ""
        if self.size is None:  # published figures only: no size, no machine
            low, high = self.ratio_range
            return f"{format_ratio(self.ratio)} (published figures: {format_ratio(low)}–{format_ratio(high)})"
        size = format_size(self.size, self.size_unit)
        if self.outcomes:
            return f"{self.outcomes[0]} vs {self.outcomes[1]} at {size}{where}"
        if self.ratio_range:
            low, high = self.ratio_range
            return (f"{format_ratio(self.ratio)} at {size}{where} (with the published range: "
                    f"{format_ratio(low)}–{format_ratio(high)})")
        return f"{format_ratio(self.ratio)} at {size}{where}"


@dataclass
class ClaimResult:
    """An entry's outcome over all machines: one Measurement per machine with data."""
    entry: dict
    measurements: list = field(default_factory=list)
    verdict: str = NOT_MEASURED
    note: str = ""  # why there is no measurement, when there is none

    @property
    def ratio(self):
        """The ratio when exactly one machine measured it, else the median over machines."""
        ratios = [m.ratio for m in self.measurements if m.ratio is not None]
        return statistics.median(ratios) if ratios else None

    @property
    def headline(self):
        return is_headline(self.entry)

    def evidence(self, with_machine=False):
        """'py remedy / py baseline = 0.20× at n=10,000,000 (article: 0.4–0.6×)'."""
        if self.entry.get("kind") == "outcome":
            comparison = f"{side_label(self.entry['subject'])} vs {side_label(self.entry['reference'])}"
            article = f"(article: {self.entry['subject_outcome']} vs {self.entry['reference_outcome']})"
        else:
            comparison = f"{side_label(self.entry['subject'])} / {side_label(self.entry['reference'])}"
            article = f"(article: {format_range(self.entry.get('article_range'))})"
        if not self.measurements:
            return f"{comparison}: not measured{': ' + self.note if self.note else ''} {article}"
        parts = [m.text(with_machine) for m in self.measurements]
        joiner = ": " if self.entry.get("kind") == "outcome" else " = "
        return f"{comparison}{joiner}{'; '.join(parts)} {article}"


def is_headline(entry):
    """True for a row that decides its claim's verdict (the comparison the article's sentence is about)."""
    return entry.get("headline") is True


def side_label(side):
    """'py remedy' for {"lang": "py", "variant": "remedy"} (prefixed by the experiment if it has one);
    'published: 7200 rpm HDD, …' for a published figure."""
    if side.get("published"):
        return f"published: {side['published'].get('label', side['published'].get('name', '?'))}"
    label = f"{side.get('lang', '?')} {side.get('variant', '?')}"
    return f"{side['experiment']}:{label}" if side.get("experiment") else label


def is_cross_language(entry):
    """True for an entry comparing one language with another (e.g. C16: C++ vs Python)."""
    subject, reference = entry["subject"], entry["reference"]
    if subject.get("published") or reference.get("published"):
        return False
    return subject.get("lang") != reference.get("lang")


def side_lang(side):
    """A side's language, or None for a published figure."""
    return None if side.get("published") else side.get("lang")


NO_EFFECT_BAND = v.NO_EFFECT_BAND


def verdict_for_ratio(ratio, article_range, direction, no_effect_band=NO_EFFECT_BAND):
    """The verdict for one ratio: report/verdicts.py defines the categories."""
    return v.for_ratio(ratio, article_range, direction, no_effect_band)


def combine_verdicts(verdicts):
    """Several verdicts (rows of a claim, or machines of a row) as one: report/verdicts.py."""
    return v.combine(verdicts)


def fails_if(entry):
    """In words, the result that would leave this row unconfirmed (its own "fails_if" if it states one)."""
    if entry.get("fails_if"):
        return entry["fails_if"]
    if entry.get("kind") == "outcome":
        return f"any other outcome than {entry['subject_outcome']} vs {entry['reference_outcome']}"
    return "ratio " + v.fails_if(entry["article_range"], entry.get("direction", "none"),
                                 entry.get("no_effect_band", NO_EFFECT_BAND))


def expected_fails_if(entry):
    """In words, the result that fails the row's expected_range (the test's check), with the band's kind."""
    bounds = entry.get("expected_range")
    if not bounds:
        return None
    return f"ratio outside {format_range(bounds)} ({entry.get('band', '?')} band)"


def _side_records(records, entry, side, ok_only=True):
    """Records of one side of an entry (its experiment, lang, variant), ok ones only by default."""
    fields = {"lang": side.get("lang"), "variant": side.get("variant")}
    experiment = side.get("experiment") or entry.get("experiment")
    if experiment:
        fields["experiment"] = experiment
    return rec.select(records, ok_only=ok_only, **fields)


def _usual_outcome(records):
    """The most frequent outcome among records (ties: the first seen)."""
    outcomes = [record["outcome"] for record in records]
    return max(dict.fromkeys(outcomes), key=outcomes.count)


def measure_outcomes(entry, records):
    """(measurements, note) for an outcome entry: how each side usually ended, per machine, at the
    largest size both ran (skipped runs do not count: they did not run)."""
    records, _ = rec.newest_commit_only(records)
    ran = [record for record in records if record.get("outcome") != "skipped"]
    subject_records = _side_records(ran, entry, entry["subject"], ok_only=False)
    reference_records = _side_records(ran, entry, entry["reference"], ok_only=False)
    measurements, notes = [], []
    for machine_id in rec.machines(subject_records + reference_records):
        subject_here = [r for r in subject_records if rec.machine_of(r) == machine_id]
        reference_here = [r for r in reference_records if rec.machine_of(r) == machine_id]
        common = {r["size"] for r in subject_here} & {r["size"] for r in reference_here}
        if not common:
            notes.append(f"no size ran on both sides on {machine_id}")
            continue
        size = max(common)
        subject_at = [r for r in subject_here if r["size"] == size]
        reference_at = [r for r in reference_here if r["size"] == size]
        measurements.append(Measurement(
            machine_id=machine_id, size=size, size_unit=subject_at[0].get("size_unit") or "elements",
            subject_median=None, reference_median=None, ratio=None,
            n_subject=len(subject_at), n_reference=len(reference_at),
            outcomes=(_usual_outcome(subject_at), _usual_outcome(reference_at)),
        ))
    if not subject_records and not reference_records:
        notes.append("no records that ran")
    return measurements, "; ".join(notes)


def measure(entry, records):
    """(measurements, note): one Measurement per machine where both sides have ok data.

    Records are filtered to each group's newest commit here, so callers may pass raw records.
    """
    records, _ = rec.newest_commit_only(records)
    metric = entry["metric"]
    subject_records = _side_records(records, entry, entry["subject"])
    reference_records = _side_records(records, entry, entry["reference"])
    measurements, notes = [], []
    for machine_id in rec.machines(subject_records + reference_records):
        subject_here = [r for r in subject_records if rec.machine_of(r) == machine_id]
        reference_here = [r for r in reference_records if rec.machine_of(r) == machine_id]
        common = set(rec.sizes_with_data(subject_here, metric)) & set(rec.sizes_with_data(reference_here, metric))
        if not common:
            notes.append(f"no size with ok {metric} for both sides on {machine_id}")
            continue
        size = max(common)
        subject_at = [r for r in subject_here if r["size"] == size and rec.metric_value(r, metric) is not None]
        reference_at = [r for r in reference_here if r["size"] == size and rec.metric_value(r, metric) is not None]
        subject_median = rec.median_metric(subject_at, metric)
        reference_median = rec.median_metric(reference_at, metric)
        if not reference_median:
            notes.append(f"reference median of {metric} is 0 on {machine_id}")
            continue
        measurements.append(Measurement(
            machine_id=machine_id, size=size, size_unit=subject_at[0].get("size_unit") or "elements",
            subject_median=subject_median, reference_median=reference_median,
            ratio=subject_median / reference_median,
            n_subject=len(subject_at), n_reference=len(reference_at),
        ))
    if not subject_records and not reference_records:
        notes.append("no ok records")
    return measurements, "; ".join(notes)


def _published_bounds(side):
    low, high = side["published"]["value_range"]
    return float(low), float(high)


def _cautious(side, role, direction):
    """The end of a published range least favourable to the article: for "higher" the smallest subject
    and the largest reference (for "lower" the reverse; for "none" the middle)."""
    low, high = _published_bounds(side)
    if direction == "none":
        return (low + high) / 2
    small_subject = direction == "higher"
    return (low if small_subject else high) if role == "subject" else (high if small_subject else low)


def measure_published(entry, records):
    """(measurements, note) for a row with a published side: published against published gives one
    measurement on "published"; published against a measured side gives one per machine that measured it."""
    direction = entry.get("direction", "none")
    subject, reference = entry["subject"], entry["reference"]
    if subject.get("published") and reference.get("published"):
        s_low, s_high = _published_bounds(subject)
        r_low, r_high = _published_bounds(reference)
        ratio = _cautious(subject, "subject", direction) / _cautious(reference, "reference", direction)
        return [Measurement(machine_id=PUBLISHED, size=None, size_unit="", subject_median=None,
                            reference_median=None, ratio=ratio, n_subject=0, n_reference=0,
                            ratio_range=(s_low / r_high, s_high / r_low))], ""
    records, _ = rec.newest_commit_only(records)
    metric = entry["metric"]
    measured_role, measured = ("reference", reference) if subject.get("published") else ("subject", subject)
    published = subject if measured_role == "reference" else reference
    p_low, p_high = _published_bounds(published)
    side_records = _side_records(records, entry, measured)
    measurements, notes = [], []
    for machine_id in rec.machines(side_records):
        here = [r for r in side_records if rec.machine_of(r) == machine_id]
        sizes = rec.sizes_with_data(here, metric)
        if not sizes:
            notes.append(f"no ok {metric} on {machine_id}")
            continue
        size = max(sizes)
        at = [r for r in here if r["size"] == size and rec.metric_value(r, metric) is not None]
        median = rec.median_metric(at, metric)
        if not median:
            notes.append(f"median of {metric} is 0 on {machine_id}")
            continue
        cautious = _cautious(published, "reference" if measured_role == "subject" else "subject", direction)
        if measured_role == "subject":
            ratio, ratio_range = median / cautious, (median / p_high, median / p_low)
        else:
            ratio, ratio_range = cautious / median, (p_low / median, p_high / median)
        measurements.append(Measurement(
            machine_id=machine_id, size=size, size_unit=at[0].get("size_unit") or "elements",
            subject_median=median if measured_role == "subject" else cautious,
            reference_median=cautious if measured_role == "subject" else median,
            ratio=ratio, n_subject=len(at), n_reference=len(at), ratio_range=ratio_range))
    if not side_records:
        notes.append("no ok records")
    return measurements, "; ".join(notes)


def evaluate(entry, records):
    """The ClaimResult of one entry: per-machine ratios (or outcomes) and their combined verdict."""
    if entry.get("kind") == "outcome":
        measurements, note = measure_outcomes(entry, records)
        expected = (entry["subject_outcome"], entry["reference_outcome"])
        verdicts = [CONFIRMED if m.outcomes == expected else WRONG for m in measurements]
        return ClaimResult(entry=entry, measurements=measurements, verdict=combine_verdicts(verdicts), note=note)
    if entry.get("kind") == "published":
        measurements, note = measure_published(entry, records)
    else:
        measurements, note = measure(entry, records)
    verdicts = [verdict_for_ratio(m.ratio, entry["article_range"], entry.get("direction", "none"),
                                  entry.get("no_effect_band", NO_EFFECT_BAND))
                for m in measurements]
    return ClaimResult(entry=entry, measurements=measurements, verdict=combine_verdicts(verdicts), note=note)


def verdict(entry, records):
    """One entry's verdict (report/verdicts.py lists the categories)."""
    return evaluate(entry, records).verdict


def check_expected(entry, records):
    """(ok, ratio, message): is the measured ratio inside the entry's expected_range?

    For tests of the experiments. expected_range defaults to article_range. With several machines,
    ok means every machine is inside and ratio is the one furthest outside (else the median).
    No data → (False, None, "not measured: …"): a test should skip on `ratio is None`, not pass.
    """
    result = evaluate(entry, records)
    if entry.get("kind") == "outcome":
        label = f"{entry.get('id', '?')} {side_label(entry['subject'])} vs {side_label(entry['reference'])}"
        if not result.measurements:
            return False, None, f"not measured: {label}: {result.note or 'no data'}"
        text = "; ".join(m.text(with_machine=True) for m in result.measurements)
        message = (f"{label}: {text}; expected {entry['subject_outcome']} vs {entry['reference_outcome']}")
        return result.verdict == CONFIRMED, 1.0 if result.verdict == CONFIRMED else 0.0, message
    bounds = entry.get("expected_range") or entry["article_range"]
    label = (f"{entry.get('id', '?')} {entry.get('metric', 'published')} {side_label(entry['subject'])} / "
             f"{side_label(entry['reference'])}")
    if not result.measurements:
        return False, None, f"not measured: {label}: {result.note or 'no data'}"
    low, high = bounds

    def distance(m):
        return max(low - m.ratio, m.ratio - high, 0.0)

    outside = [m for m in result.measurements if distance(m) > 0]
    ratio = max(outside, key=distance).ratio if outside else result.ratio
    sizes = ", ".join(m.text(with_machine=True).split(" at ", 1)[-1] if m.size is not None else PUBLISHED
                      for m in result.measurements)
    reason = entry.get("tolerance_reason", "")
    band = f"{entry['band']} band " if entry.get("expected_range") and entry.get("band") else ""
    message = (f"{label} = {format_ratio(ratio)} at {sizes}; expected {band}{format_range(bounds)}"
               + (f" ({reason})" if reason else ""))
    return not outside, ratio, message


def _valid_range(bounds):
    return (isinstance(bounds, list) and len(bounds) == 2 and all(isinstance(b, (int, float)) for b in bounds)
            and bounds[0] <= bounds[1])


def _validate_side(entry, name):
    side = entry[name]
    if not isinstance(side, dict):
        return f"{name} must be an object"
    if side.get("published"):
        if entry.get("kind") != "published":
            return f"{name} is a published figure: the entry needs \"kind\": \"published\""
        figure = side["published"]
        if not isinstance(figure, dict) or not _valid_range(figure.get("value_range")) \
                or not figure.get("source") or figure["value_range"][0] <= 0:
            return f"{name}'s published figure needs a positive value_range [low, high] and its source"
        return None
    if not side.get("lang") or not side.get("variant"):
        return f"{name} needs lang and variant"
    return None


def validate_entry(entry):
    """Why a claims.json entry cannot be evaluated, or None."""
    if not isinstance(entry, dict):
        return "not an object"
    if entry.get("kind", "ratio") not in KINDS:
        return f"kind must be one of {', '.join(KINDS)}"
    if not isinstance(entry.get("headline"), bool):
        return "missing \"headline\": true or false (does this row decide its claim's verdict?)"
    if entry.get("modelled") and entry["headline"]:
        return "a modelled row (the setting of an emulation, not a measurement) cannot be a headline row"
    if entry.get("language_default") and entry["headline"]:
        return ("a language_default row (C++ cheaper by a default such as unboxed values, not by the same data "
                "layout) cannot be a headline row")
    if entry.get("kind") == "outcome":
        for name in ("id", "subject", "reference", "subject_outcome", "reference_outcome"):
            if name not in entry:
                return f"missing {name!r}"
        return None
    for name in ("id", "subject", "reference", "article_range"):
        if name not in entry:
            return f"missing {name!r}"
    for name in ("subject", "reference"):
        problem = _validate_side(entry, name)
        if problem:
            return problem
    published = [entry[name].get("published") for name in ("subject", "reference")]
    if entry.get("kind") == "published" and not any(published):
        return "a published entry needs a published side"
    if not all(published) and "metric" not in entry:
        return "missing 'metric'"
    for name in ("article_range", "expected_range"):
        if name in entry and not _valid_range(entry.get(name)):
            return f"{name} must be [low, high]"
    if "expected_range" in entry and entry.get("band") not in BANDS:
        return (f"an expected_range needs \"band\": one of {', '.join(BANDS)} (derived from first principles, "
                f"or fitted to a measurement)")
    if entry.get("direction", "none") not in DIRECTIONS:
        return f"direction must be one of {', '.join(DIRECTIONS)}"
    return None


def _resolve_published(entry, table):
    """Replace {"published": "name"} sides by the figure of that name in the file's "published" table."""
    resolved = dict(entry)
    for name in ("subject", "reference"):
        side = entry.get(name)
        if isinstance(side, dict) and isinstance(side.get("published"), str):
            figure = table.get(side["published"])
            resolved[name] = {**side, "published": {**figure, "name": side["published"]} if figure else None}
    return resolved


def load_claim_entries(experiments_dir, warn=rec.warn):
    """Every valid entry of experiments/*/claims.json, each tagged with its `experiment` (folder name)."""
    entries = []
    experiments_dir = Path(experiments_dir)
    if not experiments_dir.is_dir():
        return entries
    for path in sorted(experiments_dir.glob("*/claims.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as error:
            warn(f"{path}: cannot read claims ({error})")
            continue
        raw_entries = data.get("claims", []) if isinstance(data, dict) else []
        table = data.get("published", {}) if isinstance(data, dict) else {}
        for index, entry in enumerate(raw_entries):
            if isinstance(entry, dict):
                entry = _resolve_published(entry, table)
            problem = validate_entry(entry)
            if problem:
                warn(f"{path}: claim entry {index} skipped: {problem}")
                continue
            entries.append({**entry, "experiment": entry.get("experiment") or path.parent.name})
    return entries


def load_article_claims(path):
    """The article's claims C1–C16 (report/article_claims.json), in file order."""
    return json.loads(Path(path).read_text(encoding="utf-8"))["claims"]


def claim_number(claim_id):
    """Sort key for C1 < C2 < … < C16 (non-numeric ids sort last, by name)."""
    digits = "".join(ch for ch in str(claim_id) if ch.isdigit())
    return (int(digits) if digits else 10**9, str(claim_id))


@dataclass
class ClaimRow:
    """One row of the claims table: an article claim and every entry that measures it."""
    claim: dict
    results: list  # every ClaimResult for this id, each once
    verdict: str   # from the headline results only

    @property
    def headline(self):
        return [r for r in self.results if r.headline]


def claim_verdict(results):
    """A claim's verdict: its headline rows' verdicts combined (report/verdicts.py); other rows never count."""
    return combine_verdicts(r.verdict for r in results if r.headline)


def claim_rows(article_claims, entries, records):
    """Exactly one ClaimRow per article claim, in the article's order."""
    results_by_id = {}
    for entry in entries:
        results_by_id.setdefault(entry["id"], []).append(evaluate(entry, records))
    rows = []
    for claim in article_claims:
        results = results_by_id.get(claim["id"], [])
        rows.append(ClaimRow(claim=claim, results=results, verdict=claim_verdict(results)))
    return rows
