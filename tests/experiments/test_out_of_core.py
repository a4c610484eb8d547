# Protects the out-of-core lesson (experiments/out_of_core): under a memory limit smaller than the file,
# every remedy computes the same result as loading it all, holds chunks rather than the data set, and
# leaves nothing behind; remedy_dask runs on a cluster that is not its own. Easy to break: a reader that
# keeps its chunks (a list, a concatenate), a Dask graph that gathers the array into the client, a data
# file left in /var/tmp after an OOM kill, or a "cluster" run that quietly started a LocalCluster.
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

MIB = 1024 * 1024
CHUNK_BYTES = 8 * MIB  # experiment.py's CHUNK_BYTES, and experiment.cpp's kChunkBytes
EXPERIMENT = "out_of_core"
SCHEDULER_VARIABLE = "OOMLAB_DASK_SCHEDULER"
SHARED_DIRECTORY_VARIABLE = "OOMLAB_DASK_DATA_DIR"


@pytest.fixture(scope="module")
def runs(quick_records):
    """{(lang, variant, size): record} of one quick run (variant as the harness names it: no profile)."""
    records = quick_records(EXPERIMENT)
    if all(r["outcome"] == "skipped" for r in records):
        pytest.skip(f"this machine cannot run the memory limit: {records[0].get('reason')}")
    return {(r["lang"], r["base_variant"], r["size"]): r for r in records}


def sizes(runs):
    return sorted({size for (_, _, size) in runs})


def ok(runs, lang, variant, size):
    record = runs[(lang, variant, size)]
    assert record["outcome"] == "ok", f"{lang} {variant} at {size} MiB: {record['outcome']} {record.get('reason', '')}"
    return record


def above_limit(runs):
    """The sizes whose file is larger than the limit (quick: 288 and 576 MiB against 256 MiB)."""
    limit_mib = next(r["mem_limit_bytes"] for r in runs.values() if "mem_limit_bytes" in r) / MIB
    return [size for size in sizes(runs) if size > limit_mib]


REMEDIES = [("py", "remedy_chunked"), ("py", "remedy_memmap"), ("py", "remedy_dask"),
            ("cpp", "remedy_chunked"), ("cpp", "remedy_memmap")]


def test_loading_it_all_fits_below_the_limit_and_is_killed_above(runs):
    # Theory: the array alone is the file's size; the limit is a cgroup's, so above it is an OOM kill.
    for lang in ("py", "cpp"):
        for size in sizes(runs):
            expected = "oom_killed" if size in above_limit(runs) else "ok"
            assert runs[(lang, "baseline", size)]["outcome"] == expected, (lang, size)
    assert len(above_limit(runs)) >= 2, "the lesson needs two data sizes above the limit"


@pytest.mark.parametrize("lang, variant", REMEDIES)
def test_every_remedy_computes_what_loading_it_all_computes(runs, lang, variant):
    # The histogram counts are integers, exact in every variant and language (bin edges k/32 are exact in
    # binary). Column means are summed in different orders, so they may differ in the last bits only.
    reference = ok(runs, "py", "baseline", sizes(runs)[0])["metrics"]
    for size in sizes(runs):
        metrics = ok(runs, lang, variant, size)["metrics"]
        assert metrics["values_counted"] == size * MIB / 8
        assert metrics["histogram_moment"] == reference["histogram_moment"] * size / sizes(runs)[0]
        assert metrics["column_means_sum"] == pytest.approx(reference["column_means_sum"], rel=1e-9)


@pytest.mark.parametrize("lang, chunks", [("py", 2), ("cpp", 1)])
def test_a_chunked_reader_holds_chunks_not_the_data(runs, lang, chunks):
    # Python holds two chunks (the loop's last one while np.fromfile reads the next), C++ one reused
    # buffer. Measured 15.3 and 8.1 MiB at every size: ±15% covers NumPy's histogram blocks and rounding.
    peaks = {size: ok(runs, lang, "remedy_chunked", size)["peak_delta_bytes"] for size in sizes(runs)}
    for size, peak in peaks.items():
        assert 0.85 * chunks * CHUNK_BYTES <= peak <= 1.15 * chunks * CHUNK_BYTES, (size, peak / MIB)
    # Twice the data above the limit, the same peak: the ratio is 1, not 2.
    small, large = above_limit(runs)[:2]
    assert 0.95 <= peaks[large] / peaks[small] <= 1.05


def test_dask_workers_hold_a_few_chunks_not_the_data(runs):
    # Each worker's own peak (its VmHWM reset before the compute) is a few chunks: the one being read,
    # those waiting for their second consumer, copies between workers. Measured 37 to 54 MiB (5 to 7
    # chunks) at every size. How many are in flight depends on scheduling (work stealing moves chunks
    # when one worker lags), so: at most 10 chunks, and at twice the data at most 1.5× the peak.
    small, large = above_limit(runs)[:2]
    workers = {size: ok(runs, "py", "remedy_dask", size)["metrics"]["worker_peak_delta_bytes"] for size in (small, large)}
    in_mib = {size: peak / MIB for size, peak in workers.items()}
    assert max(workers.values()) <= 10 * CHUNK_BYTES, in_mib
    assert workers[large] / workers[small] <= 1.5, in_mib
    # The client process holds the scheduler's state of every task, which grows a little with their
    # number: measured 17.5 and 17.9 MiB at 288 and 576 MiB (1.02×); 2× would be the data's growth.
    client = {size: ok(runs, "py", "remedy_dask", size)["peak_delta_bytes"] for size in (small, large)}
    assert client[large] / client[small] <= 1.4, {size: peak / MIB for size, peak in client.items()}
    for size in sizes(runs):
        record = ok(runs, "py", "remedy_dask", size)
        assert record["metrics"]["dask_workers"] == 2
        # The variant's process and the two workers, at least (multiprocessing's resource tracker too).
        assert record["max_process_count"] >= 3


@pytest.mark.parametrize("lang", ["py", "cpp"])
def test_a_memory_map_is_file_pages_the_kernel_takes_back(runs, lang):
    limit = next(r["mem_limit_bytes"] for r in runs.values() if "mem_limit_bytes" in r)
    below = sizes(runs)[0]
    # Below the limit nothing takes the pages back: RSS counts every page of the file, as loading it all does.
    record = ok(runs, lang, "remedy_memmap", below)
    assert 0.97 * below * MIB <= record["peak_delta_bytes"] <= 1.05 * below * MIB
    anonymous = {size: ok(runs, lang, "remedy_memmap", size)["metrics"]["rss_anon_end_bytes"] for size in sizes(runs)}
    for size in above_limit(runs):
        record = ok(runs, lang, "remedy_memmap", size)
        # Above it, the map fills what the limit leaves and the kernel recycles its clean pages: RSS stays
        # under the limit, and what is resident is file pages, not the process's own memory.
        assert record["peak_delta_bytes"] <= limit
        assert record["metrics"]["rss_file_end_bytes"] >= 0.7 * limit
        # The process's own (anonymous) memory is the same at every size: within 1 MiB.
        assert abs(anonymous[size] - anonymous[below]) <= MIB, {s: a / MIB for s, a in anonymous.items()}


@pytest.mark.parametrize("lang", ["py", "cpp"])
def test_the_cgroup_charges_a_mapped_page_once_and_a_copied_one_twice(runs, lang):
    below = sizes(runs)[0]
    mapped, loaded = ok(runs, lang, "remedy_memmap", below), ok(runs, lang, "baseline", below)
    if "tree_peak_bytes" not in mapped:
        pytest.skip(mapped.get("tree_peak_reason", "no memory cgroup"))
    # The map's pages are the page cache: the cgroup's peak is its RSS peak (within 2%).
    assert abs(mapped["tree_peak_delta_bytes"] - mapped["peak_delta_bytes"]) <= 0.02 * below * MIB
    # Loading copies the file out of the cache into the array: both are charged until the cache is
    # reclaimed (measured 1.86× the file at 128 MiB, where the limit starts reclaiming).
    assert loaded["tree_peak_delta_bytes"] >= 1.5 * below * MIB


@pytest.mark.parametrize("lang", ["py", "cpp"])
def test_the_cgroup_counts_the_page_cache_a_reader_leaves_behind(runs, lang):
    record = ok(runs, lang, "remedy_chunked", sizes(runs)[0])
    if "tree_peak_bytes" not in record:
        pytest.skip(record.get("tree_peak_reason", "no memory cgroup"))
    # Below the limit the cgroup keeps the whole file as page cache, charged to the run: its peak is the
    # reader's chunks plus the file (measured 128.0 MiB of cache at 128 MiB), within 5%.
    cache = record["tree_peak_delta_bytes"] - record["peak_delta_bytes"]
    assert 0.95 * record["size"] * MIB <= cache <= 1.05 * record["size"] * MIB
    for size in above_limit(runs):
        record = ok(runs, lang, "remedy_chunked", size)
        # Above it, the cache fills the cgroup to its limit (then the kernel reclaims the oldest pages),
        # although the reader itself holds two chunks at most.
        assert 0.9 * record["mem_limit_bytes"] <= record["tree_peak_bytes"] <= record["mem_limit_bytes"]
        assert record["peak_delta_bytes"] <= 0.1 * record["mem_limit_bytes"]


def test_no_data_file_outlives_its_run(runs):
    # Every baseline above the limit was SIGKILLed mid-read, with no chance to clean up: the data file has
    # no name (O_TMPFILE), so the kernel removed it with the process. Each Dask worker removes its folder.
    assert any(r["outcome"] == "oom_killed" for r in runs.values())
    left = [*Path("/var/tmp").glob("oomlab-out-of-core-*"), *Path("/var/tmp/oomlab-dask").glob("*/worker-*")]
    assert left == []


# --- remedy_dask on a cluster of its own: a scheduler and a worker started here, on loopback ------------

def wait_for_file(path, process, seconds):
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert process.poll() is None, f"{process.args[0]} exited early: {process.stderr.read()}"
        assert time.monotonic() < deadline, f"{process.args[0]} wrote no {path.name} within {seconds} s"
        time.sleep(0.1)


@pytest.fixture
def loopback_cluster(tmp_path):
    """The address of a dask-scheduler with one dask-worker (1 thread, 192 MiB), both on 127.0.0.1."""
    scheduler_cli, worker_cli = shutil.which("dask-scheduler"), shutil.which("dask-worker")
    if not scheduler_cli or not worker_cli:
        pytest.skip("dask-scheduler and dask-worker are not installed (Debian python3-distributed)")
    scheduler_file = tmp_path / "scheduler.json"
    processes = []
    try:
        processes.append(subprocess.Popen(
            [scheduler_cli, "--host", "127.0.0.1", "--port", "0", "--no-dashboard", "--scheduler-file", scheduler_file],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True))
        wait_for_file(scheduler_file, processes[0], 60)
        processes.append(subprocess.Popen(
            [worker_cli, "--scheduler-file", scheduler_file, "--host", "127.0.0.1", "--nworkers", "1", "--nthreads", "1",
             "--memory-limit", "192MiB", "--no-dashboard", "--local-directory", tmp_path / "worker"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        yield json.loads(scheduler_file.read_text())["address"]
    finally:
        for process in reversed(processes):
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_remedy_dask_runs_on_the_cluster_its_scheduler_address_names(runs, loopback_cluster, oomlab_binary, tmp_path):
    size = sizes(runs)[0]
    shared = tmp_path / "shared"  # as if every worker mounted it: the data file gets a name there
    shared.mkdir()
    completed = subprocess.run(
        [str(oomlab_binary), "run", EXPERIMENT, "--lang", "py", "--variant", "remedy_dask", "--size", str(size),
         "--repeat", "1", "--results", str(tmp_path / "results"), "--json"],
        env={**os.environ, SCHEDULER_VARIABLE: loopback_cluster, SHARED_DIRECTORY_VARIABLE: str(shared)},
        capture_output=True, text=True, timeout=180)
    assert completed.returncode == 0, completed.stderr
    [record] = [json.loads(line) for line in completed.stdout.splitlines()]
    assert record["outcome"] == "ok", record.get("traceback", record.get("reason"))
    # The one worker of that cluster did the work, and no worker process was started under the run.
    assert record["metrics"]["dask_workers"] == 1
    assert record["max_process_count"] == 1
    assert 0 < record["metrics"]["worker_peak_delta_bytes"] <= 8 * CHUNK_BYTES
    local = ok(runs, "py", "remedy_dask", size)["metrics"]
    assert record["metrics"]["histogram_moment"] == local["histogram_moment"]
    assert record["metrics"]["column_means_sum"] == pytest.approx(local["column_means_sum"], rel=1e-9)
    assert list(shared.iterdir()) == []  # the named data file went with the run
