// Microbenchmarks of the inplace experiment's kernels, in bytes per second, beside a STREAM-style
// copy and triad measured in the same run: the reference for what the memory system can move.
// The argument of every benchmark is its working set in bytes (all the arrays it touches), so the
// curves line up across L1, L2, L3 and DRAM. Bytes processed count every read and every write the
// kernel makes (an in-place pass reads and writes each byte once, as a copy does); items are elements.
#include <benchmark/benchmark.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

#include "kernels.hpp"

namespace {

// x → 0.5x + 1 converges to 2, so thousands of repeated passes stay normal numbers: never inf,
// never denormal (which would slow the arithmetic and falsify the bandwidth).
constexpr double kScale = 0.5;
constexpr double kOffset = 1.0;

// Elements per array for a working set of `bytes` spread over `arrays` arrays of doubles.
std::size_t elements_for(const benchmark::State& state, std::size_t arrays) {
  return static_cast<std::size_t>(state.range(0)) / (arrays * sizeof(double));
}

void report(benchmark::State& state, std::size_t elements, std::size_t bytes_per_element) {
  const auto passes = static_cast<std::int64_t>(state.iterations());
  state.SetItemsProcessed(passes * static_cast<std::int64_t>(elements));
  state.SetBytesProcessed(passes * static_cast<std::int64_t>(elements * bytes_per_element));
}

// References (STREAM's copy and triad).

void BM_copy_double(benchmark::State& state) {
  const std::size_t n = elements_for(state, 2);
  std::vector<double> source(n, 1.0), target(n, 0.0);
  for (auto _ : state) {
    for (std::size_t i = 0; i < n; ++i) target[i] = source[i];
    benchmark::DoNotOptimize(target.data());
    benchmark::ClobberMemory();
  }
  report(state, n, 2 * sizeof(double));  // read one, write one
}

void BM_triad_double(benchmark::State& state) {
  const std::size_t n = elements_for(state, 3);
  std::vector<double> a(n, 0.0), b(n, 1.0), c(n, 2.0);
  for (auto _ : state) {
    for (std::size_t i = 0; i < n; ++i) a[i] = b[i] + kScale * c[i];
    benchmark::DoNotOptimize(a.data());
    benchmark::ClobberMemory();
  }
  report(state, n, 3 * sizeof(double));  // read two, write one
}

// The experiment's kernels.

void BM_scale_add_inplace_double(benchmark::State& state) {
  const std::size_t n = elements_for(state, 1);
  std::vector<double> values(n, 1.0);
  for (auto _ : state) {
    inplace::scale_add_in_place(values.data(), n, kScale, kOffset);
    benchmark::DoNotOptimize(values.data());
    benchmark::ClobberMemory();
  }
  report(state, n, 2 * sizeof(double));
}

// The same pass into a buffer allocated for it, as the new container of a comprehension is: malloc,
// first-touch page faults above glibc's mmap threshold, and free are part of each pass.
void BM_scale_add_new_buffer_double(benchmark::State& state) {
  const std::size_t n = elements_for(state, 2);
  std::vector<double> values(n, 1.0);
  for (auto _ : state) {
    std::unique_ptr<double[]> result(new double[n]);  // not zero-filled
    std::transform(values.begin(), values.end(), result.get(), [](double x) { return x * kScale + kOffset; });
    benchmark::DoNotOptimize(result.get());
    benchmark::ClobberMemory();
  }
  report(state, n, 2 * sizeof(double));
}

void BM_eigen_expression_into_self_double(benchmark::State& state) {
  const auto n = static_cast<Eigen::Index>(elements_for(state, 1));
  Eigen::ArrayXd a = Eigen::ArrayXd::Ones(n);
  for (auto _ : state) {
    a = a * kScale + kOffset;  // one fused pass: coefficient-wise, so no temporary
    benchmark::DoNotOptimize(a.data());
    benchmark::ClobberMemory();
  }
  report(state, static_cast<std::size_t>(n), 2 * sizeof(double));
}

void BM_eigen_inplace_ops_double(benchmark::State& state) {
  const auto n = static_cast<Eigen::Index>(elements_for(state, 1));
  Eigen::ArrayXd a = Eigen::ArrayXd::Ones(n);
  for (auto _ : state) {
    a *= kScale;  // two passes: twice the traffic of the fused one for the same elements
    a += kOffset;
    benchmark::DoNotOptimize(a.data());
    benchmark::ClobberMemory();
  }
  report(state, static_cast<std::size_t>(n), 4 * sizeof(double));
}

void BM_eigen_expression_new_vector_double(benchmark::State& state) {
  const auto n = static_cast<Eigen::Index>(elements_for(state, 2));
  Eigen::ArrayXd a = Eigen::ArrayXd::Ones(n);
  for (auto _ : state) {
    Eigen::ArrayXd result = a * kScale + kOffset;  // a new array each pass
    benchmark::DoNotOptimize(result.data());
    benchmark::ClobberMemory();
  }
  report(state, static_cast<std::size_t>(n), 2 * sizeof(double));
}

// 16 KiB (L1) to 512 MiB (DRAM, beyond any L3), ×8 each step.
constexpr std::int64_t kSmallestBytes = std::int64_t{16} << 10;
constexpr std::int64_t kLargestBytes = std::int64_t{512} << 20;

}  // namespace

BENCHMARK(BM_copy_double)->RangeMultiplier(8)->Range(kSmallestBytes, kLargestBytes);
BENCHMARK(BM_triad_double)->RangeMultiplier(8)->Range(kSmallestBytes, kLargestBytes);
BENCHMARK(BM_scale_add_inplace_double)->RangeMultiplier(8)->Range(kSmallestBytes, kLargestBytes);
BENCHMARK(BM_scale_add_new_buffer_double)->RangeMultiplier(8)->Range(kSmallestBytes, kLargestBytes);
BENCHMARK(BM_eigen_expression_into_self_double)->RangeMultiplier(8)->Range(kSmallestBytes, kLargestBytes);
BENCHMARK(BM_eigen_inplace_ops_double)->RangeMultiplier(8)->Range(kSmallestBytes, kLargestBytes);
BENCHMARK(BM_eigen_expression_new_vector_double)->RangeMultiplier(8)->Range(kSmallestBytes, kLargestBytes);
