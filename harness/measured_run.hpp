// The measured phase of one variant, as seen from inside the child process.
//
// Protocol: the harness calls start() just before a variant runs and stop() just after it
// returns. A variant that must build inputs first (inputs that are not part of its lesson) calls
// start() again once they are ready: start() resets the high-water mark and the clock, so the
// setup's own peak is left out. The peak is read from the kernel (VmHWM), so it sees every byte
// that was resident, whoever allocated it: Python objects, NumPy buffers, C++ heap, stacks.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "cgroup_peak.hpp"

namespace oomlab {

class MeasuredRun {
 public:
  // `size` is the experiment's size parameter (elements, MiB, ... as its experiment.json says).
  // `report_fd`, if any, is the pipe to the parent: progress notes go there (see report_channel.hpp).
  explicit MeasuredRun(std::int64_t size, int report_fd = -1);

  std::int64_t size() const { return size_; }

  // (Re)starts the measured phase: resets VmHWM to the current RSS, notes that RSS and the clock.
  void start();

  // Ends the measured phase: reads VmHWM, the RSS now, the clock and the fault counters.
  // Calling it again has no effect; the harness calls it after the variant returns.
  void stop();
  bool stopped() const { return stopped_; }

  // The peak above the RSS at start, as the record will say. REQUIRES: stop() was called.
  std::uint64_t peak_delta_bytes() const;

  // An extra named figure of this run, stored in the record's `metrics` (for example a
  // compression ratio). Names carry their unit: `ratio`, `_bytes`, `_seconds`.
  void add_metric(const std::string& name, double value);

  // Notes the RSS at this moment as the metric `rss_<label>_bytes` (e.g. the RSS after a `del`).
  void note_rss(const std::string& label);

  // How far a long run has got: `done` of `total` `unit`s (e.g. pages). The parent keeps the last
  // note, so a run killed at the time cap or by the OOM killer is recorded with the progress it
  // reached. Cheap to call often: at most one note per kProgressInterval reaches the pipe.
  void note_progress(double done, double total, const std::string& unit);

  // For a process tree: asks the parent to sample the whole tree now (RSS and PSS of every process)
  // and waits until it has. A variant calls it when its workers hold their data (a plateau), which
  // the parent's own PSS sampling, kept cheap and therefore sparse, could miss. Returns false (and
  // does nothing) when the run does not measure a tree.
  bool sample_tree();

  // The figures of the measured phase, in record field names:
  // rss_start_bytes, peak_rss_bytes, peak_delta_bytes, rss_end_bytes, end_delta_bytes, wall_seconds,
  // run_start_monotonic_seconds, run_end_monotonic_seconds, run_minor_faults, run_major_faults, metrics;
  // anon_huge_pages_start_bytes and anon_huge_pages_bytes (AnonHugePages of smaps_rollup at start()
  // and at stop(): how much of the process's anonymous memory transparent huge pages back; a variant
  // stops while its data is alive, so the second is read with the data resident);
  // in a cgroup also tree_start_bytes, tree_peak_bytes, tree_peak_delta_bytes, tree_peak_scope.
  // REQUIRES: stop() was called.
  nlohmann::json result() const;

 private:
  std::int64_t size_;
  bool stopped_ = false;
  std::uint64_t rss_start_bytes_ = 0;
  std::uint64_t peak_rss_bytes_ = 0;
  std::uint64_t rss_end_bytes_ = 0;
  std::uint64_t anon_huge_pages_start_bytes_ = 0;
  std::uint64_t anon_huge_pages_end_bytes_ = 0;
  std::chrono::steady_clock::time_point start_time_{};
  std::chrono::steady_clock::time_point end_time_{};
  long minor_faults_at_start_ = 0;
  long major_faults_at_start_ = 0;
  long minor_faults_in_run_ = 0;
  long major_faults_in_run_ = 0;
  std::map<std::string, double> metrics_;
  // The run's cgroup, when the parent made one: the true peak of the whole process tree.
  std::optional<std::filesystem::path> cgroup_;
  // Open from start() to stop(): on v2 the peak's reset belongs to the open file.
  std::unique_ptr<CgroupPeakWindow> tree_peak_window_;
  std::string tree_peak_scope_;
  std::uint64_t tree_start_bytes_ = 0;
  std::uint64_t tree_peak_bytes_ = 0;
  int report_fd_ = -1;
  std::chrono::steady_clock::time_point last_progress_sent_{};
  int tree_sample_request_fd_ = -1;  // written by sample_tree(); the parent answers on the ack fd
  int tree_sample_ack_fd_ = -1;
};

// Tells the compiler that the memory behind `pointer` is read, so that a buffer allocated and
// written only to be measured is not optimised away (compilers may drop a new/delete pair, or
// stores into memory that is freed unread).
// The environment variable that hands a tree-measuring child its two sample-request fds: "<request>,<ack>".
inline constexpr const char* kTreeSampleFdsVariable = "OOMLAB_TREE_SAMPLE_FDS";

// Progress notes closer together than this are dropped, except the last one (done == total).
inline constexpr std::chrono::milliseconds kProgressInterval{20};

inline void keep_alive(const void* pointer) { asm volatile("" : : "r"(pointer) : "memory"); }

// Seconds on the monotonic clock, which parent and child share; the parent uses it to place the
// measured phase on the RSS timeline it samples.
double monotonic_seconds(std::chrono::steady_clock::time_point time);

}  // namespace oomlab
