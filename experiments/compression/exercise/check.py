"""Inputs and check of the compression exercise: each chunk's mean, recomputed one chunk at a time."""

import math

import numpy as np

VALUES_PER_CHUNK = 32768  # 256 KiB of float64


def make_chunk(index):
    i = np.arange(index * VALUES_PER_CHUNK, (index + 1) * VALUES_PER_CHUNK, dtype=np.float64)
    return np.round(20.0 + 5.0 * np.sin(i / 20000.0), 2)


def prepare(chunk_count):
    return (chunk_count,)


def check(result, chunk_count):
    result = list(result)
    if len(result) != chunk_count:
        return False, f"{len(result)} means, expected {chunk_count}"
    for index, mean in enumerate(result):
        expected = float(make_chunk(index).mean())
        if not math.isclose(mean, expected, rel_tol=1e-9):
            return False, f"chunk {index}: mean {mean!r}, expected {expected!r}"
    return True, f"{chunk_count} chunk means, each the chunk's own"
