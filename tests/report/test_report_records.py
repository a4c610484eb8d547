# Protects loading and aggregation of result records (report/records.py): a torn or malformed line must be
# skipped with a warning, never crash the report; older commits must not leak into medians; and the summary
# must be median (min–max) per (machine, experiment, lang, variant, size). All easy to break when the
# record format grows.
import json

import pytest

from report import records as rec
from report_synthetic import make_record, repeats, write_records


def test_malformed_lines_are_skipped_with_a_warning_and_the_rest_is_kept(tmp_path):
    good = repeats(count=2)
    path = write_records(tmp_path, good, extra_lines=[
        '{"experiment": "lists", "variant": "base',          # torn by an interrupted run
        "[1, 2, 3]",                                           # valid JSON, not an object
        json.dumps({"experiment": "lists", "lang": "py"}),   # missing variant, size, outcome
        json.dumps(dict(make_record(), size="big")),          # size is not an integer
        "",                                                    # blank lines are fine
    ])[0]
    warnings = []
    loaded = rec.load_records([tmp_path], warn=warnings.append)
    assert len(loaded) == 2
    assert len(warnings) == 4
    assert all(str(path) in warning for warning in warnings)


def test_a_torn_line_costs_only_itself_when_the_next_record_starts_on_a_fresh_line(tmp_path):
    # What the harness writes after a writer was killed mid-line: the torn start, a newline the next
    # append put first (records.cpp), then whole records. Every whole line is read.
    first, second, third = (dict(make_record(), repeat=index) for index in (1, 2, 3))
    path = tmp_path / "m" / "lists.jsonl"
    path.parent.mkdir()
    path.write_text(json.dumps(first) + "\n" + json.dumps(second)[:40] + "\n" + json.dumps(third) + "\n")
    warnings = []
    loaded = rec.load_records([tmp_path], warn=warnings.append)
    assert [record["repeat"] for record in loaded] == [1, 3]
    assert len(warnings) == 1 and f"{path}:2" in warnings[0]


def test_a_run_stopped_by_ctrl_z_keeps_its_memory_but_not_its_times(tmp_path):
    # Its wall times (and a variant's own timings) include the pause: they are not the job's speed.
    paused = dict(make_record(), repeat=1, stopped_seconds=5.2, wall_seconds=6.0, child_wall_seconds=6.3,
                  metrics={"swapin_latency_mean_seconds": 0.4, "pages": 12.0})
    running = dict(make_record(), repeat=2, wall_seconds=0.8, child_wall_seconds=1.1)
    write_records(tmp_path, [paused, running])
    warnings = []
    first, second = rec.load_records([tmp_path], warn=warnings.append)
    assert "wall_seconds" not in first and "child_wall_seconds" not in first
    assert first["metrics"] == {"pages": 12.0}
    assert first["peak_delta_bytes"] == paused["peak_delta_bytes"]
    assert (second["wall_seconds"], second["child_wall_seconds"]) == (0.8, 1.1)
    assert len(warnings) == 1 and "Ctrl-Z" in warnings[0]


def test_a_missing_results_directory_is_a_warning_not_a_crash(tmp_path):
    warnings = []
    assert rec.load_records([tmp_path / "nowhere"], warn=warnings.append) == []
    assert "does not exist" in warnings[0]


def test_machine_id_comes_from_env_or_else_from_the_folder(tmp_path):
    record = make_record(machine_id="from-env")
    write_records(tmp_path, [record])
    anonymous = dict(make_record())
    anonymous["env"] = {}
    folder = tmp_path / "laptop-7"
    folder.mkdir()
    (folder / "lists.jsonl").write_text(json.dumps(anonymous) + "\n")
    assert sorted(r["machine_id"] for r in rec.load_records([tmp_path])) == ["from-env", "laptop-7"]


def test_newest_commit_wins_per_group_and_older_records_are_counted():
    old = repeats(git_commit="aaa", recorded_at="2025-01-01T10:00:00+00:00", bytes_per_element=50.0)
    new = repeats(git_commit="bbb", recorded_at="2025-01-02T10:00:00Z", bytes_per_element=40.0)
    other_group = repeats(variant="remedy", git_commit="aaa", recorded_at="2025-01-01T10:00:00+00:00")
    kept, ignored = rec.newest_commit_only(old + new + other_group)
    assert kept == new + other_group  # a group measured only by the old commit keeps its records
    assert ignored == old
    assert rec.newest_commit_only(kept) == (kept, [])  # idempotent


def test_newest_is_decided_by_recorded_at_not_by_file_order():
    new = repeats(git_commit="bbb", recorded_at="2025-03-01T00:00:00+00:00")
    old = repeats(git_commit="aaa", recorded_at="2025-01-01T00:00:00+00:00")
    kept, _ = rec.newest_commit_only(new + old)
    assert {r["env"]["git_commit"] for r in kept} == {"bbb"}


def test_summary_is_median_min_max_of_ok_records_per_group():
    records = repeats(count=3, size=1_000_000, bytes_per_element=40.0, spread=0.1)
    records.append(make_record(size=1_000_000, repeat=4, outcome="timeout"))
    (row,) = rec.summarise(records, ["peak_delta_bytes"])
    median, low, high = row["peak_delta_bytes"]
    assert (median, low, high) == (40_000_000, 36_000_000, 44_000_000)
    assert (row["n_ok"], row["n_total"], row["outcomes"]) == (3, 4, {"timeout": 1})


def test_metric_value_reads_fields_metrics_and_derived_bytes_per_element():
    record = make_record(size=1000, bytes_per_element=8.0, metrics={"ratio": 2.5, "flag": True})
    assert rec.metric_value(record, "peak_delta_bytes") == 8000
    assert rec.metric_value(record, "bytes_per_element") == pytest.approx(8.0)
    assert rec.metric_value(record, "ratio") == rec.metric_value(record, "metrics.ratio") == 2.5
    assert rec.metric_value(record, "flag") is None       # a bool is not a measurement
    assert rec.metric_value(make_record(outcome="error"), "peak_delta_bytes") is None
