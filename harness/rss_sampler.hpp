// Memory over time: the parent samples the child's RSS every few milliseconds from
// /proc/<pid>/statm, so the report can draw transient peaks that a single peak figure hides.
//
// For a process tree (multiprocessing) it follows every process of the tree: their RSS sum each
// tick (what a task manager shows: shared pages counted once per process), and now and then their
// PSS sum (shared pages split between sharers: the truth) and USS (private pages) per process, from
// smaps_rollup. smaps_rollup walks page tables, so its walks are spaced to keep their cost within a
// budget (SamplerOptions::pss_cost_ratio), and none is taken in the first 25 ms.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

namespace oomlab {

struct SamplerOptions {
  bool whole_tree = false;
  // The run's cgroup, if any: its member list is the tree. Without one, the tree is the child's
  // process group (the child leads a group of its own; multiprocessing workers stay in it).
  std::optional<std::filesystem::path> cgroup;
  // Also samples the cgroup's own charge each tick (usage, and swap where the cgroup has some), and
  // at each new highest charge its split into anonymous memory and page cache (memory.stat): the
  // kernel keeps the peak, but not what it was made of (`oomlab measure`).
  bool cgroup_memory = false;
  // smaps_rollup walks every page table of every process: it may take up to 1/pss_cost_ratio of the
  // time. 400 (0.25%) for experiments, whose variants ask for a full sample at their plateaus
  // (sample_everything); a measured command cannot ask, so `oomlab measure` samples PSS more often.
  double pss_cost_ratio = 400.0;
  // A zram swap device's /sys/block/zramN/mm_stat, sampled each tick: what the compressed pages
  // really cost in RAM while the run swaps to it (the pool is not charged to the run's cgroup).
  std::optional<std::filesystem::path> zram_mm_stat;
};

// A zram device's pool at its largest sample (mm_stat's first columns, in bytes; same_pages in pages).
struct ZramSample {
  std::uint64_t orig_data_bytes = 0;      // what was swapped to it, uncompressed
  std::uint64_t compr_data_bytes = 0;     // the same, compressed
  std::uint64_t mem_used_total_bytes = 0; // the RAM the pool takes, allocator overhead included
  std::uint64_t same_pages = 0;           // pages stored as one repeated word, not compressed
};

// The cgroup's charge at its highest sample, split as memory.stat split it then.
struct CgroupSampledPeak {
  std::uint64_t charged_bytes = 0;  // usage (v1 memory.usage_in_bytes, v2 memory.current)
  std::uint64_t anon_bytes = 0;     // v1 total_rss, v2 anon
  std::uint64_t file_bytes = 0;     // v1 total_cache, v2 file (page cache, tmpfs and shared memory)
  std::uint64_t swap_bytes = 0;     // the cgroup's swap use at its highest swap sample
  double t_seconds = 0;             // when, since the child started
};

class RssSampler {
 public:
  RssSampler(pid_t root, std::chrono::steady_clock::time_point child_start, SamplerOptions options = {});
  ~RssSampler();
  RssSampler(const RssSampler&) = delete;
  RssSampler& operator=(const RssSampler&) = delete;

  // Takes one sample now; processes that are gone are dropped.
  void sample();

  // A full sample of the tree now, PSS included, whatever the PSS cadence: what the child asks for
  // with MeasuredRun::sample_tree() when its workers are at a plateau.
  void sample_everything();

  std::size_t sample_count() const { return t_seconds_.size(); }

  // The timeline as stored in a record: {"t_seconds", "rss_bytes" (the sum over the tree),
  // "sample_interval_seconds", "run_start_seconds", "run_end_seconds"}, times relative to the child's
  // start; for a tree also "process_count" and "pss": {"t_seconds", "pss_sum_bytes", "uss_sum_bytes"}.
  // At most `max_points` points: longer series are cut into buckets that keep their highest sample,
  // so thinning never hides a peak.
  nlohmann::json timeline(std::size_t max_points, double run_start_monotonic_seconds,
                          double run_end_monotonic_seconds) const;

  // For a tree: rss_sum_peak_bytes, pss_sum_peak_bytes, uss_peak_bytes (each process's highest USS,
  // largest first), max_process_count, and sampled_peak_scope. Like VmHWM after the reset, they cover
  // the measured phase (samples from run start to run end; to the last sample if the run never ended),
  // so a short-lived helper process of the setup is not counted. If the run never started, or no sample
  // fell inside it, they cover the child's whole life, and sampled_peak_scope says "child_lifetime".
  // Empty for a single process.
  nlohmann::json tree_peaks(double run_start_monotonic_seconds, double run_end_monotonic_seconds) const;

  // The median time between two samples.
  double median_interval_seconds() const;

  // With options.cgroup_memory: the highest sampled charge and its split (nothing if never sampled).
  std::optional<CgroupSampledPeak> cgroup_sampled_peak() const { return cgroup_peak_; }

  // With options.zram_mm_stat: the pool at its largest (by mem_used_total), or nothing.
  std::optional<ZramSample> zram_peak() const { return zram_peak_; }

 private:
  void refresh_members();
  void sample_cgroup(double t_seconds);
  void sample_zram();
  // periodic: a sample of the sampler's own cadence (within its CPU budget), not one the child asked for.
  void sample_pss(std::chrono::steady_clock::time_point now, bool periodic);
  bool pss_fits_budget(std::chrono::steady_clock::time_point now, std::uint64_t rss_sum_bytes) const;

  pid_t root_;
  std::chrono::steady_clock::time_point child_start_;
  SamplerOptions options_;
  std::map<pid_t, int> statm_fds_;  // kept open: each sample is one pread per process
  std::size_t ticks_ = 0;

  std::vector<double> t_seconds_;
  std::vector<std::uint64_t> rss_bytes_;
  std::vector<std::uint32_t> process_counts_;

  std::chrono::steady_clock::time_point next_pss_at_;
  // smaps_rollup's cost grows with the resident pages it walks: the last one's seconds per byte of
  // the tree's RSS predicts the next one's, so an expensive walk is not started before the budget
  // (options_.pss_cost_ratio) has room for it.
  double pss_seconds_per_rss_byte_;
  double periodic_pss_seconds_ = 0;  // spent so far on the sampler's own PSS samples
  std::uint64_t last_rss_sum_bytes_ = 0;
  std::vector<double> pss_t_seconds_;
  std::vector<std::uint64_t> pss_sum_bytes_;
  std::vector<std::uint64_t> uss_sum_bytes_;
  std::vector<std::map<pid_t, std::uint64_t>> uss_by_pid_;  // one map per PSS sample

  // options_.cgroup_memory: the charge files kept open (one pread each per tick), the series, the peak.
  int cgroup_usage_fd_ = -1;
  int cgroup_swap_fd_ = -1;     // v1 memsw (memory + swap), v2 memory.swap.current
  bool swap_includes_memory_ = false;
  std::vector<std::uint64_t> cgroup_bytes_;
  std::vector<std::uint64_t> cgroup_swap_bytes_;
  std::optional<CgroupSampledPeak> cgroup_peak_;
  int zram_mm_stat_fd_ = -1;
  std::optional<ZramSample> zram_peak_;
};

}  // namespace oomlab
