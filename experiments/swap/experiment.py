"""Swap (the article's remedy 1), Python side: the same buffer and access patterns as
experiment.cpp, plus a list of float objects read in a scattered order, as an object graph is.

The buffer is run.size MiB, about 1.5× the profile's memory limit, written during setup.
"""
import time

import numpy as np

MIB = 1024 * 1024
PAGE_BYTES = 4096
SEQUENTIAL_PASSES = 3
# A list of floats costs ~40 B per element (8 B slot + 32 B float block; see list_to_numpy).
LIST_BYTES_PER_ELEMENT = 40
# Visiting every element with this stride (a prime) jumps between pages like pointer chasing does.
OBJECT_STRIDE = 7919
# Work is done in blocks with a progress note after each, so that a run stopped at the time cap is
# recorded with how far it got. A block starts at 16 items and doubles (up to 4096) while one takes
# under FAST_BLOCK_SECONDS: on the emulated HDD a note comes every few faults, while in RAM the loop
# around NumPy adds only a few dozen iterations.
FIRST_BLOCK_ITEMS = 16
LARGEST_BLOCK_ITEMS = 4096
FAST_BLOCK_SECONDS = 0.01


def written_buffer(size_mib, kind="smooth"):
    """Every page written, so every page is resident or swapped out: none is a shared zero page. The
    bytes are those of real data, so zram has to compress them: a page whose bytes are all the same
    (np.ones) is stored by zram as one word, and would make zram look free.
      smooth  a sensor series at 0.01 resolution, float64: a random walk of -1, 0 or +1 counts per
              reading (the compression experiment's `smooth` kind): compressible
      random  uniform random bytes: incompressible
    """
    rng = np.random.default_rng(0)
    if kind == "random":
        return rng.integers(0, 256, size_mib * MIB, dtype=np.uint8)
    # Filled a MiB at a time: whole-buffer temporaries (the steps, their running sum) would be swapped
    # out during setup under the limit, and the setup would cost more than the job.
    readings = np.empty(size_mib * MIB // 8, dtype=np.float64)
    per_chunk, counts = MIB // 8, 0
    for first in range(0, readings.size, per_chunk):
        walk = np.cumsum(rng.integers(-1, 2, min(per_chunk, readings.size - first), dtype=np.int64)) + counts
        readings[first:first + walk.size] = 20.0 + 0.01 * walk
        counts = int(walk[-1])
    return readings.view(np.uint8)


def progress_blocks(run, count, unit, done_before=0, total=None):
    """Yields (first, last) ranges that cover range(count) in order, noting progress after each one:
    done_before + last of total (default count) units."""
    total = count if total is None else total
    first, block_items = 0, FIRST_BLOCK_ITEMS
    while first < count:
        last = min(count, first + block_items)
        started = time.perf_counter()
        yield first, last
        run.note_progress(done_before + last, total, unit)
        if time.perf_counter() - started < FAST_BLOCK_SECONDS:
            block_items = min(2 * block_items, LARGEST_BLOCK_ITEMS)
        first = last


def variant_sequential(run):
    """3 passes over the buffer, page by page in address order: readahead helps."""
    buffer = written_buffer(run.size)
    run.start()
    started = time.perf_counter()
    pages = buffer[::PAGE_BYTES]  # a view: one byte of each page
    pages_read = SEQUENTIAL_PASSES * pages.size
    checksum = 0
    for done_passes in range(SEQUENTIAL_PASSES):
        for first, last in progress_blocks(run, pages.size, "pages", done_passes * pages.size, pages_read):
            checksum += int(pages[first:last].sum())
    run.add_metric("pages_read", float(pages_read))
    run.add_metric("seconds_per_page_read", (time.perf_counter() - started) / pages_read)
    run.add_metric("checksum", float(checksum))
    run.stop()


def variant_random(run):
    """Every page of the buffer once, in random order: each swapped page is a fault."""
    buffer = written_buffer(run.size)
    offsets = np.random.default_rng(0).permutation(buffer.size // PAGE_BYTES) * PAGE_BYTES
    run.start()
    started = time.perf_counter()
    checksum = 0
    for first, last in progress_blocks(run, offsets.size, "pages"):
        checksum += int(buffer[offsets[first:last]].sum())  # fancy indexing reads the pages in the shuffled order
    run.add_metric("pages_read", float(offsets.size))
    run.add_metric("seconds_per_page_read", (time.perf_counter() - started) / offsets.size)
    run.add_metric("checksum", float(checksum))
    run.stop()


def variant_objects(run):
    """A list of floats filling the working set, every element read once in a scattered order."""
    count = run.size * MIB // LIST_BYTES_PER_ELEMENT
    if count % OBJECT_STRIDE == 0:
        count += 1  # keep the stride coprime with the count, so every element is visited
    values = [i * 0.5 for i in range(count)]
    run.start()
    total, index = 0.0, 0
    for first, last in progress_blocks(run, count, "elements"):
        for _ in range(last - first):
            total += values[index]
            index = (index + OBJECT_STRIDE) % count
    run.add_metric("elements_read", float(count))
    run.stop()
