"""del and rebinding (the article's remedy 3), Python side.

The article's data flow: load → step 1 → step 2, each step a new list of n floats, the size of its
input. The variants differ only in how long each list lives. Then the nuances: a `del` that frees
nothing, and memory that is freed but stays with the process. Mirrors experiment.cpp.
"""
import ctypes
import ctypes.util
import gc

import numpy as np

LIBC = ctypes.CDLL(ctypes.util.find_library("c"))  # for malloc_trim, loaded before any measurement
SAMPLE_STRIDE = 100  # a 1% sample: every 100th value
BLOCK_VALUES = 8192  # 64 KiB of float64 per block: below glibc's mmap threshold, so on its heap


def load(n):
    """The input: n distinct floats, as reading a file would make them."""
    return [i * 0.5 for i in range(n)]


def step1(data):
    """A new list of the same size."""
    return [x * 2.0 for x in data]


def step2(data):
    """Another new list of the same size."""
    return [x + 1.0 for x in data]


def variant_baseline(run):
    """data1, data2, data3: every intermediate stays alive (~3 lists)."""
    data1 = load(run.size)
    data2 = step1(data1)
    data3 = step2(data2)
    run.stop()  # measure while they are alive


def variant_remedy_rebind(run):
    """One name rebound at each step: the old list dies once the new one exists (~2 lists)."""
    data = load(run.size)
    data = step1(data)
    data = step2(data)
    run.stop()


def variant_remedy_del(run):
    """Three names, each deleted as soon as the next step has used it (~2 lists)."""
    data1 = load(run.size)
    data2 = step1(data1)
    del data1
    data3 = step2(data2)
    del data2
    run.stop()


# C6: `del` removes a name. The list goes only when its last reference goes.

def variant_del_while_listed(run):
    """As remedy_del, but a list of the inputs still refers to data1: del frees nothing (~3 lists)."""
    data1 = load(run.size)
    inputs = [data1]  # kept to report on at the end, say
    data2 = step1(data1)
    del data1  # removes the name; `inputs` still holds the list
    data3 = step2(data2)
    del data2
    run.stop()


def steps_deleting_their_argument(data1):
    data2 = step1(data1)
    del data1  # this frame's name only: the caller's `data1` still holds the list
    data3 = step2(data2)
    del data2
    return data3


def variant_del_argument(run):
    """The steps in a function that dels its argument: the caller's name keeps it alive (~3 lists)."""
    data1 = load(run.size)
    data3 = steps_deleting_their_argument(data1)
    run.stop()


def validate(data):
    """A check that fails (the first value is 0.0). Its traceback keeps this frame, and `data`."""
    if data[0] == 0.0:
        raise ValueError("the first value is zero")


def variant_del_traceback(run):
    """A caught exception kept for later: its traceback holds validate()'s frame, and data1 (~3 lists)."""
    data1 = load(run.size)
    try:
        validate(data1)
    except ValueError as error:
        problem = error  # kept to log later: error.__traceback__ → validate's frame → data1
    data2 = step1(data1)
    del data1
    data3 = step2(data2)
    del data2
    run.stop()


class Table:
    """Values with a change callback bound to the table itself: table → bound method → table."""

    def __init__(self, values):
        self.values = values
        self.on_change = self.refresh

    def refresh(self):
        pass


def collections_so_far():
    return sum(generation["collections"] for generation in gc.get_stats())


def run_tables(run, collect):
    # The cyclic GC runs by itself after 700 new container objects. This flow makes a few dozen,
    # so after a collection now it never runs by itself: only an explicit gc.collect() frees a cycle.
    gc.collect()
    run.start()
    collections_before = collections_so_far()
    table1 = Table(load(run.size))
    table2 = Table(step1(table1.values))
    del table1
    if collect:
        gc.collect()
    table3 = Table(step2(table2.values))
    del table2
    if collect:
        gc.collect()
    run.add_metric("gc_collections_count", collections_so_far() - collections_before)
    run.stop()


def variant_del_cycle(run):
    """The lists in objects that refer to themselves: del leaves them to the cyclic GC (~3 lists)."""
    run_tables(run, collect=False)


def variant_del_cycle_collect(run):
    """The same, with gc.collect() after each del: the cycles go at once (~2 lists)."""
    run_tables(run, collect=True)


# Freed, but not given back to the OS. end_delta_bytes (and rss_after_free_bytes) show what stays.

def variant_arena_held(run):
    """One list of n floats and a 1% sample of its floats, both held: the reference for the two below."""
    data = load(run.size)
    sample = data[::SAMPLE_STRIDE]
    run.stop()


def variant_arena_kept(run):
    """del the list but keep 1% of its floats: they pin nearly every pymalloc arena, so RSS stays."""
    data = load(run.size)
    sample = data[::SAMPLE_STRIDE]  # the same float objects, spread over every arena
    del data
    run.note_rss("after_free")
    run.stop()


def variant_arena_released(run):
    """Copy the 1% sample into an array before del: every arena empties and goes back to the OS."""
    data = load(run.size)
    sample = np.array(data[::SAMPLE_STRIDE])  # the values, not the float objects
    del data
    run.note_rss("after_free")
    run.stop()


def load_blocks(n):
    """The n values in blocks of 64 KiB, as a reader that yields blocks: each a malloc on glibc's heap."""
    return [np.full(BLOCK_VALUES, i * 0.5) for i in range(max(1, n // BLOCK_VALUES))]


def variant_heap_held(run):
    """The n values in 64 KiB blocks, all held: the reference for the two below."""
    blocks = load_blocks(run.size)
    run.stop()


def free_all_blocks_but_the_last(run, trim):
    blocks = load_blocks(run.size)
    last = blocks[-1]  # the top of the heap: free() can only shrink the heap from its top
    del blocks
    if trim:
        LIBC.malloc_trim(0)
    run.note_rss("after_free")
    run.stop()


def variant_heap_kept(run):
    """del every block but the last: glibc keeps the freed heap below it, so RSS stays."""
    free_all_blocks_but_the_last(run, trim=False)


def variant_heap_trimmed(run):
    """The same, then malloc_trim(0): glibc hands the free pages inside its heap back to the OS."""
    free_all_blocks_but_the_last(run, trim=True)
