# Protects the choice of interpreter: the embedded Python must be the system one with Debian's
# NumPy, never a version-manager shim found first on PATH, and the timeline sampler must keep its
# promise (a sample at least every 5 ms, costing under 1% of the run).
import json


def test_embedded_interpreter_is_the_system_python_and_imports_numpy(oomlab):
    env = json.loads(oomlab("env", "--json").stdout)
    embedded = env["embedded_python"]
    assert embedded["executable"] == "/usr/bin/python3"
    assert embedded["prefix"] == "/usr"
    assert embedded["numpy_version"], embedded.get("numpy_error")
    assert embedded["numpy_version"] == env["build"]["numpy_version"]


def test_timeline_samples_every_few_milliseconds_at_low_cost(oomlab, tmp_path):
    # 256 MiB written by NumPy takes a few hundred milliseconds: long enough to judge the sampler.
    oomlab("run", "calibrate", "--lang", "py", "--variant", "numpy", "--size", "256", "--repeat", "1",
               "--results", tmp_path)
    [record] = [json.loads(line) for path in tmp_path.rglob("*.jsonl") for line in path.read_text().splitlines()]
    timeline = record["timeline"]
    # The schedule is every 5 ms; the median may drift by timer jitter, 2% at most.
    assert timeline["sample_interval_seconds"] <= 0.005 * 1.02
    assert timeline["run_start_seconds"] < timeline["run_end_seconds"]
    # The sampled curve reaches the kernel's peak (within the 5% a sample interval can miss).
    assert max(timeline["rss_bytes"]) >= 0.95 * record["peak_rss_bytes"]
    # The parent's CPU time while it watched, over the child's lifetime: measured ~0.8% here.
    assert record["sampler_cpu_fraction"] < 0.01
