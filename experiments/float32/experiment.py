"""float32 instead of float64 (the article's remedy 5), Python side.

Every variant runs the same work on n values in its own dtype: inputs a and b, the element-wise
scale-and-add a * 1.5 + b, the reduction a.sum() and the matrix product of a, seen as an (n / 16) × 16
matrix, with a 16 × 16 one. All four arrays are alive when the measured phase stops. Afterwards,
outside the measurement, the results are compared with a float64 reference. Mirrors experiment.cpp.
"""
import time
from contextlib import contextmanager

import numpy as np

SCALE = 1.5
MATRIX_WIDTH = 16
# Steps of the low-discrepancy sequences 1 + frac(i * step) that fill a, b and the weights: values
# in [1, 2), never 0, so a relative error is always defined, and the same in experiment.cpp.
A_STEP, B_STEP, WEIGHTS_STEP = 0.6180339887498949, 0.4142135623730951, 0.7548776662466927
CHUNK = 16384  # elements made in float64 at a time, so no float64 copy of a whole input exists
# The running-sum probe: 10^7 times 0.1 (FACTS.md), whatever the run's size.
SUM_TERMS, SUM_TERM = 10_000_000, 0.1


def values(n, step, dtype):
    """n values 1 + frac(i * step) in `dtype`, computed in float64 a chunk at a time."""
    out = np.empty(n, dtype=dtype)
    for start in range(0, n, CHUNK):
        stop = min(start + CHUNK, n)
        scaled = np.arange(start, stop) * step
        out[start:stop] = 1.0 + (scaled - np.floor(scaled))
    return out


@contextmanager
def timed(seconds, name):
    """Stores the time the block took as seconds[name]."""
    started = time.perf_counter()
    yield
    seconds[name] = time.perf_counter() - started


def workload(n, dtype, seconds):
    """The typical work in `dtype`: returns (a, b, scaled, total, product); step times go to `seconds`."""
    rows = n // MATRIX_WIDTH
    a, b = values(n, A_STEP, dtype), values(n, B_STEP, dtype)
    weights = values(MATRIX_WIDTH * MATRIX_WIDTH, WEIGHTS_STEP, dtype).reshape(MATRIX_WIDTH, MATRIX_WIDTH)
    with timed(seconds, "scale_add_seconds"):
        scaled = a * dtype(SCALE) + b  # NumPy reuses the a * 1.5 temporary for the sum: one new array
    with timed(seconds, "sum_seconds"):
        total = a.sum()
    with timed(seconds, "matmul_seconds"):
        product = a[:rows * MATRIX_WIDTH].reshape(rows, MATRIX_WIDTH) @ weights
    return a, b, scaled, total, product


def max_relative_error(result, reference):
    """max |result - reference| / |reference| over the elements, in float64; None if not finite."""
    with np.errstate(over="ignore", invalid="ignore"):
        error = float(np.max(np.abs(np.asarray(result, dtype=np.float64) - reference) / np.abs(reference)))
    return error if np.isfinite(error) else None


def record_precision(run, dtype, results):
    """Errors against the float64 reference, and the running-sum probe; run after run.stop()."""
    _, _, scaled, total, product = results
    if dtype is np.float64:  # the baseline is its own reference: its errors are 0 by definition
        _, _, scaled_64, total_64, product_64 = results
    else:
        _, _, scaled_64, total_64, product_64 = workload(run.size, np.float64, seconds={})
    term = dtype(SUM_TERM)
    terms = np.full(SUM_TERMS, term, dtype=dtype)
    exact_sum = SUM_TERMS * float(term)  # the sum of the stored terms, so only the adding is judged
    errors = {
        "scale_add_error_ratio": max_relative_error(scaled, scaled_64),
        "sum_error_ratio": max_relative_error(total, total_64),
        "matmul_error_ratio": max_relative_error(product, product_64),
        # np.cumsum adds one term at a time (its last element is the naive running total)...
        "naive_sum_error_ratio": max_relative_error(np.cumsum(terms)[-1], exact_sum),
        # ...while np.sum adds pairwise, so its rounding errors grow like log n, not n.
        "library_sum_error_ratio": max_relative_error(terms.sum(), exact_sum),
    }
    for name, error in errors.items():
        if error is not None:
            run.add_metric(name, error)
    # float16 overflows above 65504: an infinite result has no relative error worth a number.
    run.add_metric("overflowed_results_count", sum(error is None for error in errors.values()))


def measure(run, dtype):
    """Runs the workload in `dtype`, stops while its arrays are alive, then records time and precision."""
    seconds = {}
    with np.errstate(over="ignore"):  # float16 sums overflow: that is one of the results
        results = workload(run.size, dtype, seconds)
        run.stop()  # a, b, scaled and product are alive: the peak has seen all four
        for name, value in seconds.items():
            run.add_metric(name, value)
        record_precision(run, dtype, results)


def variant_baseline(run):
    """float64 arrays: 8 bytes per value; the reference for memory, time and precision."""
    measure(run, np.float64)


def variant_remedy(run):
    """float32 arrays: 4 bytes per value, a 24-bit mantissa."""
    measure(run, np.float32)


def variant_remedy_float16(run):
    """float16 arrays: 2 bytes per value, but an 11-bit mantissa, a maximum of 65504 and no CPU arithmetic."""
    measure(run, np.float16)
