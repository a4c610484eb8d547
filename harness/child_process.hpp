// Starting, watching and ending the fresh child process of one measurement (parent side).
//
// The child is `oomlab` itself, exec'd again (/proc/self/exe), in its own process group so that a
// timeout or Ctrl-C can end the whole tree it started. The parent stays small and single-threaded:
// it samples the child's RSS, reads its report pipe and polls wait4 in one loop.
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "rss_sampler.hpp"

namespace oomlab {

struct ChildLimits {
  double timeout_seconds = 600.0;
  // A timer wake-up alone (ppoll's timeout and one pread of statm, nothing else) costs the parent
  // 30-100 microseconds of CPU on this 2-core virtual machine: about 30 when the other core is busy,
  // 50-100 when the machine is idle and the wake-up leaves the idle state (tools/bench_harness.py's
  // bare loop prints it). At 5 ms that is 0.6-2% of the run before any watching; at 10 ms 0.3-1%.
  // 20 ms keeps the watcher's median under 0.5% with the floor included, and still draws a run of
  // 100 ms with five points; the kernel's own peaks (VmHWM, the cgroup's maximum) never depend on it.
  std::chrono::microseconds sample_interval{20000};
  std::size_t timeline_max_points = 2000;
  SamplerOptions sampler;                      // one process, or the whole tree
  std::vector<std::string> cgroup_procs_files; // the child joins these cgroups before exec
  std::vector<std::string> extra_environment;  // "NAME=value" entries added to the child's environment
  // The program to run: empty for oomlab itself (/proc/self/exe, a measurement child), else the
  // absolute path of any program (`oomlab measure`), started with `program_name` as its argv[0].
  std::string program;
  std::string program_name = "oomlab";
  // Names the report pipe's fd in the child's environment (OOMLAB_PROGRESS_FD=3 for a measured
  // command, which may write "done total unit" progress lines to it); empty: not exported.
  std::string report_fd_variable;
  // The child's stdout goes to stderr: oomlab's stdout is for records (--json) and answers only. A
  // measured command keeps its own stdout unless `oomlab measure --json` is given.
  bool stdout_to_stderr = true;
  // Tree runs: the child may ask for an immediate full sample (MeasuredRun::sample_tree), through
  // a request pipe (fd 4 in the child) answered on an ack pipe (fd 5).
  bool tree_sample_requests = false;
};

struct ChildResult {
  std::string spawn_error;        // non-empty if the child could not be started
  bool exited = false;            // ended by exit(); otherwise by a signal
  int exit_code = -1;
  int term_signal = 0;
  bool timed_out = false;         // the parent killed it at the time cap
  bool interrupted = false;       // the parent killed it because the user interrupted oomlab
  bool killed_after_report = false; // its report arrived, but it did not exit within the grace period
  bool oom_kill_seen = false;     // the kernel's oom_kill counter rose while it ran
  rusage usage{};                 // from wait4: the child's own times, faults and ru_maxrss
  double child_wall_seconds = 0;  // fork to reaping, interpreter start included
  // Of child_wall_seconds, the time it was stopped by Ctrl-Z with the parent: its wall times
  // (this one and the report's) include it, so they are not the job's speed.
  double stopped_seconds = 0;
  // The parent's CPU time from the child's start to its last wait for the child: the sampler's cost,
  // without the exit's wake-up and the reaping that a parent pays even when it only waits.
  double sampler_cpu_seconds = 0;
  // The parent's CPU time for the full snapshots (PSS included) that the child asked for at its
  // plateaus (MeasuredRun::sample_tree): part of the measurement, not of the periodic watching.
  double snapshot_cpu_seconds = 0;
  nlohmann::json report;          // its final report (null if it sent none), see report_channel.hpp
  nlohmann::json progress;        // its last progress note (null if it sent none)
  nlohmann::json timeline;        // see RssSampler::timeline
  nlohmann::json tree_peaks;      // see RssSampler::tree_peaks (empty for one process)
  std::optional<CgroupSampledPeak> cgroup_sampled_peak;  // with limits.sampler.cgroup_memory
  std::optional<ZramSample> zram_peak;                   // with limits.sampler.zram_mm_stat
  std::size_t sample_count = 0;
};

// The child's environment: `inherited` with each variable that `harness_entries` ("NAME=value") sets
// taken out, then the harness's entries, each name once (the last wins). glibc's getenv and CPython
// read the first entry of a name, so an inherited one left in front would win over the harness's.
std::vector<std::string> merged_environment(const std::vector<std::string>& inherited,
                                            const std::vector<std::string>& harness_entries);

// Runs `/proc/self/exe arguments...` (or `limits.program arguments...`) with the report pipe as fd 3
// and waits for it, sampling its RSS.
// `run_start/run_end` markers in the timeline come from the report (monotonic seconds), if present.
ChildResult run_measured_child(const std::vector<std::string>& arguments, const ChildLimits& limits);

// Exit code of a helper child that did not answer in time (it was killed).
inline constexpr int kChildTimedOut = -2;

// Runs `/proc/self/exe arguments...` and returns what it wrote on fd 3, its answer. Its stdout goes
// to stderr (as every child's does), so an experiment module's print() cannot corrupt the answer.
// Used for short helper children, such as the one that lists an experiment's Python variants: an
// import that hangs is killed with its process group after `timeout_seconds` (exit_code
// kChildTimedOut, answer "").
std::string capture_child_answer(const std::vector<std::string>& arguments, int& exit_code, double timeout_seconds);

}  // namespace oomlab
