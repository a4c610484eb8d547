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
