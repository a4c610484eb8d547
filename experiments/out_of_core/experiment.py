"""Out of core (beyond the article), Python side: one reduction over a data set larger than memory.

The data set is run.size MiB of float64 values, rows of COLUMNS, written to a file during setup. Every
variant computes the same figures from it: the mean of each column and a histogram of all values
(BINS bins over [0, 1)). Only how the data reaches the reduction differs: all at once (baseline), chunk
by chunk (remedy_chunked), through a memory map (remedy_memmap), or chunk by chunk on Dask workers
(remedy_dask). The sizes straddle the experiment's memory limit: below it loading it all fits, above it
that is an OOM kill. Mirrors experiment.cpp, which writes the same bytes.
"""
import contextlib
import logging
import os
import platform
import tempfile
import time

import numpy as np

MIB = 1024 * 1024
COLUMNS = 8
ROW_BYTES = COLUMNS * 8
BINS = 32
# What one step of the chunked variants reads: the figure their peak should follow, not the data size.
CHUNK_BYTES = 8 * MIB
# The file is one MiB of values repeated: fract(k × golden ratio) for k in 0..131071, evenly spread
# over [0, 1). Cheap to write: computing every value anew would take longer than writing it.
PATTERN_VALUES = MIB // 8
GOLDEN_RATIO_FRACTION = 0.6180339887498949
# During setup the file is flushed to disk and dropped from the page cache every this many MiB: dirty
# pages count against the memory limit, and the measured phase must read from disk every time.
FLUSH_EVERY_MIB = 16
# The harness's scratch folder for this run (TMPDIR, on the local disk): removed with everything in
# it when the run ends, however it ends.
DATA_DIRECTORY = tempfile.gettempdir()

# Dask: a scheduler address (tcp://host:8786) runs remedy_dask on that cluster instead of a LocalCluster.
SCHEDULER_VARIABLE = "OOMLAB_DASK_SCHEDULER"
# With a scheduler on other machines, a directory every worker mounts at the same path (NFS, ...).
SHARED_DIRECTORY_VARIABLE = "OOMLAB_DASK_DATA_DIR"
DASK_WORKERS = 2
# Dask's own governor per worker: from 60-70% it spills data to disk, at 80% it pauses, at 95% the nanny
# restarts the worker. An idle worker holds ~60 MiB (an interpreter with NumPy and distributed).
DASK_WORKER_MEMORY_LIMIT = "192MiB"
# Where LocalCluster workers keep their folders (spilled data, locks): inside the run's scratch folder,
# so even an OOM-killed cluster leaves nothing behind.
DASK_SCRATCH_DIRECTORY = os.path.join(tempfile.gettempdir(), "dask")


def pattern():
    """The repeated MiB of values: fract(k × 0.618…), computed as C++ computes it (x - floor(x))."""
    scaled = np.arange(PATTERN_VALUES, dtype=np.float64) * GOLDEN_RATIO_FRACTION
    return scaled - np.floor(scaled)


def _write_and_drop_cache(file, size_mib):
    """Writes size_mib copies of pattern(), flushing them to disk and out of the page cache as it goes."""
    block = pattern().tobytes()
    for mib in range(size_mib):
        file.write(block)
        if (mib + 1) % FLUSH_EVERY_MIB == 0 or mib + 1 == size_mib:
            file.flush()
            os.fdatasync(file.fileno())
            os.posix_fadvise(file.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)


@contextlib.contextmanager
def data_file(run, directory=None):
    """Writes the data set (run.size MiB), restarts the measured phase and yields a path to it.

    By default the file has no name (O_TMPFILE): the kernel removes it when its last descriptor closes,
    even if the OOM killer ends the process. Readers open it as /proc/<pid>/fd/<fd>, which other
    processes of this machine can open too. With `directory` (for workers on other machines) it is a
    named file there, removed on the way out.
    """
    if directory is None:
        file = tempfile.TemporaryFile(dir=DATA_DIRECTORY, prefix="oomlab-out-of-core-")
        path = f"/proc/{os.getpid()}/fd/{file.fileno()}"
    else:
        file = tempfile.NamedTemporaryFile(dir=directory, prefix="oomlab-out-of-core-", suffix=".f64")
        path = file.name
    with file:  # closes (and so removes) it on every path
        _write_and_drop_cache(file, run.size)
        run.start()
        yield path


def read_rows(path, first_row, rows):
    """rows × COLUMNS values of the file from row first_row: one read, one new array."""
    return np.fromfile(path, dtype=np.float64, count=rows * COLUMNS, offset=first_row * ROW_BYTES).reshape(rows, COLUMNS)


def chunk_bounds(path):
    """(first_row, rows) of each CHUNK_BYTES piece of the file."""
    total_rows = os.path.getsize(path) // ROW_BYTES
    step = CHUNK_BYTES // ROW_BYTES
    return [(first, min(step, total_rows - first)) for first in range(0, total_rows, step)]


def histogram(values):
    """Counts of values in BINS equal bins over [0, 1) (NumPy works through them in 64 Ki blocks)."""
    return np.histogram(values, bins=BINS, range=(0.0, 1.0))[0]


def chunk_histogram(chunk):
    """histogram() of one chunk, as a 1 × BINS block, for Dask to sum over chunks."""
    return histogram(chunk)[np.newaxis, :]


def status_bytes(field):
    """One memory figure of this process from /proc/self/status (VmRSS, VmHWM, RssAnon, ...), in bytes."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise KeyError(field)


def note_resident_kinds(run):
    """RSS now, split into anonymous memory (the process's own) and file pages (mapped page cache)."""
    run.add_metric("rss_anon_end_bytes", float(status_bytes("RssAnon")))
    run.add_metric("rss_file_end_bytes", float(status_bytes("RssFile")))


def report(run, means, counts):
    """The reduction's result as metrics, so every variant (and language) can be checked against the
    others, and what is resident while the data it was computed from is alive."""
    run.add_metric("column_means_sum", float(np.sum(means)))
    run.add_metric("values_counted", float(np.sum(counts)))
    run.add_metric("histogram_moment", float(np.dot(counts, np.arange(BINS))))
    note_resident_kinds(run)


def variant_baseline(run):
    """Load the whole file into one array, then reduce it: needs the data set's size in RAM."""
    with data_file(run) as path:
        data = np.fromfile(path, dtype=np.float64).reshape(-1, COLUMNS)
        report(run, data.mean(axis=0), histogram(data))
        run.stop()


def variant_remedy_chunked(run):
    """Stream the file in 8 MiB chunks (np.fromfile with offsets), adding each chunk's sums and counts."""
    with data_file(run) as path:
        sums, counts, rows = np.zeros(COLUMNS), np.zeros(BINS, dtype=np.int64), 0
        for first_row, chunk_rows in chunk_bounds(path):
            chunk = read_rows(path, first_row, chunk_rows)  # the previous chunk goes only now
            sums += chunk.sum(axis=0)
            counts += histogram(chunk)
            if rows == 0:
                # The tree's PSS at its plateau (a chunk held), asked for rather than left to the
                # periodic walks, which a short run can end between.
                run.sample_tree()
            rows += chunk_rows
        report(run, sums / rows, counts)
        run.stop()


def variant_remedy_memmap(run):
    """Map the file (np.memmap) and run the baseline's reduction on it: the kernel pages it in."""
    with data_file(run) as path:
        data = np.memmap(path, dtype=np.float64, mode="r").reshape(-1, COLUMNS)
        report(run, data.mean(axis=0), histogram(data))
        run.stop()


# --- Dask ------------------------------------------------------------------------------------------

def _reset_peak():
    """On a worker: restart its high-water mark (as the harness does); returns its RSS now."""
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")
    return status_bytes("VmRSS")


def _peak():
    """On a worker: its RSS high-water mark."""
    return status_bytes("VmHWM")


@contextlib.contextmanager
def dask_client(run):
    """A Client of the cluster at $OOMLAB_DASK_SCHEDULER, or of a LocalCluster of DASK_WORKERS processes
    started here (on loopback, per-worker memory limit DASK_WORKER_MEMORY_LIMIT)."""
    from distributed import Client, LocalCluster

    address = os.environ.get(SCHEDULER_VARIABLE)
    started = time.perf_counter()
    with contextlib.ExitStack() as stack:
        if address:
            client = stack.enter_context(Client(address, timeout="30s"))
            client.wait_for_workers(1, timeout=60)
            # Tasks name this module's functions; a LocalCluster's workers import it from the path they
            # inherit, a cluster's workers get the file itself.
            client.upload_file(__file__)
        else:
            cluster = stack.enter_context(LocalCluster(
                n_workers=DASK_WORKERS, threads_per_worker=1, processes=True, memory_limit=DASK_WORKER_MEMORY_LIMIT,
                host="127.0.0.1", dashboard_address=None, local_directory=DASK_SCRATCH_DIRECTORY,
                silence_logs=logging.ERROR))
            client = stack.enter_context(Client(cluster))
        run.add_metric("cluster_start_seconds", time.perf_counter() - started)
        run.add_metric("dask_workers", float(len(client.scheduler_info()["workers"])))
        yield client


def variant_remedy_dask(run):
    """dask.array of 8 MiB chunks read by worker processes (a LocalCluster, or $OOMLAB_DASK_SCHEDULER)."""
    import dask
    import dask.array as da

    # A Client reports this machine's versions to the scheduler, and platform.uname().processor runs
    # `uname -p` in a child process the first time it is read. Read it now, in setup, so that short-lived
    # process is not counted in the measured tree.
    platform.uname().processor
    with data_file(run, directory=os.environ.get(SHARED_DIRECTORY_VARIABLE)) as path, dask_client(run) as client:
        data = da.concatenate([
            da.from_delayed(dask.delayed(read_rows)(path, first_row, rows), shape=(rows, COLUMNS), dtype=np.float64)
            for first_row, rows in chunk_bounds(path)])
        rss_before = client.run(_reset_peak)
        started = time.perf_counter()
        # The same histogram() per chunk as the other variants, summed over chunks. (da.histogram turns
        # bins=32 into an array of edges, and NumPy sorts every chunk to place values among explicit edges.)
        counts = data.map_blocks(chunk_histogram, chunks=((1,) * data.numblocks[0], (BINS,)), dtype=np.int64).sum(axis=0)
        # One compute for both results: each chunk is read once and feeds both reductions.
        means, counts = dask.compute(data.mean(axis=0), counts)
        run.add_metric("compute_seconds", time.perf_counter() - started)
        run.sample_tree()  # the cluster's PSS while it is alive: a short compute can end between two walks
        peaks = client.run(_peak)
        report(run, means, counts)
        run.add_metric("worker_peak_rss_bytes", float(max(peaks.values())))
        run.add_metric("worker_peak_delta_bytes", float(max(peaks[w] - rss_before[w] for w in peaks)))
        run.stop()
