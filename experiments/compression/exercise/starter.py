"""Exercise (compression): keep 64 chunks (16 MiB) available and query them, under 8 MiB above baseline.

Run it: build/oomlab exercise compression. Change chunk_means only (make_chunk stands for the sensor).
"""

import numpy as np
import zstandard

VALUES_PER_CHUNK = 32768  # 256 KiB of float64


def make_chunk(index):
    """Chunk `index` of a smooth sensor series, readings rounded to 0.01 as the sensor gives them."""
    i = np.arange(index * VALUES_PER_CHUNK, (index + 1) * VALUES_PER_CHUNK, dtype=np.float64)
    return np.round(20.0 + 5.0 * np.sin(i / 20000.0), 2)


def query_order(chunk_count):
    """The chunks in the order queries ask for them: scattered, each once."""
    return [(index * 37) % chunk_count for index in range(chunk_count)]


def chunk_means(chunk_count):
    """Fill the store, then the mean of each chunk (a list in chunk order), queried in a scattered order."""
    store = []
    for index in range(chunk_count):
        store.append(make_chunk(index))
    means = [0.0] * chunk_count
    for index in query_order(chunk_count):
        means[index] = float(store[index].mean())
    return means
