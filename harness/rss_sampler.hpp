// Memory over time: the parent samples the child's RSS every couple of milliseconds from
// /proc/<pid>/statm, so the report can draw transient peaks that a single peak figure hides.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

namespace oomlab {

class RssSampler {
 public:
  RssSampler(pid_t pid, std::chrono::steady_clock::time_point child_start);
  ~RssSampler();
  RssSampler(const RssSampler&) = delete;
  RssSampler& operator=(const RssSampler&) = delete;

  // Takes one sample now; does nothing if the process is gone.
  void sample();

  std::size_t sample_count() const { return t_seconds_.size(); }

  // The timeline as stored in a record: {"t_seconds", "rss_bytes", "sample_interval_seconds",
  // "run_start_seconds", "run_end_seconds"}, times relative to the child's start. At most
  // `max_points` points: longer series are cut into buckets that keep their highest sample, so
  // thinning never hides a peak.
  nlohmann::json timeline(std::size_t max_points, double run_start_monotonic_seconds,
                          double run_end_monotonic_seconds) const;

  // The median time between two samples.
  double median_interval_seconds() const;

 private:
  int statm_fd_;  // kept open: each sample is one pread, not open + read + close
  std::chrono::steady_clock::time_point child_start_;
  std::vector<double> t_seconds_;
  std::vector<std::uint64_t> rss_bytes_;
};

}  // namespace oomlab
