# Protects the lesson placeholders (report/placeholders.py): lessons quote numbers from results, never
# hand-copied ones, so each `{{…}}` form must render the right number in the right unit, and an unknown or
# unmeasured one must say "(not measured)" with a warning instead of crashing the report.
from report.placeholders import NOT_MEASURED_TEXT, Filler
from report_synthetic import make_record, repeats

RECORDS = (repeats(variant="baseline", size=100_000, bytes_per_element=50.0)
           + repeats(variant="baseline", size=2_000_000, bytes_per_element=40.3, spread=0.0)
           + repeats(variant="remedy", size=2_000_000, bytes_per_element=8.06, spread=0.0)
           + [make_record(variant="remedy", size=10_000_000, outcome="oom_killed")])


def fill(text, records=RECORDS, verdicts=None):
    warnings = []
    filler = Filler("lists", records, verdicts or {"C7": "nuanced"}, warn=warnings.append)
    return filler.fill(text), warnings


def test_each_placeholder_form_renders_from_the_largest_ok_size():
    text, warnings = fill("{{bytes_per_element py baseline}} | {{peak_delta py baseline}} | "
                          "{{ratio peak_delta_bytes py remedy / py baseline}} | {{verdict C7}} | "
                          "n={{ size py remedy }}")
    assert text == "40.3 B | 76.9 MiB | 0.20× | nuanced | n=2,000,000"
    assert warnings == []


def test_unknown_or_unmeasured_placeholders_say_so_and_warn():
    text, warnings = fill("a {{peak_delta cpp baseline}} b {{frobnicate x}} c {{ratio wall_seconds py}} "
                          "d {{verdict C99}}")
    assert text == f"a {NOT_MEASURED_TEXT} b {NOT_MEASURED_TEXT} c {NOT_MEASURED_TEXT} d {NOT_MEASURED_TEXT}"
    assert len(warnings) == 4


def test_placeholders_use_only_the_newest_commit():
    old = repeats(variant="baseline", size=2_000_000, bytes_per_element=99.0, git_commit="old",
                  recorded_at="2024-01-01T00:00:00+00:00")
    text, _ = fill("{{bytes_per_element py baseline}}", records=RECORDS + old)
    assert text == "40.3 B"


def test_text_without_placeholders_is_unchanged():
    assert fill("No {braces} here.")[0] == "No {braces} here."


def test_metric_placeholder_formats_by_unit_suffix():
    records = [make_record(variant="probe", size=96, metrics={"swapin_latency_mean_seconds": 0.0088, "faults": 91.0}),
               make_record(variant="probe", size=96, metrics={"swapin_latency_mean_seconds": 0.0090, "faults": 93.0}),
               make_record(variant="probe", size=96, metrics={"swapin_latency_mean_seconds": 0.0089, "faults": 92.0})]
    text, warnings = fill("{{metric swapin_latency_mean_seconds py probe}} / {{metric faults py probe}} / "
                          "{{metric peak_delta_bytes py probe}}", records=records)
    parts = text.split(" / ")
    assert parts[0].startswith("8.9") and parts[0].endswith("ms"), parts[0]
    assert parts[1] == "92"
    assert parts[2].endswith("B") or parts[2].endswith("MiB"), parts[2]
    assert warnings == []


def test_progress_placeholder_quotes_how_far_the_stopped_runs_got():
    def stopped(size, done):
        return make_record(variant="random", size=size, outcome="timeout",
                           progress={"done": done, "total": 49152, "unit": "pages", "fraction": done / 49152})
    records = [stopped(96, 40000), stopped(192, 1000), stopped(192, 1536), stopped(192, 2000),
               make_record(variant="random", size=64)]  # a finished run says nothing about progress
    text, warnings = fill("{{progress py random}} | {{progress py sequential}}", records=records)
    # The median of the largest size's repeats: 1536 of 49,152 pages.
    assert text == f"3.1% of its 49,152 pages | {NOT_MEASURED_TEXT}"
    assert len(warnings) == 1


def test_shares_round_down_and_keep_a_digit_that_is_not_zero():
    from report.units import format_share
    assert [format_share(f) for f in (0.999, 0.42, 0.038, 0.004, 0.00035, 0.0000477, 0.0)] == [
        "99%", "42%", "3.8%", "0.4%", "0.03%", "<0.01%", "0%"]


def test_env_placeholder_quotes_the_newest_records_environment():
    # Lessons state the Python, NumPy, kernel and THP mode their figures are for; a field an older
    # harness did not record (thp_enabled) must say "(not measured)", not crash or print "None".
    old = make_record(variant="baseline", size=2_000_000, recorded_at="2025-01-09T10:00:00+00:00")
    new = make_record(variant="baseline", size=2_000_000, recorded_at="2025-01-10T11:00:00+00:00")
    new["env"] = dict(new["env"], python_version="3.11.2", thp_enabled="madvise")
    old["env"] = dict(old["env"], python_version="3.10.0")
    text, warnings = fill("{{env python_version}} | {{env thp_enabled}}", records=[old, new])
    assert text == "3.11.2 | madvise"
    assert warnings == []
    text, warnings = fill("{{env thp_enabled}}", records=[old])
    assert text == NOT_MEASURED_TEXT and len(warnings) == 1
