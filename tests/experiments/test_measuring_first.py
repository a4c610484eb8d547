# Protects the measuring-first lesson's two readings of tracemalloc: NumPy reports its buffers to it
# (since NumPy 1.13, through PyTraceMalloc_Track), and for objects it counts the requested sizes (24 B
# per float), not pymalloc's 32 B blocks. Easy to break: a NumPy built without the hook, or a variant
# that starts tracemalloc inside the measured phase after the data exists, and the lesson's table lies.
import pytest


def at_largest(records, variant):
    """The record of a Python variant at the largest quick size."""
    largest = max(r["size"] for r in records)
    [record] = [r for r in records if (r["lang"], r["variant"], r["size"]) == ("py", variant, largest)]
    assert record["outcome"] == "ok", record.get("reason")
    return record


def test_numpy_reports_its_buffers_to_tracemalloc(quick_records):
    # A written float64 array: tracemalloc and the RSS peak both see 8n bytes. ±3% for page rounding
    # and the few objects around the buffer.
    record = at_largest(quick_records("measuring_first"), "array")
    assert record["metrics"]["tracemalloc_to_rss_ratio"] == pytest.approx(1.0, abs=0.03)


def test_tracemalloc_counts_requested_bytes_not_pymalloc_blocks(quick_records):
    # A list of floats: 24 B asked per float + 8 B list slot + ~0.45 B over-allocation = 32.45 B per
    # element, where pymalloc serves 32 B blocks (40.45 B as RSS). ±0.5 B for the list's growth pattern.
    record = at_largest(quick_records("measuring_first"), "objects")
    assert record["metrics"]["tracemalloc_peak_bytes"] / record["size"] == pytest.approx(32.45, abs=0.5)


@pytest.mark.parametrize("lang", ["py", "cpp"])
def test_a_zstd_context_is_sized_by_what_zstd_is_told(quick_records, lang):
    # compressobj() gives zstd no size, so level 19 takes its tables for an input of unknown size
    # (measured 81 MiB with libzstd 1.5.4); told 64 KiB first (a pledged size), it takes them for
    # 64 KiB (measured 1.6 MiB). The lesson's point is the factor: at least 10x is asked, and the
    # unsized context must stay a big one (over 32 MiB), or the lesson's "C code it cannot see" is gone.
    records = [r for r in quick_records("measuring_first") if r["lang"] == lang]
    largest = max(r["size"] for r in records)
    peaks = {r["variant"]: r["peak_delta_bytes"] for r in records
             if r["size"] == largest and r["variant"] in ("c_library", "c_library_sized")}
    assert peaks["c_library"] > 32 * 1024 * 1024, peaks
    assert peaks["c_library"] >= 10 * peaks["c_library_sized"], peaks
