"""Builders of realistic synthetic records and experiment folders for the report's tests.

They follow the record contract (DESIGN.md, "Result record"), so a test can state in one line the
measurement it needs: `make_record(variant="remedy", bytes_per_element=8.0)`.
"""

import json
from pathlib import Path

MIB = 1024 * 1024
RSS_FLOOR_BYTES = {"py": 14 * MIB, "cpp": 3 * MIB}  # interpreter or bare process before setup


def make_env(machine_id="lab-a", git_commit="c0ffee1", **overrides):
    env = {
        "machine_id": machine_id, "hostname": f"{machine_id}.local", "kernel": "6.1.0-18-amd64",
        "cpu_model": "Intel(R) Xeon(R) CPU @ 2.20GHz", "cpu_count": 2, "mem_total_bytes": 4 * 1024 * MIB,
        "page_size_bytes": 4096, "compiler": "GNU 12.2.0", "cxx_flags": "-O2 -g", "build_type": "RelWithDebInfo",
        "python_version": "3.11.2", "numpy_version": "1.24.2", "python_executable": "/usr/bin/python3",
        "pybind11_version": "2.10.3", "git_commit": git_commit, "git_dirty": False, "oomlab_version": "0.1.0",
    }
    env.update(overrides)
    return env


def make_timeline(lang, peak_delta_bytes, wall_seconds, interval_seconds=0.005):
    """RSS samples: start-up, setup, the measured phase (a ramp to the peak, then release), exit."""
    floor = RSS_FLOOR_BYTES.get(lang, 3 * MIB)
    start_up = 0.04 if lang == "py" else 0.002
    setup = 0.02
    run_start, run_end = start_up + setup, start_up + setup + wall_seconds
    times, rss = [], []
    total = run_end + 0.02
    steps = max(4, int(total / interval_seconds))
    for step in range(steps + 1):
        t = step * total / steps
        if t < start_up:
            value = floor * t / start_up
        elif t < run_start:
            value = floor
        elif t <= run_end:
            progress = (t - run_start) / max(wall_seconds, 1e-9)
            value = floor + peak_delta_bytes * min(1.0, progress * 1.25)
        else:
            value = floor + peak_delta_bytes * 0.1
        times.append(round(t, 6))
        rss.append(int(value))
    return {"t_seconds": times, "rss_bytes": rss, "run_start_seconds": run_start, "run_end_seconds": run_end,
            "sample_interval_seconds": interval_seconds}


def make_record(experiment="lists", variant="baseline", lang="py", size=1_000_000, repeat=1, repeats=3,
                outcome="ok", bytes_per_element=40.0, seconds_per_element=2e-8, machine_id="lab-a",
                git_commit="c0ffee1", recorded_at="2025-01-10T10:00:00+00:00", size_unit="elements",
                metrics=None, timeline=True, reason=None, **fields):
    """One record as the harness writes it; `fields` override or add top-level fields."""
    record = {
        "schema": "oomlab.record/1", "experiment": experiment, "variant": variant,
        "variant_doc": f"{variant} variant of {experiment}", "lang": lang, "size": size, "size_unit": size_unit,
        "repeat": repeat, "repeats": repeats, "scale": "quick", "outcome": outcome,
        "recorded_at": recorded_at, "metrics": metrics or {},
        "command": f"build/oomlab run {experiment} --lang {lang} --variant {variant} --size {size} --repeat {repeats}",
        "env": make_env(machine_id, git_commit),
    }
    if outcome == "ok":
        peak_delta = int(bytes_per_element * size)
        wall = seconds_per_element * size
        floor = RSS_FLOOR_BYTES.get(lang, 3 * MIB)
        record.update({
            "rss_start_bytes": floor, "peak_rss_bytes": floor + peak_delta, "peak_delta_bytes": peak_delta,
            "rss_end_bytes": floor + peak_delta // 10, "wall_seconds": wall, "child_wall_seconds": wall + 0.08,
            "user_seconds": wall * 0.9, "sys_seconds": wall * 0.1, "major_faults": 0,
            "minor_faults": peak_delta // 4096 + 900, "ru_maxrss_bytes": floor + peak_delta,
        })
        if timeline:
            record["timeline"] = make_timeline(lang, peak_delta, wall)
    else:
        record["reason"] = reason or f"{outcome} during the measured phase"
        for name in ("rss_start_bytes", "peak_rss_bytes", "peak_delta_bytes", "wall_seconds"):
            record[name] = None
    record.update(fields)
    return record


def repeats(count=3, spread=0.02, **kwargs):
    """`count` repeats of one point, with a small deterministic spread around bytes_per_element."""
    base = kwargs.pop("bytes_per_element", 40.0)
    factors = [1.0, 1.0 + spread, 1.0 - spread, 1.0 + spread / 2, 1.0 - spread / 2][:count]
    return [make_record(repeat=index + 1, repeats=count, bytes_per_element=base * factor, **kwargs)
            for index, factor in enumerate(factors)]


def write_records(results_dir, records, extra_lines=()):
    """Write records as results/<machine>/<experiment>.jsonl (appending), plus raw extra lines."""
    results_dir = Path(results_dir)
    paths = []
    for record in records:
        path = results_dir / record["env"]["machine_id"] / f"{record['experiment']}.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")
        paths.append(path)
    for line in extra_lines:
        with paths[0].open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")
    return sorted(set(paths))


def write_experiment(experiments_dir, name, title=None, readme=None, claims=(), size_unit="elements",
                     article_remedy=4, theory=None, **extra_meta):
    """An experiment folder: experiment.json (with any extra fields given), README.md and claims.json."""
    folder = Path(experiments_dir) / name
    folder.mkdir(parents=True, exist_ok=True)
    meta = {"title": title or name.title(), "article_remedy": article_remedy, "summary": f"Summary of {name}.",
            "size_unit": size_unit, "sizes": {"quick": [100_000], "default": [1_000_000], "large": [10_000_000]}}
    if theory:
        meta["theory"] = {"bytes_per_element": theory}
    meta.update(extra_meta)
    (folder / "experiment.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    (folder / "README.md").write_text(readme if readme is not None else f"# {name}\n\nThe lesson.\n",
                                      encoding="utf-8")
    (folder / "claims.json").write_text(json.dumps({"claims": list(claims)}, indent=2), encoding="utf-8")
    return folder


def claim_entry(claim_id="C7", metric="peak_delta_bytes", subject=("py", "remedy"), reference=("py", "baseline"),
                article_range=(0.4, 0.6), direction="lower", expected_range=(0.0, 0.3), **fields):
    entry = {
        "id": claim_id, "summary": f"{claim_id} summary", "metric": metric,
        "subject": {"lang": subject[0], "variant": subject[1]},
        "reference": {"lang": reference[0], "variant": reference[1]},
        "article_range": list(article_range), "direction": direction, "expected_range": list(expected_range),
        "band": "theory", "tolerance_reason": "theory: 8 B vs 40 B per element", "headline": True,
    }
    entry.update(fields)
    return entry


def demo_suite(results_dir, experiments_dir):
    """A small but complete data set: two experiments, both languages, three sizes, a failure."""
    lesson = (
        "# Lists against NumPy arrays\n\n"
        "A list of floats costs {{bytes_per_element py baseline}} per element; a float64 array "
        "{{bytes_per_element py remedy}}. At n={{size py baseline}} the list peaks at {{peak_delta py baseline}} "
        "above baseline, the array at {{ratio peak_delta_bytes py remedy / py baseline}} of that. "
        "Verdict on C7: {{verdict C7}}. See [the claims](#claims), [why](#why) and [the code](experiment.py).\n\n"
        "![the bars](figures/lists-peak-time.svg)\n\n"
        "## Why\n\n- a list holds **pointers**\n- each float is a `PyFloatObject`\n\n"
        "| type | bytes |\n|---|--:|\n| list | 40 |\n| array | 8 |\n\n```python\nnp.array(values)\n```\n"
    )
    write_experiment(experiments_dir, "lists", "Lists versus NumPy arrays", lesson, claims=[
        claim_entry("C7"),
        claim_entry("C7", subject=("cpp", "remedy"), reference=("cpp", "baseline"), article_range=(0.4, 0.6),
                    expected_range=(0.9, 1.1)),
        claim_entry("C16", subject=("cpp", "baseline"), reference=("py", "baseline"), article_range=(0.0, 0.5)),
    ], theory={"py:baseline": {"value": 40.3, "source": "FACTS.md"}, "py:remedy": {"value": 8, "source": "dtype"}})
    write_experiment(experiments_dir, "calibrate", "Calibration", "# Calibration\n\nMeasured "
                     "{{peak_delta cpp remedy}} for {{size cpp remedy}} MiB.\n", size_unit="MiB", article_remedy=None)
    records = []
    for size in (100_000, 1_000_000, 4_000_000):
        records += repeats(experiment="lists", lang="py", variant="noop", size=size, bytes_per_element=0.01)
        records += repeats(experiment="lists", lang="py", variant="baseline", size=size, bytes_per_element=40.3)
        records += repeats(experiment="lists", lang="py", variant="remedy", size=size, bytes_per_element=8.1,
                           seconds_per_element=2e-9)
        records += repeats(experiment="lists", lang="cpp", variant="baseline", size=size, bytes_per_element=8.0,
                           seconds_per_element=1e-9)
        records += repeats(experiment="lists", lang="cpp", variant="remedy", size=size, bytes_per_element=8.0,
                           seconds_per_element=1e-9)
    records.append(make_record(experiment="lists", lang="py", variant="remedy_object", size=4_000_000,
                               outcome="oom_killed", reason="killed by the kernel (SIGKILL) at 3.9 GiB"))
    for mib in (16, 64, 256):
        records += repeats(experiment="calibrate", lang="cpp", variant="remedy", size=mib * MIB // MIB,
                           size_unit="MiB", bytes_per_element=1.0 * MIB)
        records += repeats(experiment="calibrate", lang="py", variant="remedy", size=mib, size_unit="MiB",
                           bytes_per_element=1.02 * MIB)
    write_records(results_dir, records)
    return records


# --- special experiments: swap profiles, process trees, compression, Google Benchmark ----------------------

SWAP_PROFILES = ("ram", "none", "ssd", "hdd", "zram")
SWAP_LATENCY_SECONDS = {"ssd": 1.2e-4, "hdd": 9e-3, "zram": 6e-6}
SWAP_CAP_SECONDS = 5.0


def swap_records(machine_id="lab-a", size=96):
    """The swap experiment's shape: OOM under `none`, the time cap under `hdd`, a latency probe in C++."""
    records = []
    for profile in SWAP_PROFILES:
        for lang, variants in (("py", ("sequential", "random")), ("cpp", ("sequential", "random", "probe"))):
            for variant in variants:
                fields = {"swap_profile": profile, "mem_limit_bytes": None if profile == "ram" else 64 * MIB,
                          "size_unit": "MiB", "machine_id": machine_id}
                latency = SWAP_LATENCY_SECONDS.get(profile)
                if profile == "none":
                    records.append(make_record("swap", variant, lang, size, outcome="oom_killed", repeats=1,
                                               reason="killed by the kernel's OOM killer", **fields))
                    continue
                if profile == "hdd" and variant != "probe":
                    fraction = 0.004 if variant == "sequential" else 0.12  # how far it got: the last progress note
                    records.append(make_record("swap", variant, lang, size, outcome="timeout", repeats=1,
                                               reason=f"stopped at the time cap of {SWAP_CAP_SECONDS:g} s",
                                               child_wall_seconds=SWAP_CAP_SECONDS, major_faults=560,
                                               progress={"done": fraction * 24576, "total": 24576, "unit": "pages",
                                                         "fraction": fraction}, **fields))
                    continue
                faults = 0 if profile == "ram" else (90 if variant == "probe" else 4000 if variant == "random" else 900)
                metrics = {}
                if variant == "probe" and latency:
                    metrics = {"swapin_latency_mean_seconds": latency, "swapin_latency_median_seconds": latency * 0.8,
                               "swapin_latency_p90_seconds": latency * 1.5, "probe_major_faults": float(faults)}
                wall = faults * (latency or 0) * 1.1 + 1e-3
                records.append(make_record("swap", variant, lang, size, repeats=1, bytes_per_element=0.01 * MIB,
                                           seconds_per_element=wall / size, metrics=metrics, run_major_faults=faults,
                                           tree_peak_bytes=64 * MIB, tree_peak_delta_bytes=0, **fields))
    return records


def tree_timeline(peak_bytes, processes):
    timeline = make_timeline("py", peak_bytes, 0.2)
    count = len(timeline["t_seconds"])
    timeline["process_count"] = [1 if i < count // 3 else processes for i in range(count)]
    timeline["pss"] = {"t_seconds": timeline["t_seconds"][::2],
                       "pss_sum_bytes": [int(v * 0.6) for v in timeline["rss_bytes"][::2]],
                       "uss_sum_bytes": [int(v * 0.4) for v in timeline["rss_bytes"][::2]]}
    return timeline


def tree_records(machine_id="lab-a", size=2_000_000):
    """A process-tree experiment: families `<way>_n<N>`; RSS sums grow with N faster than the true peak."""
    records = []
    copy = 8 * size
    for lang, family, shared in (("py", "pickled", False), ("py", "fork_numpy", True), ("cpp", "fork_read", True)):
        for workers in (1, 2, 4):
            true_peak = 30 * MIB + copy * (1 if shared else workers)
            rss_sum = 30 * MIB + copy * workers * (1.0 if shared else 1.1)
            fields = {"tree_peak_bytes": int(true_peak), "tree_start_bytes": 30 * MIB,
                      "tree_peak_delta_bytes": int(true_peak - 30 * MIB), "tree_peak_scope": "measured_phase",
                      "rss_sum_peak_bytes": int(rss_sum), "pss_sum_peak_bytes": int(true_peak * 0.97),
                      "uss_peak_bytes": [copy] * workers, "max_process_count": workers + 1}
            records.append(make_record("trees", f"{family}_n{workers}", lang, size, repeats=1, bytes_per_element=8.0,
                                       machine_id=machine_id, timeline=False, **fields))
            records[-1]["timeline"] = tree_timeline(int(rss_sum - 30 * MIB), workers + 1)
    records.append(make_record("trees", "one_copy", "py", size, repeats=1, bytes_per_element=8.0,
                               machine_id=machine_id, tree_peak_bytes=30 * MIB + copy, rss_sum_peak_bytes=30 * MIB + copy,
                               pss_sum_peak_bytes=30 * MIB + copy, max_process_count=1))
    return records


def compression_records(machine_id="lab-a", size=8):
    """A compression experiment: ratio and read-back speed per variant, files read back instead of decompressed."""
    records = []
    for lang in ("py", "cpp"):
        for variant, ratio, speed, peak_fraction in (("baseline", 1.0, None, 1.0), ("remedy_zstd_1_smooth", 4.0, 900.0, 0.3),
                                                     ("remedy_zstd_1_random", 1.02, 1500.0, 1.0),
                                                     ("file_roundtrip", 1.0, 2500.0, 0.05)):
            metrics = {"compression_ratio": ratio, "raw_bytes": size * MIB, "stored_bytes": size * MIB / ratio}
            if speed:
                name = "read_mb_per_second" if variant.startswith("file") else "decompress_mb_per_second"
                metrics[name] = speed * (0.5 if lang == "py" else 1.0)
            records.append(make_record("packing", variant, lang, size, size_unit="MiB", repeats=1,
                                       bytes_per_element=peak_fraction * MIB, metrics=metrics, machine_id=machine_id))
    return records


def benchmark_json(path, kernels=("scale_add", "sum"), types=("double", "float"),
                   sizes=(24_576, 1_048_576, 134_217_728), date="2025-01-10T10:05:00+00:00"):
    """A Google Benchmark 1.7 JSON file as `oomlab bench` writes it; float twice as fast per element in DRAM."""
    benchmarks = []
    for kernel in kernels:
        for type_ in types:
            width = 8 if type_ == "double" else 4
            for size in sizes:
                bytes_per_second = (50e9 if size < 2_000_000 else 10e9)
                benchmarks.append({
                    "name": f"BM_{kernel}_{type_}/{size}", "run_name": f"BM_{kernel}_{type_}/{size}",
                    "run_type": "iteration", "repetitions": 1, "repetition_index": 0, "threads": 1,
                    "iterations": 1000, "real_time": size / bytes_per_second * 1e9, "cpu_time": size / bytes_per_second * 1e9,
                    "time_unit": "ns", "bytes_per_second": bytes_per_second,
                    "items_per_second": bytes_per_second / width, "label": "L1" if size < 50_000 else "DRAM"})
    data = {"context": {"date": date, "host_name": "lab-a", "executable": "build/bench_vectors", "num_cpus": 2,
                        "caches": [{"type": "Data", "level": 1, "size": 49152, "num_sharing": 1},
                                   {"type": "Instruction", "level": 1, "size": 32768, "num_sharing": 1},
                                   {"type": "Unified", "level": 2, "size": 2097152, "num_sharing": 1},
                                   {"type": "Unified", "level": 3, "size": 33554432, "num_sharing": 2}],
                        "library_build_type": "release"},
            "benchmarks": benchmarks}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def special_suite(results_dir, experiments_dir, machine_id="lab-a", parts=("swap", "trees", "packing", "vectors")):
    """Swap, process-tree, compression and benchmark experiments, with folders, claims and records."""
    write_experiment(experiments_dir, "swap", "Swap profiles", "# Swap\n\nssd {{metric swapin_latency_mean_seconds "
                     "cpp ssd:probe}}.\n", size_unit="MiB", article_remedy=1, claims=[
                         {"id": "C1", "kind": "outcome", "summary": "swap lets it finish",
                          "subject": {"lang": "cpp", "variant": "ssd:sequential"}, "subject_outcome": "ok",
                          "reference": {"lang": "cpp", "variant": "none:sequential"}, "reference_outcome": "oom_killed"},
                         claim_entry("C2", metric="swapin_latency_mean_seconds", subject=("cpp", "hdd:probe"),
                                     reference=("cpp", "ssd:probe"), article_range=(10, 1e6), direction="higher",
                                     expected_range=(10, 1e6), timed=True)])
    meta_path = Path(experiments_dir) / "swap" / "experiment.json"
    meta = json.loads(meta_path.read_text())
    meta.update({"swap_profiles": list(SWAP_PROFILES), "timeout_seconds": {"quick": SWAP_CAP_SECONDS}})
    meta_path.write_text(json.dumps(meta))
    write_experiment(experiments_dir, "trees", "Process trees", "# Trees\n", article_remedy=2, claims=[
        claim_entry("C3", metric="tree_peak_delta_bytes", subject=("py", "pickled_n4"), reference=("py", "pickled_n1"),
                    article_range=(3, 5), direction="higher", expected_range=(3, 5))])
    write_experiment(experiments_dir, "packing", "Compression", "# Packing\n", size_unit="MiB", article_remedy=7)
    write_experiment(experiments_dir, "vectors", "float32 kernels", "# Vectors\n", article_remedy=5)
    builders = {"swap": swap_records, "trees": tree_records, "packing": compression_records}
    records = [record for part in parts if part in builders for record in builders[part](machine_id)]
    write_records(results_dir, records)
    if "vectors" in parts:
        benchmark_json(Path(results_dir) / machine_id / "vectors.benchmark.json")
    return records
