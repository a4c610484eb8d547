// Implementation of the measured phase: the kernel's high-water mark, reset and read back.
#include "measured_run.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include <stdexcept>

#include "cgroup.hpp"
#include "cgroup_peak.hpp"
#include "proc_memory.hpp"
#include "report_channel.hpp"

namespace oomlab {
namespace {

// AnonHugePages of this process, or 0 if smaps_rollup cannot be read (kernels before 4.14).
std::uint64_t anon_huge_pages_bytes() {
  const auto rollup = read_smaps_rollup(0);
  return rollup ? rollup->anon_huge_pages_bytes : 0;
}

std::uint64_t current_rss_bytes() {
  const auto memory = read_status_memory();
  if (!memory) throw std::runtime_error("cannot read /proc/self/status");
  return memory->rss_bytes;
}

void read_fault_counts(long& minor_faults, long& major_faults) {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  minor_faults = usage.ru_minflt;
  major_faults = usage.ru_majflt;
}

}  // namespace

double monotonic_seconds(std::chrono::steady_clock::time_point time) {
  return std::chrono::duration<double>(time.time_since_epoch()).count();
}

MeasuredRun::MeasuredRun(std::int64_t size, int report_fd)
    : size_(size), cgroup_(own_run_cgroup()), report_fd_(report_fd) {
  if (const char* fds = std::getenv(kTreeSampleFdsVariable)) {
    std::sscanf(fds, "%d,%d", &tree_sample_request_fd_, &tree_sample_ack_fd_);
    // Workers the variant forks must not answer for it: only this process asks.
    ::fcntl(tree_sample_request_fd_, F_SETFD, FD_CLOEXEC);
    ::fcntl(tree_sample_ack_fd_, F_SETFD, FD_CLOEXEC);
  }
}

void MeasuredRun::note_progress(double done, double total, const std::string& unit) {
  if (report_fd_ < 0) return;
  const auto now = std::chrono::steady_clock::now();
  if (done < total && now - last_progress_sent_ < kProgressInterval) return;
  last_progress_sent_ = now;
  send_message(report_fd_, {{"progress", {{"done", done}, {"total", total}, {"unit", unit}}}});
}

bool MeasuredRun::sample_tree() {
  if (tree_sample_request_fd_ < 0) return false;
  char byte = 's';
  if (::write(tree_sample_request_fd_, &byte, 1) != 1) return false;
  while (true) {
    const ssize_t count = ::read(tree_sample_ack_fd_, &byte, 1);
    if (count == 1) return true;
    if (count < 0 && errno == EINTR) continue;
    return false;
  }
}

void MeasuredRun::start() {
  stopped_ = false;
  anon_huge_pages_start_bytes_ = anon_huge_pages_bytes();  // before the reset: its walk of the page tables is not the run's
  reset_peak_rss();
  rss_start_bytes_ = current_rss_bytes();
  if (cgroup_) {
    tree_peak_window_ = std::make_unique<CgroupPeakWindow>(*cgroup_);
    tree_peak_scope_ = tree_peak_window_->scope();
    tree_start_bytes_ = cgroup_usage_bytes(*cgroup_).value_or(0);
  }
  read_fault_counts(minor_faults_at_start_, major_faults_at_start_);
  start_time_ = std::chrono::steady_clock::now();
}

void MeasuredRun::stop() {
  if (stopped_) return;
  end_time_ = std::chrono::steady_clock::now();
  const auto memory = read_status_memory();
  if (!memory) throw std::runtime_error("cannot read /proc/self/status");
  peak_rss_bytes_ = memory->hwm_bytes;
  rss_end_bytes_ = memory->rss_bytes;
  anon_huge_pages_end_bytes_ = anon_huge_pages_bytes();
  long minor_faults = 0, major_faults = 0;
  read_fault_counts(minor_faults, major_faults);
  if (tree_peak_window_) {
    tree_peak_bytes_ = tree_peak_window_->peak_bytes().value_or(0);
    tree_peak_window_.reset();
  }
  minor_faults_in_run_ = minor_faults - minor_faults_at_start_;
  major_faults_in_run_ = major_faults - major_faults_at_start_;
  stopped_ = true;
}

void MeasuredRun::add_metric(const std::string& name, double value) { metrics_[name] = value; }

void MeasuredRun::note_rss(const std::string& label) {
  add_metric("rss_" + label + "_bytes", static_cast<double>(current_rss_bytes()));
}

std::uint64_t MeasuredRun::peak_delta_bytes() const {
  if (!stopped_) throw std::logic_error("MeasuredRun::peak_delta_bytes() before stop()");
  // VmHWM can only lag the RSS read at start by the pages touched in between, never fall below.
  return peak_rss_bytes_ > rss_start_bytes_ ? peak_rss_bytes_ - rss_start_bytes_ : 0;
}

nlohmann::json MeasuredRun::result() const {
  if (!stopped_) throw std::logic_error("MeasuredRun::result() before stop()");
  const std::uint64_t peak_delta_bytes = this->peak_delta_bytes();
  nlohmann::json result = {
      {"rss_start_bytes", rss_start_bytes_},
      {"peak_rss_bytes", peak_rss_bytes_},
      {"peak_delta_bytes", peak_delta_bytes},
      {"rss_end_bytes", rss_end_bytes_},
      // What stays resident when the phase ends; negative if the variant freed memory it had at start.
      {"end_delta_bytes", static_cast<std::int64_t>(rss_end_bytes_) - static_cast<std::int64_t>(rss_start_bytes_)},
      {"wall_seconds", std::chrono::duration<double>(end_time_ - start_time_).count()},
      {"run_start_monotonic_seconds", monotonic_seconds(start_time_)},
      {"run_end_monotonic_seconds", monotonic_seconds(end_time_)},
      {"run_minor_faults", minor_faults_in_run_},
      {"run_major_faults", major_faults_in_run_},
      {"anon_huge_pages_start_bytes", anon_huge_pages_start_bytes_},
      {"anon_huge_pages_bytes", anon_huge_pages_end_bytes_},
      {"metrics", metrics_},
  };
  if (cgroup_) {
    // The cgroup charges each page once, however many processes map it: the true peak of the tree.
    result["tree_start_bytes"] = tree_start_bytes_;
    result["tree_peak_bytes"] = tree_peak_bytes_;
    result["tree_peak_delta_bytes"] = tree_peak_bytes_ > tree_start_bytes_ ? tree_peak_bytes_ - tree_start_bytes_ : 0;
    result["tree_peak_scope"] = tree_peak_scope_;
  }
  return result;
}

}  // namespace oomlab
