"""Smaller dtypes (beyond the article), Python side: the narrowest type the data allows.

Three data sets of n elements each, every one held when the measured phase stops:
- levels: integers 0..199 (an age, a percentage), as int64, int16 and uint8;
- labels: one of eight city names per element, as read from a file (a new str object each), as a
  list of str, a NumPy U array, interned str, and categorical codes (uint8 codes + the categories);
- a matrix of n elements with 1% non-zero (10 per row of 1000), dense and as scipy.sparse CSR.
Mirrors experiment.cpp.
"""
import sys

import numpy as np

LEVELS = 200                 # levels are 0..199: they fit uint8 (0..255) and int16 (±32767)
BLOCK = 4096                 # levels are made in blocks: no int64 temporary of n elements, none above 32 KiB
CITIES = [b"Tokyo", b"Yokohama", b"Osaka", b"Nagoya", b"Sapporo", b"Fukuoka", b"Kobe", b"Kyoto"]
LONGEST_CITY = max(len(city) for city in CITIES)
COLUMNS = 1000               # the matrix is (n / 1000) × 1000
NONZERO_PER_ROW = 10         # 1% density, spread so that every 4 KiB page of a dense row gets some


# Levels ------------------------------------------------------------------------------------------

def levels(n, dtype):
    """The n levels, i % 200, written block by block into an array of `dtype`."""
    held = np.empty(n, dtype=dtype)
    for start in range(0, n, BLOCK):
        stop = min(start + BLOCK, n)
        held[start:stop] = np.arange(start, stop) % LEVELS
    return held


def hold(run, *held):
    """Ends the measured phase while `held`, the variant's containers, are alive."""
    run.stop()


def variant_baseline_int64(run):
    """Levels as int64, NumPy's default integer: 8 B each."""
    hold(run, levels(run.size, np.int64))


def variant_remedy_int16(run):
    """Levels as int16 (±32767): 2 B each."""
    hold(run, levels(run.size, np.int16))


def variant_remedy_uint8(run):
    """Levels as uint8 (0..255): 1 B each."""
    hold(run, levels(run.size, np.uint8))


def variant_remedy_downcast(run):
    """Levels read as int64, then astype(uint8) once the range is known: the int64 peak comes first."""
    wide = levels(run.size, np.int64)
    assert 0 <= wide.min() and wide.max() <= np.iinfo(np.uint8).max  # the range check that allows it
    narrow = wide.astype(np.uint8)
    del wide
    hold(run, narrow)


# Labels ------------------------------------------------------------------------------------------

def labels(n):
    """The n labels as a reader makes them: each decoded from bytes, so a new str object each."""
    return (CITIES[i % len(CITIES)].decode() for i in range(n))


def variant_baseline_labels(run):
    """A list of str: an 8 B pointer and a 64 B str object per element, the same eight words over and over."""
    hold(run, list(labels(run.size)))


def variant_baseline_labels_array(run):
    """A NumPy U8 array: 8 characters × 4 B (UCS-4) per element."""
    hold(run, np.fromiter(labels(run.size), dtype=f"U{LONGEST_CITY}", count=run.size))


def variant_remedy_intern(run):
    """A list of sys.intern(label): the eight str objects shared, so 8 B of pointer per element."""
    hold(run, [sys.intern(label) for label in labels(run.size)])


def variant_remedy_categorical(run):
    """A U8 array encoded by np.unique(return_inverse=True): uint8 codes + 8 categories; the sort's temporaries peak first."""
    text = np.fromiter(labels(run.size), dtype=f"U{LONGEST_CITY}", count=run.size)
    categories, inverse = np.unique(text, return_inverse=True)
    codes = inverse.astype(np.min_scalar_type(len(categories) - 1))
    del text, inverse
    assert str(categories[codes[1]]) == CITIES[1].decode()  # the codes decode back to the labels
    hold(run, categories, codes)


def variant_remedy_categorical_stream(run):
    """Codes assigned while reading (a dict from label to code), never a text array: 1 B per element."""
    code_of = {}  # label → code, in order of first appearance: the categories
    codes = np.fromiter((code_of.setdefault(label, len(code_of)) for label in labels(run.size)),
                        dtype=np.uint8, count=run.size)
    categories = np.array(list(code_of))
    hold(run, categories, codes)


# Mostly-zero matrix ------------------------------------------------------------------------------

def nonzero_columns(rows):
    """CSR column indices (int32): row r has its 10 non-zeros at columns 100 j + r % 100."""
    columns = np.tile(np.arange(0, COLUMNS, COLUMNS // NONZERO_PER_ROW, dtype=np.int32), rows)
    columns += np.repeat(np.arange(rows, dtype=np.int32) % (COLUMNS // NONZERO_PER_ROW), NONZERO_PER_ROW)
    return columns


def nonzero_values(count):
    """The non-zero values, 1 to 7."""
    values = np.arange(count, dtype=np.float64)
    values %= 7
    values += 1
    return values


def variant_baseline_dense(run):
    """A dense float64 matrix, 99% zeros: 8 B per element, whatever is in it; then its row sums."""
    rows = run.size // COLUMNS
    matrix = np.zeros((rows, COLUMNS))
    row_of = np.repeat(np.arange(rows), NONZERO_PER_ROW)
    matrix[row_of, nonzero_columns(rows)] = nonzero_values(rows * NONZERO_PER_ROW)
    del row_of
    hold(run, matrix, matrix.sum(axis=1))


def variant_remedy_sparse(run):
    """scipy.sparse CSR: 8 B value + 4 B column per non-zero, + 4 B per row; then its row sums."""
    import scipy.sparse  # here, not at the top: only this variant's child pays for the import
    run.start()  # ...and not inside the measured phase: the module's own memory is not the lesson
    rows = run.size // COLUMNS
    row_starts = np.arange(0, rows * NONZERO_PER_ROW + 1, NONZERO_PER_ROW, dtype=np.int32)
    matrix = scipy.sparse.csr_matrix(
        (nonzero_values(rows * NONZERO_PER_ROW), nonzero_columns(rows), row_starts), shape=(rows, COLUMNS))
    assert matrix.indices.dtype == np.int32  # scipy kept the 4 B indices rather than copying to int64
    hold(run, matrix, matrix.sum(axis=1))
