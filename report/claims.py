"""Verdicts on the article's claims: the one place that turns records into confirmed/nuanced/wrong.

A claim entry (experiments/<name>/claims.json) compares one metric of a subject (lang + variant) with a
reference. Its ratio is median(subject) / median(reference), both at the largest size where both have ok
records on the same machine, using only each group's newest commit. An entry of "kind": "outcome"
compares how runs ended instead (C1: with swap the job finishes, without it is OOM-killed): it is
confirmed when the subject ends as "subject_outcome" and the reference as "reference_outcome". The tests import this module, so the
page and the test suite can never disagree about a verdict.
"""

import json
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from report import records as rec
from report.units import format_range, format_ratio, format_size

CONFIRMED, NUANCED, WRONG, NOT_MEASURED = "confirmed", "nuanced", "wrong", "not measured"
VERDICTS = (CONFIRMED, NUANCED, WRONG, NOT_MEASURED)
DIRECTIONS = ("lower", "higher", "none")


@dataclass
class Measurement:
    """One entry's ratio on one machine."""
    machine_id: str
    size: int
    size_unit: str
    subject_median: float
    reference_median: float
    ratio: float
    n_subject: int
    n_reference: int
    outcomes: tuple = None  # outcome claims: (subject's outcome, reference's outcome); ratio is None

    def text(self, with_machine=False):
        """'0.20× at n=1,000,000' or 'ok vs oom_killed at 96 MiB' (with ' on <machine>')."""
        where = f" on {self.machine_id}" if with_machine else ""
        size = format_size(self.size, self.size_unit)
        if self.outcomes:
            return f"{self.outcomes[0]} vs {self.outcomes[1]} at {size}{where}"
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


def side_label(side):
    """'py remedy' for {"lang": "py", "variant": "remedy"} (prefixed by the experiment if it has one)."""
    label = f"{side.get('lang', '?')} {side.get('variant', '?')}"
    return f"{side['experiment']}:{label}" if side.get("experiment") else label


def is_cross_language(entry):
    """True for an entry comparing one language with another (e.g. C16: C++ vs Python)."""
    return entry["subject"].get("lang") != entry["reference"].get("lang")


# A ratio within 10% of 1 is no effect: allocator rounding and timing noise move figures that much,
# so 0.95× does not count as "lower". An entry may set its own "no_effect_band".
NO_EFFECT_BAND = 0.1


def verdict_for_ratio(ratio, article_range, direction, no_effect_band=NO_EFFECT_BAND):
    """The verdict for one ratio.

    inside article_range (bounds included) → confirmed; outside it but clearly on the article's side
    of 1 (lower: ratio < 1 - no_effect_band, higher: ratio > 1 + no_effect_band) → nuanced;
    otherwise → wrong. direction "none" has no side, so outside the range is wrong.
    No ratio → not measured.
    """
    if ratio is None:
        return NOT_MEASURED
    low, high = article_range
    if low <= ratio <= high:
        return CONFIRMED
    if (direction == "lower" and ratio < 1 - no_effect_band) or (direction == "higher" and ratio > 1 + no_effect_band):
        return NUANCED
    return WRONG


def combine_verdicts(verdicts):
    """Measured verdicts that all agree → that verdict; a mix → nuanced; none measured → not measured."""
    measured = {verdict for verdict in verdicts if verdict != NOT_MEASURED}
    if not measured:
        return NOT_MEASURED
    if len(measured) == 1:
        return measured.pop()
    return NUANCED


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


def evaluate(entry, records):
    """The ClaimResult of one entry: per-machine ratios (or outcomes) and their combined verdict."""
    if entry.get("kind") == "outcome":
        measurements, note = measure_outcomes(entry, records)
        expected = (entry["subject_outcome"], entry["reference_outcome"])
        verdicts = [CONFIRMED if m.outcomes == expected else WRONG for m in measurements]
        return ClaimResult(entry=entry, measurements=measurements, verdict=combine_verdicts(verdicts), note=note)
    measurements, note = measure(entry, records)
    verdicts = [verdict_for_ratio(m.ratio, entry["article_range"], entry.get("direction", "none"),
                                  entry.get("no_effect_band", NO_EFFECT_BAND))
                for m in measurements]
    return ClaimResult(entry=entry, measurements=measurements, verdict=combine_verdicts(verdicts), note=note)


def verdict(entry, records):
    """confirmed / nuanced / wrong / not measured for one entry."""
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
    label = f"{entry.get('id', '?')} {entry['metric']} {side_label(entry['subject'])} / {side_label(entry['reference'])}"
    if not result.measurements:
        return False, None, f"not measured: {label}: {result.note or 'no data'}"
    low, high = bounds

    def distance(m):
        return max(low - m.ratio, m.ratio - high, 0.0)

    outside = [m for m in result.measurements if distance(m) > 0]
    ratio = max(outside, key=distance).ratio if outside else result.ratio
    sizes = ", ".join(f"{format_size(m.size, m.size_unit)} on {m.machine_id}" for m in result.measurements)
    reason = entry.get("tolerance_reason", "")
    message = (f"{label} = {format_ratio(ratio)} at {sizes}; expected {format_range(bounds)}"
               + (f" ({reason})" if reason else ""))
    return not outside, ratio, message


def validate_entry(entry):
    """Why a claims.json entry cannot be evaluated, or None."""
    if not isinstance(entry, dict):
        return "not an object"
    if entry.get("kind") == "outcome":
        for name in ("id", "subject", "reference", "subject_outcome", "reference_outcome"):
            if name not in entry:
                return f"missing {name!r}"
        return None
    for name in ("id", "metric", "subject", "reference", "article_range"):
        if name not in entry:
            return f"missing {name!r}"
    for name in ("subject", "reference"):
        if not isinstance(entry[name], dict) or not entry[name].get("lang") or not entry[name].get("variant"):
            return f"{name} needs lang and variant"
    for name in ("article_range", "expected_range"):
        bounds = entry.get(name)
        if name in entry and not (isinstance(bounds, list) and len(bounds) == 2
                                  and all(isinstance(b, (int, float)) for b in bounds) and bounds[0] <= bounds[1]):
            return f"{name} must be [low, high]"
    if entry.get("direction", "none") not in DIRECTIONS:
        return f"direction must be one of {', '.join(DIRECTIONS)}"
    return None


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
        for index, entry in enumerate(raw_entries):
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
    python: list  # ClaimResults whose subject is Python (cross-language ones included)
    cpp: list     # ClaimResults whose subject is C++ (cross-language ones included)
    results: list  # every ClaimResult for this id, each once
    verdict: str


def claim_rows(article_claims, entries, records):
    """Exactly one ClaimRow per article claim, in the article's order."""
    results_by_id = {}
    for entry in entries:
        results_by_id.setdefault(entry["id"], []).append(evaluate(entry, records))
    rows = []
    for claim in article_claims:
        results = results_by_id.get(claim["id"], [])
        python = [r for r in results if r.entry["subject"]["lang"] == "py" or
                  (is_cross_language(r.entry) and r.entry["reference"]["lang"] == "py")]
        cpp = [r for r in results if r.entry["subject"]["lang"] == "cpp" or
               (is_cross_language(r.entry) and r.entry["reference"]["lang"] == "cpp")]
        rows.append(ClaimRow(claim=claim, python=python, cpp=cpp, results=results,
                             verdict=combine_verdicts(r.verdict for r in results)))
    return rows
