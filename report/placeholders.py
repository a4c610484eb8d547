"""Fill the `{{…}}` placeholders of a lesson with numbers from the records.

Lessons quote measured numbers, never hand-copied ones (STYLE.md): `{{peak_delta py baseline}}` becomes
"76.9 MiB" from this machine's results. An unknown placeholder, or one without data, becomes
"(not measured)" with a warning: a lesson must render even before anything was run.
"""

import re

from report import claims
from report import records as rec
from report.units import format_bytes, format_bytes_per_element, format_ratio, format_seconds, format_share

NOT_MEASURED_TEXT = "(not measured)"
PLACEHOLDER = re.compile(r"\{\{\s*(.*?)\s*\}\}")


def primary_machine(records, experiment):
    """The machine whose numbers a lesson quotes: most ok records, ties broken by the newest record."""
    ok = rec.select(records, experiment=experiment)
    if not ok:
        return None
    counts = {}
    for record in ok:
        machine_id = rec.machine_of(record)
        count, newest = counts.get(machine_id, (0, None))
        moment = rec.recorded_time(record)
        counts[machine_id] = (count + 1, moment if newest is None or moment > newest else newest)
    return max(counts, key=lambda machine: (counts[machine], machine))


class Filler:
    """Renders placeholders for one experiment from one machine's newest-commit records."""

    def __init__(self, experiment, records, verdicts, machine_id=None, warn=rec.warn):
        records, _ = rec.newest_commit_only(records)
        self.experiment = experiment
        self.machine_id = machine_id or primary_machine(records, experiment)
        self.records = [r for r in records
                        if r.get("experiment") == experiment and rec.machine_of(r) == self.machine_id]
        self.verdicts = verdicts  # {"C7": "confirmed", …}
        self.warn = warn

    def fill(self, text):
        return PLACEHOLDER.sub(lambda match: self._render(match.group(1)), text)

    def _render(self, expression):
        words = expression.split()
        handlers = {
            "bytes_per_element": self._bytes_per_element,
            "peak_delta": self._peak_delta,
            "size": self._size,
            "ratio": self._ratio,
            "verdict": self._verdict,
            "metric": self._metric,
            "progress": self._progress,
            "env": self._env,
        }
        handler = handlers.get(words[0]) if words else None
        value = None
        if handler is None:
            self.warn(f"{self.experiment}: unknown placeholder {{{{{expression}}}}}")
        else:
            try:
                value = handler(words[1:])
            except (TypeError, ValueError):  # wrong number of words, mostly
                self.warn(f"{self.experiment}: malformed placeholder {{{{{expression}}}}}")
                return NOT_MEASURED_TEXT
            if value is None:
                self.warn(f"{self.experiment}: no data for placeholder {{{{{expression}}}}}")
        return NOT_MEASURED_TEXT if value is None else value

    def _largest(self, lang, variant, metric="peak_delta_bytes"):
        """(size, ok records at it) for the largest size with ok data for lang+variant, or (None, [])."""
        sizes = rec.sizes_with_data(self.records, metric, lang=lang, variant=variant)
        if not sizes:
            return None, []
        return sizes[-1], rec.select(self.records, lang=lang, variant=variant, size=sizes[-1])

    def _bytes_per_element(self, words):
        lang, variant = words
        size, at_size = self._largest(lang, variant)
        if not size:
            return None
        return format_bytes_per_element(rec.median_metric(at_size, "peak_delta_bytes") / size)

    def _peak_delta(self, words):
        lang, variant = words
        size, at_size = self._largest(lang, variant)
        return None if size is None else format_bytes(rec.median_metric(at_size, "peak_delta_bytes"))

    def _size(self, words):
        lang, variant = words
        size, _ = self._largest(lang, variant)
        return None if size is None else f"{size:,}"  # the bare number: the lesson writes the unit

    def _ratio(self, words):
        metric, subject_lang, subject_variant, slash, reference_lang, reference_variant = words
        if slash != "/":
            raise ValueError("expected '/'")
        entry = {
            "id": "placeholder", "metric": metric, "experiment": self.experiment,
            "subject": {"lang": subject_lang, "variant": subject_variant},
            "reference": {"lang": reference_lang, "variant": reference_variant},
        }
        measurements, _ = claims.measure(entry, self.records)
        return format_ratio(measurements[0].ratio) if measurements else None

    def _metric(self, words):
        """{{metric NAME LANG VARIANT}}: the median of one field or metrics entry at the largest size,
        formatted by its unit suffix (_bytes, _seconds; otherwise a plain number, whole from 100 up)."""
        name, lang, variant = words
        size, at_size = self._largest(lang, variant, metric=name)
        if size is None:
            return None
        value = rec.median_metric(at_size, name)
        if name.endswith("_bytes"):
            return format_bytes(value)
        if name.endswith("_seconds"):
            return format_seconds(value)
        if abs(value) >= 100:
            return f"{value:,.0f}"  # 1,234 rather than 1.23e+03
        return f"{value:.3g}"

    def _progress(self, words):
        """{{progress LANG VARIANT}}: how far the runs stopped at the time cap got, at the largest such
        size: "3.1% of its 49,152 pages" (the median over repeats)."""
        lang, variant = words
        stopped = [r for r in rec.select(self.records, ok_only=False, lang=lang, variant=variant)
                   if r["outcome"] == "timeout" and "fraction" in (r.get("progress") or {})]
        if not stopped:
            return None
        size = max(r["size"] for r in stopped)
        at_size = [r["progress"] for r in stopped if r["size"] == size]
        fraction = rec.stats(progress["fraction"] for progress in at_size)[0]
        return f"{format_share(fraction)} of its {at_size[0]['total']:,.0f} {at_size[0]['unit']}"

    def _env(self, words):
        """{{env FIELD}}: a field of the env block of this experiment's newest record ("3.11.2" for
        python_version, "madvise" for thp_enabled), so a lesson says which Python, NumPy, kernel and
        THP mode its figures were measured with."""
        (field,) = words
        if not self.records:
            return None
        value = (max(self.records, key=rec.recorded_time).get("env") or {}).get(field)
        return None if value in (None, "") else str(value)

    def _verdict(self, words):
        (claim_id,) = words
        return self.verdicts.get(claim_id)
