"""Lists of short strings to NumPy arrays (the article's remedy 4, for text), Python side.

Every variant holds the same n codes when the measured phase stops: short ASCII strings of 3 to 12
characters (hex digits of a hash of i). `remedy_outlier` puts one 200-character string among them.
Only the container differs. Mirrors experiment.cpp.
"""
import numpy as np

LONGEST_CODE = 12
OUTLIER = "x" * 200


def code_length(i):
    """3 to 12 characters, 7.5 on average."""
    return 3 + i % 10


def code(i):
    """The i-th code: the first code_length(i) of 12 hex digits of a multiplicative hash of i."""
    return ("%012x" % (i * 2654435761 % 2**48))[:code_length(i)]


def codes(n, outlier=False):
    """The n codes, one new str object at a time; with `outlier`, the middle one is OUTLIER."""
    return (OUTLIER if outlier and i == n // 2 else code(i) for i in range(n))


def hold(run, held):
    """Ends the measured phase while `held`, the variant's container, is alive."""
    run.stop()


def variant_baseline(run):
    """A list of n str: an 8-byte pointer per element, plus a str object (49 B + 1 per character) each."""
    hold(run, list(codes(run.size)))


def variant_remedy(run):
    """NumPy U12: UCS-4, 4 bytes per character, every element padded to the longest code."""
    hold(run, np.fromiter(codes(run.size), dtype=f"U{LONGEST_CODE}", count=run.size))


def variant_remedy_outlier(run):
    """NumPy U200: the same codes and one 200-character string, so every element takes 800 bytes."""
    hold(run, np.fromiter(codes(run.size, outlier=True), dtype=f"U{len(OUTLIER)}", count=run.size))


def variant_remedy_bytes(run):
    """NumPy S12: one byte per ASCII character, padded to the longest code."""
    hold(run, np.fromiter(codes(run.size), dtype=f"S{LONGEST_CODE}", count=run.size))


def variant_remedy_packed(run):
    """All characters in one bytearray, plus an int64 end offset per string (Arrow's layout)."""
    n = run.size
    # String i is characters[ends[i - 1]:ends[i]]. The lengths are known first (code_length, here
    # computed in place in `ends`, then summed in place), so the buffer is allocated once, exactly.
    ends = np.arange(n, dtype=np.int64)
    ends %= 10
    ends += 3
    np.cumsum(ends, out=ends)
    characters = bytearray(int(ends[-1]) if n else 0)
    position = 0
    for text in codes(n):
        characters[position:position + len(text)] = text.encode("ascii")
        position += len(text)
    hold(run, (characters, ends))


def variant_remedy_object(run):
    """An object-dtype array: the same pointers to the same str objects, so no saving."""
    hold(run, np.fromiter(codes(run.size), dtype=object, count=run.size))
