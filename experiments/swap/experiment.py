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
# Progress notes, so that a run stopped at the time cap is recorded with how far it got: after every
# 256 pages (1 MiB: ~2 s of faults on the emulated HDD, while the loop around NumPy costs nothing
# measurable in RAM), and after every 64 elements of the list (each may be a fault of its own).
PAGES_PER_PROGRESS_NOTE = 256
ELEMENTS_PER_PROGRESS_NOTE = 64


def written_buffer(size_mib):
    """Every page written, so every page is resident or swapped out: none is a shared zero page."""
    return np.ones(size_mib * MIB, dtype=np.uint8)


def variant_sequential(run):
    """3 passes over the buffer, page by page in address order: readahead helps."""
    buffer = written_buffer(run.size)
    run.start()
    started = time.perf_counter()
    pages = buffer[::PAGE_BYTES]  # a view: one byte of each page
    pages_read = SEQUENTIAL_PASSES * pages.size
    checksum, pages_done = 0, 0
    for _ in range(SEQUENTIAL_PASSES):
        for first in range(0, pages.size, PAGES_PER_PROGRESS_NOTE):
            block = pages[first:first + PAGES_PER_PROGRESS_NOTE]
            checksum += int(block.sum())
            pages_done += block.size
            run.note_progress(pages_done, pages_read, "pages")
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
    for first in range(0, offsets.size, PAGES_PER_PROGRESS_NOTE):
        block = offsets[first:first + PAGES_PER_PROGRESS_NOTE]
        checksum += int(buffer[block].sum())  # fancy indexing reads the pages in the shuffled order
        run.note_progress(first + block.size, offsets.size, "pages")
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
    for first in range(0, count, ELEMENTS_PER_PROGRESS_NOTE):
        elements = min(ELEMENTS_PER_PROGRESS_NOTE, count - first)
        for _ in range(elements):
            total += values[index]
            index = (index + OBJECT_STRIDE) % count
        run.note_progress(first + elements, count, "elements")
    run.add_metric("elements_read", float(count))
    run.stop()
