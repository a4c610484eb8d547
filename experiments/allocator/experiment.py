"""Allocator effects (beyond the article), Python side: memory freed but not given back to the OS.

The work: THREADS long-lived worker threads take turns (a thread pool serving one burst at a time).
In its turn, a thread makes `size` float64 values in 64 KiB NumPy blocks (glibc's heap, below its
mmap threshold), keeps the last block as its result and frees the rest. glibc gives each new thread
its own arena, and keeps an arena's freed memory below a live block: so each arena keeps one burst.
Then the same with worker processes that keep 1% of each task's floats (a per-process cache), which
pins pymalloc's arenas: long-lived workers keep that memory, recycled ones (maxtasksperchild=1) hand
it back by exiting. What stays is measured as RSS after the work is freed (`end_delta_bytes`, and
`rss_after_free_bytes` / `workers_private_after_bytes`). Mirrors experiment.cpp (threads only).
"""
import ctypes
import ctypes.util
import multiprocessing
import threading
import time

import numpy as np

LIBC = ctypes.CDLL(ctypes.util.find_library("c"))  # malloc_trim and mallopt, loaded before any measurement
M_ARENA_MAX = -8  # mallopt(3): the most arenas glibc may create
THREADS = 4
BLOCK_VALUES = 8192  # 64 KiB of float64 per block: below glibc's mmap threshold (128 KiB), so on a heap
WORKERS = 2
TASKS_PER_WORKER = 2
SAMPLE_STRIDE = 100  # a worker's cache keeps every 100th float of a task: 1%
HANDLER_SECONDS = 0.3  # time for the Pool's handler thread (it polls every 0.1 s) to replace exited workers


def burst(n):
    """One thread's turn: n values in 64 KiB blocks, all freed but the last (its result)."""
    blocks = [np.full(BLOCK_VALUES, i * 0.5) for i in range(max(1, n // BLOCK_VALUES))]
    return blocks[-1]  # the others are freed on return; this one sits at the top of the heap


def bursts_in_turns(n):
    """THREADS threads, alive together, each running one burst in its turn. Returns their results."""
    turns = [threading.Event() for _ in range(THREADS + 1)]
    all_done = turns[-1]
    results = [None] * THREADS

    def serve(k):
        np.empty(1)  # the thread's first malloc: glibc gives it an arena now
        turns[k].wait()
        results[k] = burst(n)
        turns[k + 1].set()  # the next thread's turn (after the last one: all done)
        all_done.wait()  # a thread that exits would hand its arena to the next new thread

    threads = [threading.Thread(target=serve, args=(k,)) for k in range(THREADS)]
    for thread in threads:
        thread.start()
    turns[0].set()
    for thread in threads:
        thread.join()
    return results


def variant_baseline(run):
    """Four threads in turns, one arena each: every arena keeps its burst after the free (~4 bursts)."""
    results = bursts_in_turns(run.size)
    run.note_rss("after_free")
    run.stop()


def variant_remedy_trim(run):
    """The same, then malloc_trim(0): the free pages inside every arena go back to the OS."""
    results = bursts_in_turns(run.size)
    LIBC.malloc_trim(0)
    run.note_rss("after_free")
    run.stop()


def variant_remedy_arena_max(run):
    """mallopt(M_ARENA_MAX, 1) first (MALLOC_ARENA_MAX=1): the threads share one arena and reuse one burst's memory."""
    if LIBC.mallopt(M_ARENA_MAX, 1) != 1:
        raise OSError("mallopt(M_ARENA_MAX, 1) failed")
    results = bursts_in_turns(run.size)
    run.note_rss("after_free")
    run.stop()


# Worker processes ----------------------------------------------------------------------------------

_cache = []  # per worker process: what each task leaves behind


def task(n):
    """A worker's task: n floats in a list, 1% of them cached (they pin pymalloc's arenas), a sum returned."""
    values = [i * 0.5 for i in range(n)]
    _cache.append(values[::SAMPLE_STRIDE])
    return sum(values)


def private_bytes(pid):
    """Private (unshared) memory of one process, from /proc/<pid>/smaps_rollup: what it alone holds."""
    with open(f"/proc/{pid}/smaps_rollup") as rollup:
        fields = dict(line.split(":", 1) for line in rollup if line.strip().endswith("kB"))
    return sum(int(fields[name].split()[0]) * 1024 for name in ("Private_Clean", "Private_Dirty"))


def run_pool(run, maxtasksperchild):
    """WORKERS forked workers run WORKERS × TASKS_PER_WORKER tasks; then, with the pool still open and its
    workers idle, their private memory is summed (`workers_private_after_bytes`)."""
    context = multiprocessing.get_context("fork")
    with context.Pool(WORKERS, maxtasksperchild=maxtasksperchild) as pool:
        pool.map(task, [run.size] * (WORKERS * TASKS_PER_WORKER), chunksize=1)
        time.sleep(HANDLER_SECONDS)  # recycled workers have exited and been replaced by fresh ones
        workers = [worker.pid for worker in multiprocessing.active_children()]  # the pool's live workers
        run.add_metric("workers_private_after_bytes", float(sum(private_bytes(pid) for pid in workers)))
        run.add_metric("workers_alive_count", float(len(workers)))
        run.stop()


def variant_pool_long_lived(run):
    """Pool(2): each worker runs 2 tasks and lives on, holding the arenas its cache pins (~1 task each)."""
    run_pool(run, maxtasksperchild=None)


def variant_remedy_recycle(run):
    """Pool(2, maxtasksperchild=1): a worker exits after each task, and its memory with it."""
    run_pool(run, maxtasksperchild=1)
