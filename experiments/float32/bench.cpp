// Google Benchmark of the float32 experiment's memory-bound kernels in double and float, across
// working sets that fit in L1, L2 and L3 and that spill to DRAM. The sizes come from this machine's
// caches at start-up, so the figure tests the article's guess ("faster, perhaps because more fits
// in cache") directly: if the cache were the reason, float would gain only where double spills.
//
// Each benchmark is BM_<kernel>_<type> with the working set in BYTES as its argument, and reports
// bytes and items (elements) per second, so the report can draw throughput against size.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <Eigen/Core>

#include <algorithm>
#include <array>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

namespace {

// The data cache of one level, in bytes, or 0 if this machine does not say.
std::int64_t cache_bytes(int level) {
  const std::array<int, 4> names = {0, _SC_LEVEL1_DCACHE_SIZE, _SC_LEVEL2_CACHE_SIZE, _SC_LEVEL3_CACHE_SIZE};
  const long from_sysconf = ::sysconf(names.at(level));
  if (from_sysconf > 0) return from_sysconf;
  // Some C libraries and containers answer 0: read sysfs ("48K", "2048K") for a data or unified cache.
  for (int index = 0; index < 8; ++index) {
    const std::string dir = "/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(index) + "/";
    std::ifstream level_file(dir + "level"), type_file(dir + "type"), size_file(dir + "size");
    int found_level = 0;
    std::string type, size;
    if (!(level_file >> found_level) || !(type_file >> type) || !(size_file >> size)) continue;
    if (found_level != level || type == "Instruction" || size.empty()) continue;
    const char unit = size.back();
    const std::int64_t number = std::stoll(size);
    return unit == 'K' ? number << 10 : unit == 'M' ? number << 20 : unit == 'G' ? number << 30 : number;
  }
  return 0;
}

struct Caches {
  std::int64_t l1 = 0, l2 = 0, l3 = 0;
};

const Caches& caches() {
  static const Caches found = [] {
    Caches c{cache_bytes(1), cache_bytes(2), cache_bytes(3)};
    // Typical sizes when the machine says nothing: 32 KiB, 1 MiB, 32 MiB.
    if (c.l1 <= 0) c.l1 = 32 << 10;
    if (c.l2 <= c.l1) c.l2 = 1 << 20;
    if (c.l3 <= c.l2) c.l3 = 32 << 20;
    return c;
  }();
  return found;
}

// Half of each level (fits), and twice L1, L2 and L3 (spills to the next level, or to DRAM): a pass
// in order over twice a cache finds nothing of its start still there by the time it comes back, so
// twice is enough, and a VM that reports its host's L3 (260 MiB here) is not asked for four times it.
// Capped at 2 GiB so a machine with a huge L3 is not asked for more memory than it can spare.
std::vector<std::int64_t> working_set_sizes() {
  const Caches& c = caches();
  const std::int64_t dram = std::min<std::int64_t>(2 * c.l3, std::int64_t{2} << 30);
  std::vector<std::int64_t> sizes = {c.l1 / 2, 2 * c.l1, c.l2 / 2, 2 * c.l2, c.l3 / 2, dram};
  std::sort(sizes.begin(), sizes.end());
  sizes.erase(std::unique(sizes.begin(), sizes.end()), sizes.end());
  return sizes;
}

// "L1", "L2", "L3" or "DRAM": where a working set of this many bytes lives.
const char* level_of(std::int64_t bytes) {
  const Caches& c = caches();
  return bytes <= c.l1 ? "L1" : bytes <= c.l2 ? "L2" : bytes <= c.l3 ? "L3" : "DRAM";
}

template <typename Scalar>
using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;

// The arrays of one kernel at one size, kept from one repetition to the next: Google Benchmark calls
// a benchmark function once per repetition, and at the DRAM size (a GiB where the machine reports a
// large L3) filling the arrays took several times longer than the timed passes. One set at a time.
template <typename Scalar>
struct WorkingSet {
  Vector<Scalar> a, b, y;
};

template <typename Scalar>
WorkingSet<Scalar>& working_set_of(Eigen::Index n, bool with_output) {
  static WorkingSet<Scalar> kept;
  if (kept.a.size() != n || (with_output && kept.y.size() != n)) {
    kept = WorkingSet<Scalar>{};  // frees the previous size first
    kept.a = Vector<Scalar>::LinSpaced(n, 1, 2);
    kept.b = with_output ? Vector<Scalar>::LinSpaced(n, 2, 1) : Vector<Scalar>{};
    kept.y = with_output ? Vector<Scalar>::Zero(n) : Vector<Scalar>{};
  }
  return kept;
}

// y = a * 1.5 + b: reads a and b, writes y. Working set: three arrays of n values.
template <typename Scalar>
void scale_add(benchmark::State& state) {
  const std::int64_t working_set = state.range(0);
  const Eigen::Index n = std::max<std::int64_t>(1, working_set / (3 * std::int64_t{sizeof(Scalar)}));
  WorkingSet<Scalar>& arrays = working_set_of<Scalar>(n, /*with_output=*/true);
  const Vector<Scalar>& a = arrays.a;
  const Vector<Scalar>& b = arrays.b;
  Vector<Scalar>& y = arrays.y;
  // One untimed pass. Zero(n) does not make y resident: at -O3, GCC 12 turns Eigen's allocation
  // and zero fill into calloc, whose fresh pages are only faulted in by the first write. Timed, that
  // pass paid a page fault per 4 KiB of y (131,072 for 256 MiB), and at the DRAM size, where one
  // timed pass is all Google Benchmark makes at the default min_time, it halved the throughput.
  y.noalias() = a * Scalar(1.5) + b;
  for (auto _ : state) {
    y.noalias() = a * Scalar(1.5) + b;
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.SetBytesProcessed(state.iterations() * n * 3 * std::int64_t{sizeof(Scalar)});
  state.SetLabel(level_of(working_set));
}

// The sum of one array of n values: reads it once.
template <typename Scalar>
void sum(benchmark::State& state) {
  const std::int64_t working_set = state.range(0);
  const Eigen::Index n = std::max<std::int64_t>(1, working_set / std::int64_t{sizeof(Scalar)});
  const Vector<Scalar>& a = working_set_of<Scalar>(n, /*with_output=*/false).a;
  benchmark::DoNotOptimize(a.sum());  // one untimed pass, as scale_add makes (a is written: no faults)
  for (auto _ : state) {
    Scalar total = a.sum();
    benchmark::DoNotOptimize(total);
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.SetBytesProcessed(state.iterations() * n * std::int64_t{sizeof(Scalar)});
  state.SetLabel(level_of(working_set));
}

// Three repetitions, which the report merges by their median: at the DRAM size a repetition is one
// or two passes at the default --benchmark_min_time, and a pass on a shared machine can lose much of
// its time slice to another process.
void with_working_set_sizes(benchmark::internal::Benchmark* benchmark) {
  for (const std::int64_t bytes : working_set_sizes()) benchmark->Arg(bytes);
  benchmark->Repetitions(3);
}

// Registered at start-up, after the caches are read; no central list.
[[maybe_unused]] const bool registered = [] {
  benchmark::RegisterBenchmark("BM_scale_add_double", scale_add<double>)->Apply(with_working_set_sizes);
  benchmark::RegisterBenchmark("BM_scale_add_float", scale_add<float>)->Apply(with_working_set_sizes);
  benchmark::RegisterBenchmark("BM_sum_double", sum<double>)->Apply(with_working_set_sizes);
  benchmark::RegisterBenchmark("BM_sum_float", sum<float>)->Apply(with_working_set_sizes);
  return true;
}();

}  // namespace
