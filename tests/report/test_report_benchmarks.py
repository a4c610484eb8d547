# Protects reading Google Benchmark JSON (report/benchmarks.py): the kernel, type and working set come from
# each benchmark's name by convention (BM_<kernel>_<type>/<bytes>), repetitions are merged by their median,
# and the machine's caches say where a working set lives. Easy to break: the JSON mixes per-repetition runs
# and aggregates, and one misparsed name moves a line on the throughput figure.
import json

import pytest

from report import benchmarks
from report_synthetic import benchmark_json


@pytest.mark.parametrize("name, expected", [
    ("BM_scale_add_float/32768", ("BM_scale_add_float", "scale_add", "float", 32768)),
    ("BM_copy_double/16384/real_time", ("BM_copy_double", "copy", "double", 16384)),
    ("BM_triad", ("BM_triad", "triad", "", None)),
])
def test_names_give_kernel_type_and_working_set(name, expected):
    assert benchmarks.parse_name(name) == expected


def test_repetitions_merge_by_median_and_aggregates_are_not_counted_twice(tmp_path):
    runs = [{"name": "BM_sum_float/1024", "run_type": "iteration", "real_time": t, "time_unit": "us",
             "bytes_per_second": b} for t, b in ((1.0, 10.0), (3.0, 30.0), (2.0, 20.0))]
    runs.append({"name": "BM_sum_float/1024_mean", "run_name": "BM_sum_float/1024", "run_type": "aggregate",
                 "aggregate_name": "mean", "real_time": 99.0, "time_unit": "us", "bytes_per_second": 99.0})
    path = tmp_path / "lab-a" / "vectors.benchmark.json"
    path.parent.mkdir()
    path.write_text(json.dumps({"context": {}, "benchmarks": runs}))
    (row,) = benchmarks.load_file(path).rows
    assert row.seconds_per_iteration == pytest.approx(2e-6) and row.bytes_per_second == 20.0


def test_caches_place_each_working_set(tmp_path):
    run = benchmarks.load_file(benchmark_json(tmp_path / "lab-a" / "vectors.benchmark.json"))
    assert run.machine_id == "lab-a" and run.experiment == "vectors"
    assert run.caches() == [("L1d", 49152), ("L2", 2097152), ("L3", 33554432)]  # the instruction cache is not data
    assert [run.level_of(size) for size in (24_576, 1_048_576, 134_217_728)] == ["L1d", "L2", "DRAM"]
    rows = benchmarks.table_rows(run)
    assert rows[0][:3] == ["`BM_scale_add_double/24576`", "24.0 KiB", "L1d"] and rows[0][4] == "50 GB/s"


def test_a_broken_file_is_warned_about_and_skipped(tmp_path):
    (tmp_path / "lab-a").mkdir()
    (tmp_path / "lab-a" / "x.benchmark.json").write_text("{not json")
    warnings = []
    assert benchmarks.load_benchmarks([tmp_path], warn=warnings.append) == []
    assert "cannot read benchmark JSON" in warnings[0]
