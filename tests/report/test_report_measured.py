# Protects the place of `oomlab measure` records in the report: a reader's own commands get a section
# of their own and never enter the experiments' records, claims or failures (an OOM kill under a
# what-if limit is an answer). Easy to break: load_records reads every *.jsonl under results/.
import json

from report import blocks as b
from report import measured
from report import records as rec

MIB = 1024 * 1024


def measure_record(profile, outcome, seconds, peak_bytes, **extra):
    return {"schema": "oomlab.record/1", "experiment": "measure", "variant": "job", "lang": "cmd", "size": 0,
            "scale": "measure", "outcome": outcome, "swap_profile": profile, "child_wall_seconds": seconds,
            "tree_peak_bytes": peak_bytes, "tree_peak_source": "cgroup", "largest_process_peak_bytes": 64 * MIB,
            "rss_sum_peak_bytes": 300 * MIB, "anon_bytes_at_sampled_peak": peak_bytes, "file_bytes_at_sampled_peak": 0,
            "measured_command": ["./job", "--big"], "command": "build/oomlab measure -- ./job --big",
            "timeline": {"t_seconds": [0.0, 0.1, 0.2], "rss_bytes": [0, peak_bytes, 0],
                         "cgroup_bytes": [0, peak_bytes, 0]},
            "env": {"machine_id": "m1"}, "recorded_at": "2026-11-30T10:00:00Z", **extra}


def write_results(tmp_path):
    machine = tmp_path / "m1"
    (machine / "measure").mkdir(parents=True)
    (machine / "measure" / "job.jsonl").write_text("\n".join(json.dumps(r) for r in [
        measure_record("ram", "ok", 2.0, 256 * MIB),
        measure_record("ram", "ok", 4.0, 256 * MIB),
        measure_record("none", "oom_killed", 0.5, 128 * MIB, mem_limit_bytes=128 * MIB),
        measure_record("ssd", "ok", 9.0, 128 * MIB, mem_limit_bytes=128 * MIB, swap_used_peak_bytes=130 * MIB),
        # Stopped 5 s by Ctrl-Z: its time is not the command's speed, so the row has none.
        measure_record("zram", "ok", 14.0, 100 * MIB, mem_limit_bytes=128 * MIB, stopped_seconds=5.0),
    ]) + "\n")
    (machine / "calibrate.jsonl").write_text(json.dumps({
        "experiment": "calibrate", "variant": "buffer", "lang": "cpp", "size": 64, "outcome": "ok",
        "env": {"machine_id": "m1"}}) + "\n")
    return tmp_path


def test_measure_records_stay_out_of_the_experiments_records(tmp_path):
    results = write_results(tmp_path)
    assert [r["experiment"] for r in rec.load_records([results])] == ["calibrate"]
    assert len(measured.load_measure_records([results])) == 5


def test_the_section_has_a_row_per_profile_with_the_ratio_to_ram(tmp_path):
    results = write_results(tmp_path)
    document = b.Document(title="t")
    measured.section(document, measured.load_measure_records([results]), tmp_path)
    [table] = [block for block in document.blocks if isinstance(block, b.Table)]
    rows = {row[0]: row for row in table.rows}
    assert list(rows) == ["`ram`", "`none`", "`ssd`", "`zram`"]
    # ram: the median of 2 s and 4 s; ssd: 9 s against it is 3×; an OOM kill has no ratio, nor a
    # paused run (zram) a time.
    assert rows["`ram`"][2] == "3.000 s" and rows["`ram`"][9] == "2"
    assert rows["`ssd`"][3] == "3.00×" and rows["`none`"][3] == "–"
    assert rows["`none`"][1] == "oom_killed"
    assert rows["`zram`"][2] == "–" and rows["`zram`"][3] == "–" and rows["`zram`"][4] == "100.0 MiB"
    assert any(isinstance(block, b.Figure) for block in document.blocks)
