// Starting, watching and ending the fresh child process of one measurement (parent side).
//
// The child is `oomlab` itself, exec'd again (/proc/self/exe), in its own process group so that a
// timeout or Ctrl-C can end the whole tree it started. The parent stays small and single-threaded:
// it samples the child's RSS, reads its report pipe and polls wait4 in one loop.
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "rss_sampler.hpp"

namespace oomlab {

struct ChildLimits {
  double timeout_seconds = 600.0;
  // The design asks for a sample at least every 5 ms at under 1% of the run's time. One timer
  // wake-up costs the parent ~35-50 microseconds of CPU on a virtual machine, so 5 ms is both the
  // most frequent and the cheapest interval that keeps both promises.
  std::chrono::microseconds sample_interval{5000};
  std::size_t timeline_max_points = 2000;
  SamplerOptions sampler;                      // one process, or the whole tree
  std::vector<std::string> cgroup_procs_files; // the child joins these cgroups before exec
  std::vector<std::string> extra_environment;  // "NAME=value" entries added to the child's environment
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
  double sampler_cpu_seconds = 0; // the parent's CPU time while it watched: the sampler's cost
  nlohmann::json report;          // its final report (null if it sent none), see report_channel.hpp
  nlohmann::json progress;        // its last progress note (null if it sent none)
  nlohmann::json timeline;        // see RssSampler::timeline
  nlohmann::json tree_peaks;      // see RssSampler::tree_peaks (empty for one process)
  std::size_t sample_count = 0;
};

// The child's environment: `inherited` with each variable that `harness_entries` ("NAME=value") sets
// taken out, then the harness's entries, each name once (the last wins). glibc's getenv and CPython
// read the first entry of a name, so an inherited one left in front would win over the harness's.
std::vector<std::string> merged_environment(const std::vector<std::string>& inherited,
                                            const std::vector<std::string>& harness_entries);

// Runs `/proc/self/exe arguments...` with the report pipe as fd 3 and waits for it, sampling its RSS.
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
