"""Measuring first (beyond the article), Python side: the same peaks seen by tracemalloc and by RSS.

tracemalloc counts the bytes that Python's allocators hand out (and what extensions report to it, as
NumPy does); RSS counts the pages the process has in memory. Each variant makes one kind of memory
with tracemalloc on (started just before the measured phase), and records what tracemalloc saw
(`tracemalloc_peak_bytes`) next to the harness's peak above baseline, and the share of the RSS peak that
tracemalloc saw (`tracemalloc_to_rss_ratio`). `objects_untraced` is the same list with tracemalloc off.
Mirrors experiment.cpp (RSS only: C++ has no tracemalloc).
"""
import ctypes
import ctypes.util
import os
import tempfile
import tracemalloc

import numpy as np
import zstandard

LIBC = ctypes.CDLL(ctypes.util.find_library("c"))
LIBC.malloc.restype = ctypes.c_void_p
LIBC.malloc.argtypes = [ctypes.c_size_t]
LIBC.free.argtypes = [ctypes.c_void_p]
ZSTD_LEVEL = 19      # a high level: with no size given, its match-finder tables take ~90 MB (window 8 MiB, chain table 2^24)
ZSTD_CHUNK = 65536   # what the streaming compressor is fed; told this size first, zstd sizes its tables to it


class Views:
    """Starts tracemalloc and the measured phase; at the end, records both views of its peak."""

    def __init__(self, run):
        self.run = run
        tracemalloc.start()
        run.start()  # resets the high-water mark (VmHWM) to the RSS now

    def stop(self):
        """Ends the phase and stops tracemalloc; records tracemalloc's peak and its share of the RSS peak."""
        traced_peak = tracemalloc.get_traced_memory()[1]
        self.run.stop()
        tracemalloc.stop()
        self.run.add_metric("tracemalloc_peak_bytes", float(traced_peak))
        self.run.add_metric("tracemalloc_to_rss_ratio", traced_peak / max(self.run.peak_delta_bytes, 4096))


def variant_objects_untraced(run):
    """A list of n floats with tracemalloc off: ~40 B per element, the reference for `objects`."""
    held = [i * 0.5 for i in range(run.size)]
    run.stop()


def variant_objects(run):
    """The same list with tracemalloc on: it counts 32 B per float, while its own records of each block add RSS."""
    views = Views(run)
    held = [i * 0.5 for i in range(run.size)]
    views.stop()


def variant_array(run):
    """A float64 array, written: NumPy reports its buffer to tracemalloc, so both see 8 B per element."""
    views = Views(run)
    held = np.full(run.size, 0.5)
    views.stop()


def variant_array_untouched(run):
    """np.zeros never written: tracemalloc counts 8 B per element, RSS none (the pages are never touched)."""
    views = Views(run)
    held = np.zeros(run.size)
    views.stop()


def variant_c_malloc(run):
    """malloc through ctypes, then written, as a C library does: RSS sees 8 B per element, tracemalloc nothing."""
    views = Views(run)
    size_bytes = 8 * run.size
    block = LIBC.malloc(size_bytes)
    ctypes.memset(block, 1, size_bytes)
    views.stop()
    LIBC.free(block)


def variant_c_library(run):
    """A zstandard compressor at level 19: its tables come from libzstd's malloc, invisible to tracemalloc."""
    chunk = np.full(ZSTD_CHUNK // 8, 0.5).tobytes()
    views = Views(run)
    compressor = zstandard.ZstdCompressor(level=ZSTD_LEVEL).compressobj()
    compressed = compressor.compress(chunk) + compressor.flush()
    views.stop()


def variant_c_library_sized(run):
    """The same compressor told the input's size first (compressobj(size=...), a pledged size): zstd
    picks level 19's parameters for a 64 KiB input and its tables shrink with them."""
    chunk = np.full(ZSTD_CHUNK // 8, 0.5).tobytes()
    views = Views(run)
    compressor = zstandard.ZstdCompressor(level=ZSTD_LEVEL).compressobj(size=len(chunk))
    compressed = compressor.compress(chunk) + compressor.flush()
    views.stop()


def variant_file_mapped(run):
    """An 8n-byte file mapped with np.memmap and read: its pages count in RSS, tracemalloc sees the object only."""
    with tempfile.TemporaryDirectory(prefix="oomlab-measuring-first-") as folder:
        path = os.path.join(folder, "values.f64")
        np.full(run.size, 0.5).tofile(path)  # before the phase: the file is in the page cache, not mapped
        views = Views(run)
        mapped = np.memmap(path, dtype=np.float64, mode="r")
        total = float(mapped.sum())  # reading maps every page into this process
        views.stop()
        del mapped
