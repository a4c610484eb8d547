"""Number formatting shared by the page, the Markdown and the lesson placeholders.

One place decides how a byte count or a ratio is written, so the claims table, the lessons and the
figures never disagree about "76.9 MiB" versus "80.6 MB".
"""

import math

BINARY_UNITS = ("B", "KiB", "MiB", "GiB", "TiB")
UNBOUNDED = 1e4  # a range bound this large is a claims.json's way of writing "no upper limit"
MIB = 1024 * 1024
LANG_NAMES = {"py": "Python", "cpp": "C++"}  # how a language is named on the page


def is_number(value):
    """True for a finite int or float (bools are not measurements)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def format_bytes(count):
    """76.9 MiB: binary units, one decimal place (bytes are printed whole)."""
    if not is_number(count):
        return "–"
    sign = "-" if count < 0 else ""
    value = abs(float(count))
    unit = BINARY_UNITS[0]
    for unit in BINARY_UNITS:
        if value < 1024 or unit == BINARY_UNITS[-1]:
            break
        value /= 1024
    if unit == "B":
        return f"{sign}{value:.0f} B"
    return f"{sign}{value:.1f} {unit}"


def format_bytes_per_element(value):
    """40.3 B: one decimal, always in bytes (a per-element cost is small by nature)."""
    if not is_number(value):
        return "–"
    return f"{value:.1f} B"


def format_ratio(ratio):
    """0.20×, 12.3×, 150×: two significant decimals where they matter."""
    if not is_number(ratio):
        return "–"
    if abs(ratio) < 10:
        return f"{ratio:.2f}×"
    if abs(ratio) < 100:
        return f"{ratio:.1f}×"
    return f"{ratio:.0f}×"


def format_range(bounds):
    """0.4–0.6×, for an article_range or expected_range."""
    if not bounds or len(bounds) != 2:
        return "–"
    low, high = bounds
    if is_number(high) and high >= UNBOUNDED and is_number(low) and low > 0:
        return f"≥ {_plain(low)}×"  # [10, 1e6] says "at least 10×": the upper bound only closes the range
    return f"{_plain(low)}–{_plain(high)}×"


def _plain(number):
    """Shortest readable form of a range bound: 0.4, 1, 2.5."""
    return f"{number:g}" if is_number(number) else "?"


def format_share(fraction):
    """A share of a whole as a percentage, rounded down so that an unfinished job never reads 100%, and
    with a digit that is not zero for a small share: "42%", "3.8%", "0.03%", "<0.01%" (as the harness
    writes it)."""
    percent = 100 * fraction
    decimals = 0 if percent == 0 or percent >= 10 else 1 if percent >= 0.1 else 2
    shown = math.floor(percent * 10 ** decimals + 1e-9) / 10 ** decimals  # 1e-9: 0.4 stays 0.4, not 0.39…
    if shown == 0 and percent > 0:
        return "<0.01%"  # begun, but less than any digit shown
    return f"{shown:.{decimals}f}%"


def format_size(size, size_unit):
    """n=10,000,000 for element counts; 512 MiB (or "512 <unit>") otherwise."""
    if not is_number(size):
        return "–"
    if size_unit in (None, "", "elements"):
        return f"n={int(size):,}"
    return f"{int(size):,} {size_unit}"


def format_seconds(seconds):
    """1.23 s, 45.6 ms, 789 µs: three significant digits."""
    if not is_number(seconds):
        return "–"
    magnitude = abs(seconds)
    if magnitude >= 1 or magnitude == 0:
        return f"{seconds:.3g} s"
    if magnitude >= 1e-3:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds * 1e6:.3g} µs"


def format_number(value):
    """A metric of unknown unit: integers with separators, others with 4 significant digits."""
    if not is_number(value):
        return "–"
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:.4g}"


def format_metric(metric, value):
    """Pick the formatter from the unit in the metric's name (house rule: units go in names)."""
    if metric.endswith("_bytes"):
        return format_bytes(value)
    if metric.endswith("_seconds"):
        return format_seconds(value)
    if metric == "bytes_per_element":
        return format_bytes_per_element(value)
    return format_number(value)


def format_stat(metric, median, low, high):
    """'76.9 MiB (75.0–78.1 MiB)': a median with its min–max; the range is dropped when min == max."""
    text = format_metric(metric, median)
    if not (is_number(low) and is_number(high)):
        return text
    low_text, high_text = format_metric(metric, low), format_metric(metric, high)
    if low_text == high_text:  # a spread too small to print is no spread to the reader
        return text
    return f"{text} ({low_text}–{high_text})"


def plural(count, noun, plural_noun=None):
    """'1 record', '3 records'."""
    return f"{count} {noun if count == 1 else (plural_noun or noun + 's')}"
