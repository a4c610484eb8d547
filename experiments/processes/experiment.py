"""Process count (the article's remedy 2), Python side: what N worker processes really copy of one data set.

The data set is `size` float64 values, built before the measured phase (a NumPy array, or a list of
floats for the list variants), so the measured phase holds only what sharing it with N workers costs.
Each worker reads all of it (a sum) and holds what it holds until every worker does, so the tree's peak
is simultaneous. A variant's name ends in its worker count: `baseline_pickled_n4` has 4 workers. The
harness measures the whole tree (a memory cgroup, sampled RSS and PSS sums); at the plateau the variant
adds the RSS and PSS sums read once, and each worker its private memory. Mirrors experiment.cpp.
"""
import gc
import multiprocessing
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from multiprocessing import forkserver, resource_tracker
from multiprocessing.shared_memory import SharedMemory

import numpy as np

# Workers hold their data this long once every worker has it (and after the snapshot of the tree), so
# that the harness's RSS sampler, every 20 ms, sees the plateau too.
HOLD_SECONDS = 0.05
# A barrier that waits longer than this has lost a worker: fail (with the worker's error) instead of hanging.
BARRIER_TIMEOUT_SECONDS = 60
# Single-element reads timed through a Manager proxy: each is a pickled round trip (~50 µs or more).
PROXY_ACCESSES = 1000
# The article's "small pieces": what one task of `small_chunks` carries (64 Ki values, 512 KiB).
CHUNK_VALUES = 64 * 1024
# Values per row of the table that the gc variants share (each row a list: a GC-tracked container).
ROW_VALUES = 4

# The data set, a module global so that forked workers inherit it (fork copies nothing up front).
DATA = None
# Set in each pool worker by its initializer: two barriers shared with the variant's own process. At the
# first every worker holds its data; the variant takes its snapshot of the tree; the second lets them go.
_plateau = _release = None


def values(n):
    """The data set as a float64 array: i * 0.5 for i in range(n)."""
    return np.arange(n, dtype=np.float64) * 0.5


def memory_of(pid="self"):
    """{"rss", "pss", "private"} bytes of one process, from /proc/<pid>/smaps_rollup. RSS counts every
    page it maps; PSS splits each shared page among the processes that map it; private (USS) counts the
    pages no other process maps."""
    kib = {}
    with open(f"/proc/{pid}/smaps_rollup") as rollup:
        for line in rollup:
            name, _, value = line.partition(":")
            if value.strip().endswith("kB"):
                kib[name] = int(value.split()[0])
    return {"rss": kib["Rss"] * 1024, "pss": kib["Pss"] * 1024,
            "private": (kib["Private_Clean"] + kib["Private_Dirty"]) * 1024}


# --- in the workers ---------------------------------------------------------------------------------

def _join(plateau, release):
    """Pool initializer: remember the barriers shared with the variant's process."""
    global _plateau, _release
    _plateau, _release = plateau, release


def _at_plateau(checksum, **extra):
    """Notes this worker's private memory, waits until every worker holds its data and the variant has
    read the tree, then reports (the task's data is freed when it returns)."""
    report = {"checksum": checksum, "worker_private_bytes": memory_of()["private"], **extra}
    _plateau.wait(BARRIER_TIMEOUT_SECONDS)
    _release.wait(BARRIER_TIMEOUT_SECONDS)
    return report


def read_argument(array):
    """Task: sum the array it was given (it arrived pickled, so this worker holds its own copy)."""
    return _at_plateau(float(array.sum()))


def read_inherited_numpy(_):
    """Task: sum the inherited array (reading a NumPy buffer writes nothing: its pages stay shared)."""
    return _at_plateau(float(DATA.sum()))


def read_inherited_list(_):
    """Task: sum the inherited list of floats; each read writes the float's refcount, so its page is copied."""
    total = sum(DATA)
    started = time.perf_counter()  # a second pass, pages already copied: the cost of one access alone
    for i in range(len(DATA)):
        DATA[i]
    seconds_per_access = (time.perf_counter() - started) / len(DATA)
    return _at_plateau(total, seconds_per_element_access=seconds_per_access)


def collect_then_read_rows(_):
    """Task: a full collection (it writes the GC header of every tracked object), then read every row."""
    gc.collect()
    after_collect = memory_of()["private"]
    total = sum(sum(row) for row in DATA)
    return _at_plateau(total, worker_private_after_collect_bytes=after_collect)


def read_shared_memory(name_shape_dtype):
    """Task: attach the shared block by name and sum it through a NumPy view: no copy."""
    name, shape, dtype = name_shape_dtype
    block = SharedMemory(name=name)
    view = np.ndarray(shape, dtype=dtype, buffer=block.buf)
    report = _at_plateau(float(view.sum()))
    del view  # a live view would make close() fail
    block.close()
    return report


def read_through_proxy(proxy):
    """Task: time single reads through the Manager proxy, then read all of it in pieces."""
    started = time.perf_counter()
    for i in range(PROXY_ACCESSES):
        proxy[i]
    seconds_per_access = (time.perf_counter() - started) / PROXY_ACCESSES
    total = 0.0
    for start in range(0, len(proxy), CHUNK_VALUES):
        total += sum(proxy[start:start + CHUNK_VALUES])  # each slice: pickled, sent, unpickled here
    return _at_plateau(total, seconds_per_element_access=seconds_per_access)


def sum_piece(piece):
    """Task of `small_chunks`: sum one small piece (pickled, like any argument, but small)."""
    return float(piece.sum())


# --- in the variant's own process -------------------------------------------------------------------

def _pool_reports(run, context, workers, task, arguments):
    """Runs one task per worker, all holding their data at once; notes the tree there and stops the run."""
    plateau, release = context.Barrier(workers + 1), context.Barrier(workers + 1)
    with context.Pool(workers, initializer=_join, initargs=(plateau, release)) as pool:
        # A worker blocked at the barrier takes no second task, so each of the N tasks has its own worker.
        pending = pool.map_async(task, arguments, chunksize=1)
        try:
            plateau.wait(BARRIER_TIMEOUT_SECONDS)
        except threading.BrokenBarrierError:
            pending.get(timeout=1)  # raises a worker's own error, if one failed before its plateau
            raise
        run.sample_tree()  # the harness samples every process of the tree at this plateau
        time.sleep(HOLD_SECONDS)
        release.wait(BARRIER_TIMEOUT_SECONDS)
        reports = pending.get()
        run.stop()  # the cgroup's high-water mark has seen the plateau; nothing after this is measured
    for name in reports[0]:
        if name != "checksum":  # the workers' own figures, averaged over the workers
            run.add_metric(name, float(np.mean([report[name] for report in reports])))


def _fork_inherited(run, workers, data, task, freeze=False):
    """Forked workers run `task` on `data`, which they inherit as the module global DATA. The data was
    built before the measured phase; with `freeze`, gc.freeze() runs just before the fork."""
    global DATA
    DATA = data
    if freeze:
        gc.freeze()  # moves every tracked object to the permanent generation: collections skip them
    run.start()
    try:
        _pool_reports(run, multiprocessing.get_context("fork"), workers, task, range(workers))
    finally:
        if freeze:
            gc.unfreeze()
        DATA = None


def _start_helpers(method):
    """Starts what spawn and forkserver need once per program, not per worker, so that the measured phase
    holds the per-worker cost only: the resource tracker, and a fork server with NumPy preloaded."""
    resource_tracker.ensure_running()
    if method == "forkserver":
        # Not this module: Python 3.11's fork server ignores the sys.path it is given (cpython gh-117378)
        # and drops the ImportError; each worker imports this small module itself.
        multiprocessing.get_context("forkserver").set_forkserver_preload(["numpy"])
        forkserver.ensure_running()


def variant_one_copy(run):
    """The parent copies the data set once: the unit the other variants are counted in."""
    data = values(run.size)
    run.start()
    held = data.copy()
    run.stop()
    del held


def baseline_pickled(run, workers):
    """The article's case: the array is a task argument, so each worker unpickles its own copy."""
    data = values(run.size)
    run.start()
    _pool_reports(run, multiprocessing.get_context("fork"), workers, read_argument, [data] * workers)


def fork_inherit_numpy(run, workers):
    """Forked workers read the array they inherited: NumPy reads write nothing, so the pages stay shared."""
    _fork_inherited(run, workers, values(run.size), read_inherited_numpy)


def fork_inherit_list(run, workers):
    """Forked workers read an inherited list of floats: each read writes a refcount, so pages get copied."""
    _fork_inherited(run, workers, values(run.size).tolist(), read_inherited_list)


def _rows(n):
    """The data set as a table: a list of rows, each a list of ROW_VALUES floats (a tracked container)."""
    flat = values(n).tolist()
    return [flat[i:i + ROW_VALUES] for i in range(0, n, ROW_VALUES)]


def fork_inherit_rows(run, workers):
    """Forked workers collect garbage, then read an inherited table of list rows: both copy pages."""
    _fork_inherited(run, workers, _rows(run.size), collect_then_read_rows)


def gc_freeze(run, workers):
    """gc.freeze() before the fork: the workers' collection writes nothing, their reads still copy."""
    _fork_inherited(run, workers, _rows(run.size), collect_then_read_rows, freeze=True)


def _shared_memory(run, workers, method):
    data = values(run.size)
    _start_helpers(method)
    run.start()
    block = SharedMemory(create=True, size=data.nbytes)
    try:
        view = np.ndarray(data.shape, dtype=data.dtype, buffer=block.buf)
        view[:] = data  # the one copy, into memory every worker can map
        _pool_reports(run, multiprocessing.get_context(method), workers, read_shared_memory,
                      [(block.name, data.shape, data.dtype.str)] * workers)
        del view
    finally:
        block.close()
        block.unlink()


def shared_memory(run, workers):
    """One copy in multiprocessing.shared_memory; forked workers map it and read it through NumPy views."""
    _shared_memory(run, workers, "fork")


def spawn_shared_memory(run, workers):
    """shared_memory with spawned workers: each is a fresh interpreter that imports NumPy itself."""
    _shared_memory(run, workers, "spawn")


def forkserver_shared_memory(run, workers):
    """shared_memory with workers forked from a fork server that preloaded NumPy (3.14's default method)."""
    _shared_memory(run, workers, "forkserver")


def manager(run, workers):
    """The list lives in a Manager's server process; workers read it through a proxy, one pickle per call."""
    data = values(run.size).tolist()
    run.start()
    context = multiprocessing.get_context("fork")
    with context.Manager() as server:
        proxy = server.list(data)  # pickled to the server, which builds its own list
        _pool_reports(run, context, workers, read_through_proxy, [proxy] * workers)


def manager_first(run, workers):
    """The same Manager, started before the list exists: its server shares none of the list's pages."""
    context = multiprocessing.get_context("fork")
    with context.Manager() as server:  # forked from a parent that holds no data yet
        data = values(run.size).tolist()
        run.start()  # the server's own start-up is before the phase here, inside it in `manager`
        proxy = server.list(data)
        _pool_reports(run, context, workers, read_through_proxy, [proxy] * workers)


def threads(run, workers):
    """N threads sum the one array: one copy, and NumPy releases the GIL while it sums."""
    data = values(run.size)
    run.start()
    plateau, release = threading.Barrier(workers + 1), threading.Barrier(workers + 1)

    def read(_):
        checksum = float(data.sum())
        plateau.wait(BARRIER_TIMEOUT_SECONDS)
        release.wait(BARRIER_TIMEOUT_SECONDS)
        return checksum

    with ThreadPoolExecutor(workers) as pool:
        pending = pool.map(read, range(workers))
        plateau.wait(BARRIER_TIMEOUT_SECONDS)
        run.sample_tree()  # the harness samples every process of the tree at this plateau
        time.sleep(HOLD_SECONDS)
        release.wait(BARRIER_TIMEOUT_SECONDS)
        list(pending)
    run.stop()


def small_chunks(run, workers):
    """The article's advice: pass workers small pieces (CHUNK_VALUES each), never the whole data set."""
    data = values(run.size)
    run.start()
    pieces = (data[start:start + CHUNK_VALUES] for start in range(0, run.size, CHUNK_VALUES))
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        sum(pool.imap_unordered(sum_piece, pieces))
        run.sample_tree()  # the workers are still there: a quick run can end between two samples
        run.stop()


# Which worker counts each way of sharing is measured with. The full sweep for the ways whose cost
# depends on N; fewer for the slow ones (spawned interpreters, Manager round trips) and for the gc pair,
# whose figure is per worker. Each becomes variant_<name>_n<N>: the harness knows only variant × size.
WORKER_COUNTS = {
    baseline_pickled: (1, 2, 4, 8),
    fork_inherit_numpy: (1, 2, 4, 8),
    fork_inherit_list: (1, 2, 4),
    fork_inherit_rows: (2,),
    gc_freeze: (2,),
    shared_memory: (1, 2, 4, 8),
    spawn_shared_memory: (1, 4),
    forkserver_shared_memory: (1, 4),
    manager: (1, 4),
    manager_first: (4,),
    threads: (1, 2, 4, 8),
    small_chunks: (1, 4),
}


def _variant(way, workers):
    def variant(run):
        way(run, workers)

    first_line = way.__doc__.splitlines()[0]
    variant.__doc__ = f"{first_line} (N = {workers})"
    return variant


for _way, _counts in WORKER_COUNTS.items():
    for _workers in _counts:
        globals()[f"variant_{_way.__name__}_n{_workers}"] = _variant(_way, _workers)
