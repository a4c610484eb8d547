"""Exercise (processes): sum a 32 MB array with 2 worker processes, under 48 MiB for the whole tree.

Run it: build/oomlab exercise processes. Change total (and its helpers); keep 2 forked workers.
"""

import multiprocessing

import numpy as np

WORKERS = 2
BLOCKS = 8


def block_sum(data, first, last):
    """One task: the sum of data[first:last]."""
    return float(data[first:last].sum())


def total(data):
    """The sum of data, computed by WORKERS processes, BLOCKS blocks in all."""
    bounds = np.linspace(0, len(data), BLOCKS + 1).astype(int)
    tasks = [(data, first, last) for first, last in zip(bounds[:-1], bounds[1:])]
    with multiprocessing.get_context("fork").Pool(WORKERS) as pool:
        return sum(pool.starmap(block_sum, tasks))
