"""Solution (processes): forked workers read the array they inherited; a task is two numbers."""

import multiprocessing

import numpy as np

WORKERS = 2
BLOCKS = 8

# The data set, for the workers: a fork copies the parent's page tables, not its pages, and reading
# a NumPy buffer writes nothing to it, so every worker reads the parent's pages, shared.
DATA = None


def block_sum(first, last):
    """One task: the sum of DATA[first:last]."""
    return float(DATA[first:last].sum())


def total(data):
    """The sum of data, computed by WORKERS processes, BLOCKS blocks in all."""
    global DATA
    DATA = data  # set before the pool forks its workers, so they inherit it
    bounds = np.linspace(0, len(data), BLOCKS + 1).astype(int)
    tasks = [(int(first), int(last)) for first, last in zip(bounds[:-1], bounds[1:])]
    try:
        with multiprocessing.get_context("fork").Pool(WORKERS) as pool:
            return sum(pool.starmap(block_sum, tasks))
    finally:
        DATA = None
