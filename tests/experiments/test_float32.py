# Protects the float32 lesson's rounding errors, which are exact arithmetic facts rather than noise
# (bytes per element against theory: test_theory.py). Easy to break: a "naive" sum that someone
# rewrites so it no longer adds one term at a time, or inputs rounded twice.
import pytest

UNIT_ROUNDOFF = {"remedy": 2.0**-24, "remedy_float16": 2.0**-11}  # half an ulp, relative


def largest(records, lang, variant):
    [record] = [r for r in records if (r["lang"], r["variant"]) == (lang, variant)
                and r["size"] == max(s["size"] for s in records)]
    assert record["outcome"] == "ok", record.get("reason")
    return record


@pytest.mark.parametrize("lang", ["py", "cpp"])
@pytest.mark.parametrize("variant", ["remedy", "remedy_float16"])
def test_scale_and_add_error_is_a_few_roundings(lang, variant, quick_records):
    # a and b are each rounded once when stored, a * 1.5 and the sum once each: at most 3 unit
    # roundoffs (u = 2^-24 for float32, 2^-11 for float16), and more than 0 (the values need more bits).
    error = largest(quick_records("float32"), lang, variant)["metrics"]["scale_add_error_ratio"]
    assert 0 < error <= 3 * UNIT_ROUNDOFF[variant] * 1.01, error


@pytest.mark.parametrize("lang", ["py", "cpp"])
def test_float32_matrix_product_stays_within_its_error_bound(lang, quick_records):
    # 16 products summed: the classic bound is (16 + 2) u, with inputs rounded too.
    error = largest(quick_records("float32"), lang, "remedy")["metrics"]["matmul_error_ratio"]
    assert 0 < error <= 18 * UNIT_ROUNDOFF["remedy"], error


@pytest.mark.parametrize("lang", ["py", "cpp"])
def test_a_running_float32_total_of_ten_million_tenths_drifts_by_percent(lang, quick_records):
    # Once the total passes 2^17, 0.1 is under 13 ulps of it and every add rounds by up to half an
    # ulp: the 10^7-term total ends 8.8% off (exact arithmetic, so the same in both languages).
    metrics = largest(quick_records("float32"), lang, "remedy")["metrics"]
    assert 0.05 <= metrics["naive_sum_error_ratio"] <= 0.15, metrics
    # float64 has 29 more bits: the same running total is off by ~1e-10.
    assert largest(quick_records("float32"), lang, "baseline")["metrics"]["naive_sum_error_ratio"] < 1e-8


def test_numpy_pairwise_sum_keeps_float32_close(quick_records):
    # NumPy sums in blocks, pairwise: the error grows like log n, not n.
    metrics = largest(quick_records("float32"), "py", "remedy")["metrics"]
    assert metrics["library_sum_error_ratio"] < 1e-4 < metrics["naive_sum_error_ratio"], metrics


def test_eigen_sum_splits_the_total_but_is_not_pairwise(quick_records):
    # Eigen adds in a few SIMD lanes: each lane's total is smaller, so it drifts less than one
    # running total, but it still drifts (measured ~1% here with SSE2; wider SIMD drifts less).
    metrics = largest(quick_records("float32"), "cpp", "remedy")["metrics"]
    assert 1e-4 < metrics["library_sum_error_ratio"] < metrics["naive_sum_error_ratio"], metrics


@pytest.mark.parametrize("lang", ["py", "cpp"])
def test_float16_loses_sums(lang, quick_records):
    metrics = largest(quick_records("float32"), lang, "remedy_float16")["metrics"]
    # Above 256 the float16 spacing is 0.25: adding 0.1 rounds back, so the running total stalls at
    # 256 of 10^6.
    assert metrics["naive_sum_error_ratio"] > 0.99, metrics
    # The workload's sum of n values in [1, 2) either overflows float16's 65504 (NumPy, pairwise)
    # or stalls where its spacing outgrows the values (Eigen, lane by lane).
    assert metrics["overflowed_results_count"] >= 1 or metrics["sum_error_ratio"] > 0.5, metrics
