// Sampling and peak-preserving thinning of the RSS timeline.
#include "rss_sampler.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include "measured_run.hpp"

namespace oomlab {

RssSampler::RssSampler(pid_t pid, std::chrono::steady_clock::time_point child_start)
    : statm_fd_(::open(("/proc/" + std::to_string(pid) + "/statm").c_str(), O_RDONLY | O_CLOEXEC)),
      child_start_(child_start) {}

RssSampler::~RssSampler() {
  if (statm_fd_ >= 0) ::close(statm_fd_);
}

void RssSampler::sample() {
  if (statm_fd_ < 0) return;
  const auto now = std::chrono::steady_clock::now();
  // statm is generated afresh on every read from offset 0.
  char buffer[128];
  const ssize_t length = ::pread(statm_fd_, buffer, sizeof(buffer) - 1, 0);
  if (length <= 0) return;  // the process is gone
  buffer[length] = '\0';
  unsigned long long size_pages = 0, resident_pages = 0;
  if (std::sscanf(buffer, "%llu %llu", &size_pages, &resident_pages) != 2) return;
  static const std::uint64_t page_size_bytes = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  t_seconds_.push_back(std::chrono::duration<double>(now - child_start_).count());
  rss_bytes_.push_back(resident_pages * page_size_bytes);
}

double RssSampler::median_interval_seconds() const {
  if (t_seconds_.size() < 2) return 0.0;
  std::vector<double> intervals;
  intervals.reserve(t_seconds_.size() - 1);
  for (std::size_t i = 1; i < t_seconds_.size(); ++i) intervals.push_back(t_seconds_[i] - t_seconds_[i - 1]);
  std::nth_element(intervals.begin(), intervals.begin() + intervals.size() / 2, intervals.end());
  return intervals[intervals.size() / 2];
}

nlohmann::json RssSampler::timeline(std::size_t max_points, double run_start_monotonic_seconds,
                                    double run_end_monotonic_seconds) const {
  std::vector<double> kept_t;
  std::vector<std::uint64_t> kept_rss;
  const std::size_t count = t_seconds_.size();
  const std::size_t bucket = std::max<std::size_t>(1, (count + max_points - 1) / std::max<std::size_t>(1, max_points));
  for (std::size_t first = 0; first < count; first += bucket) {
    const std::size_t last = std::min(count, first + bucket);
    const auto highest = std::max_element(rss_bytes_.begin() + first, rss_bytes_.begin() + last);
    kept_t.push_back(t_seconds_[highest - rss_bytes_.begin()]);
    kept_rss.push_back(*highest);
  }
  const double child_start_seconds = monotonic_seconds(child_start_);
  nlohmann::json timeline = {
      {"t_seconds", kept_t},
      {"rss_bytes", kept_rss},
      {"sample_interval_seconds", median_interval_seconds()},
      {"run_start_seconds", nullptr},
      {"run_end_seconds", nullptr},
  };
  if (run_start_monotonic_seconds > 0) timeline["run_start_seconds"] = run_start_monotonic_seconds - child_start_seconds;
  if (run_end_monotonic_seconds > 0) timeline["run_end_seconds"] = run_end_monotonic_seconds - child_start_seconds;
  return timeline;
}

}  // namespace oomlab
