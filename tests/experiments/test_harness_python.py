# Protects the choice of interpreter: the embedded Python must be the system one with Debian's
# NumPy, never a version-manager shim found first on PATH, and the timeline must reach the kernel's
# peak. The sampler's interval and its cost are speeds of a shared machine: `make bench-harness`
# prints them; no test asserts them.
import json


def test_embedded_interpreter_is_the_system_python_and_imports_numpy(oomlab):
    env = json.loads(oomlab("env", "--json").stdout)
    embedded = env["embedded_python"]
    assert embedded["executable"] == "/usr/bin/python3"
    assert embedded["prefix"] == "/usr"
    assert embedded["numpy_version"], embedded.get("numpy_error")
    assert embedded["numpy_version"] == env["build"]["numpy_version"]


def test_timeline_reaches_the_kernels_peak(oomlab, tmp_path):
    # 256 MiB written by NumPy takes a few hundred milliseconds: many samples on the way up.
    oomlab("run", "calibrate", "--lang", "py", "--variant", "numpy", "--size", "256", "--repeat", "1",
               "--results", tmp_path)
    [record] = [json.loads(line) for path in tmp_path.rglob("*.jsonl") for line in path.read_text().splitlines()]
    timeline = record["timeline"]
    assert timeline["run_start_seconds"] < timeline["run_end_seconds"]
    # The sampled curve reaches the kernel's peak within what one sample interval can miss: the
    # steepest rise between two samples (a busy machine writes less per interval, a quiet one more).
    rss = timeline["rss_bytes"]
    steepest_step_bytes = max(later - earlier for earlier, later in zip(rss, rss[1:]))
    assert len(rss) >= 3
    assert max(rss) >= record["peak_rss_bytes"] - steepest_step_bytes
