# Protects the accuracy bar every other figure rests on: a variant that makes exactly K MiB
# resident must read as K MiB above baseline (±2%) in both languages. A missed high-water-mark
# reset, a peak read too late or an allocation that is never touched would all break it.
import pytest

MIB = 1024 * 1024
ACCURACY = 0.02  # the bar: page tables and allocator headers stay far below 2%


def test_every_calibration_variant_is_within_two_percent(quick_records):
    measured = [r for r in quick_records("calibrate") if r["variant"] != "noop"]
    assert {(r["lang"], r["variant"]) for r in measured} == {("py", "numpy"), ("py", "bytearray"), ("cpp", "buffer")}
    assert {r["size"] for r in measured} == {64, 256}
    for record in measured:
        assert record["outcome"] == "ok", record.get("reason")
        expected_bytes = record["size"] * MIB
        error = (record["peak_delta_bytes"] - expected_bytes) / expected_bytes
        assert abs(error) <= ACCURACY, (
            f"{record['lang']} {record['variant']} {record['size']} MiB: peak delta "
            f"{record['peak_delta_bytes'] / MIB:.2f} MiB, error {error:+.2%}")


@pytest.mark.parametrize("lang", ["py", "cpp"])
def test_noop_control_adds_almost_nothing(quick_records, lang):
    # The runtime's start-up happens before the reset, so doing nothing must measure near zero:
    # under 1 MiB (reading /proc and the call itself allocate a little).
    noops = [r for r in quick_records("calibrate") if r["variant"] == "noop" and r["lang"] == lang]
    assert noops
    for record in noops:
        assert record["outcome"] == "ok"
        assert record["peak_delta_bytes"] < 1 * MIB
        # ...while the absolute floor is real: a started runtime is megabytes.
        assert record["rss_start_bytes"] > 1 * MIB


def test_records_say_the_huge_page_mode_and_how_much_huge_pages_back(quick_records):
    # A figure that depends on transparent huge pages must say the mode it ran under: the env block
    # carries the bracketed choice of sysfs, and each record AnonHugePages at start and stop. NumPy
    # asks for huge pages (madvise) on buffers of 4 MiB or more and std::vector does not, so under
    # "madvise" the 64 and 256 MiB NumPy arrays get some (how many depends on free 2 MiB blocks:
    # only "some" is asked) and the C++ buffer none; under "never" nobody gets any.
    with open("/sys/kernel/mm/transparent_hugepage/enabled") as sysfs:
        mode = sysfs.read().split("[")[1].split("]")[0]
    measured = {(r["lang"], r["variant"], r["size"]): r for r in quick_records("calibrate") if r["variant"] != "noop"}
    for record in measured.values():
        assert record["env"]["thp_enabled"] == mode
        assert record["env"]["thp_defrag"]
        assert 0 <= record["anon_huge_pages_bytes"] <= record["peak_rss_bytes"]
    numpy_huge = [measured[("py", "numpy", size)]["anon_huge_pages_bytes"] for size in (64, 256)]
    cpp_huge = [measured[("cpp", "buffer", size)]["anon_huge_pages_bytes"] for size in (64, 256)]
    if mode == "never":
        assert numpy_huge == [0, 0] and cpp_huge == [0, 0]
    elif mode == "madvise":
        assert max(numpy_huge) > 0, numpy_huge
        assert cpp_huge == [0, 0], cpp_huge
    else:
        pytest.skip(f"THP mode {mode!r}: every large mapping may get huge pages, nothing to tell apart")
