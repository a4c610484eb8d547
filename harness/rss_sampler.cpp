// Sampling of one process or a whole tree, and peak-preserving thinning of the timeline.
#include "rss_sampler.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <limits>
#include <set>
#include <string>

#include "measured_run.hpp"
#include "cgroup.hpp"
#include "proc_memory.hpp"

namespace oomlab {
namespace {

const std::uint64_t kPageSizeBytes = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));

// How often the member list of a tree is refreshed, in ticks (of 20 ms): new workers appear within 40 ms.
constexpr std::size_t kMembershipRefreshTicks = 2;

// smaps_rollup runs at most every 25 ms, and the sampler's own (not the child's requested ones) take
// at most 1/options.pss_cost_ratio of the time so far, as predicted before each one.
// The first one waits as long: at the child's start the tree is one small process, and a walk then
// costs a run of a few milliseconds several percent of its time while it shows nothing of its peak.
constexpr std::chrono::milliseconds kPssMinInterval{25};

// The cost of a walk before any has been timed, per byte of the tree's RSS: on this project's test
// machine a 50 MiB interpreter took 0.7 ms and a 300 MiB Dask tree 4 ms (about 1.4e-11 s per byte).
constexpr double kPriorPssSecondsPerRssByte = 2e-11;

int open_statm(pid_t pid) {
  return ::open(("/proc/" + std::to_string(pid) + "/statm").c_str(), O_RDONLY | O_CLOEXEC);
}

// One decimal number from a kept-open cgroup file (re-read from offset 0).
std::optional<std::uint64_t> pread_number(int fd) {
  if (fd < 0) return std::nullopt;
  char buffer[32];
  const ssize_t length = ::pread(fd, buffer, sizeof(buffer) - 1, 0);
  if (length <= 0) return std::nullopt;
  buffer[length] = '\0';
  unsigned long long value = 0;
  if (std::sscanf(buffer, "%llu", &value) != 1) return std::nullopt;
  return value;
}

std::optional<std::uint64_t> pread_rss_bytes(int fd) {
  char buffer[128];
  const ssize_t length = ::pread(fd, buffer, sizeof(buffer) - 1, 0);  // statm regenerates at offset 0
  if (length <= 0) return std::nullopt;
  buffer[length] = '\0';
  unsigned long long size_pages = 0, resident_pages = 0;
  if (std::sscanf(buffer, "%llu %llu", &size_pages, &resident_pages) != 2) return std::nullopt;
  return resident_pages * kPageSizeBytes;
}

// Members of process group `group`, by a scan of /proc/<pid>/stat (field 5 is the group).
std::set<pid_t> process_group_members(pid_t group) {
  std::set<pid_t> members;
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return members;
  while (const dirent* entry = ::readdir(proc)) {
    const pid_t pid = static_cast<pid_t>(std::atoi(entry->d_name));
    if (pid <= 0) continue;
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line)) continue;
    // The command name in parentheses may hold spaces; the fields after ")" are plain.
    const auto after_name = line.rfind(')');
    if (after_name == std::string::npos) continue;
    char state = 0;
    int parent = 0, process_group = 0;
    if (std::sscanf(line.c_str() + after_name + 1, " %c %d %d", &state, &parent, &process_group) == 3 &&
        process_group == group) {
      members.insert(pid);
    }
  }
  ::closedir(proc);
  return members;
}

template <class T>
std::vector<std::size_t> peak_preserving_indices(const std::vector<T>& values, std::size_t max_points) {
  std::vector<std::size_t> kept;
  const std::size_t count = values.size();
  const std::size_t bucket = std::max<std::size_t>(1, (count + max_points - 1) / std::max<std::size_t>(1, max_points));
  for (std::size_t first = 0; first < count; first += bucket) {
    const std::size_t last = std::min(count, first + bucket);
    kept.push_back(static_cast<std::size_t>(std::max_element(values.begin() + first, values.begin() + last) - values.begin()));
  }
  return kept;
}

template <class T>
std::vector<T> pick(const std::vector<T>& values, const std::vector<std::size_t>& indices) {
  std::vector<T> picked;
  picked.reserve(indices.size());
  for (const std::size_t index : indices) picked.push_back(values[index]);
  return picked;
}

}  // namespace

RssSampler::RssSampler(pid_t root, std::chrono::steady_clock::time_point child_start, SamplerOptions options)
    : root_(root),
      child_start_(child_start),
      options_(std::move(options)),
      next_pss_at_(child_start + kPssMinInterval),
      pss_seconds_per_rss_byte_(kPriorPssSecondsPerRssByte) {
  const int fd = open_statm(root);
  if (fd >= 0) statm_fds_[root] = fd;
  if (options_.cgroup_memory && options_.cgroup) {
    const std::filesystem::path& cgroup = *options_.cgroup;
    const bool v1 = std::filesystem::exists(cgroup / "memory.usage_in_bytes");
    cgroup_usage_fd_ = ::open((cgroup / (v1 ? "memory.usage_in_bytes" : "memory.current")).c_str(), O_RDONLY | O_CLOEXEC);
    cgroup_swap_fd_ = ::open((cgroup / (v1 ? "memory.memsw.usage_in_bytes" : "memory.swap.current")).c_str(),
                             O_RDONLY | O_CLOEXEC);
    swap_includes_memory_ = v1;
  }
  if (options_.zram_mm_stat) zram_mm_stat_fd_ = ::open(options_.zram_mm_stat->c_str(), O_RDONLY | O_CLOEXEC);
}

RssSampler::~RssSampler() {
  for (const auto& [pid, fd] : statm_fds_) ::close(fd);
  for (const int fd : {cgroup_usage_fd_, cgroup_swap_fd_, zram_mm_stat_fd_}) {
    if (fd >= 0) ::close(fd);
  }
}

void RssSampler::sample_zram() {
  // mm_stat: orig_data_size compr_data_size mem_used_total mem_limit mem_used_max same_pages ...
  char buffer[256];
  const ssize_t length = ::pread(zram_mm_stat_fd_, buffer, sizeof(buffer) - 1, 0);
  if (length <= 0) return;
  buffer[length] = '\0';
  unsigned long long orig = 0, compressed = 0, used = 0, limit = 0, used_max = 0, same = 0;
  if (std::sscanf(buffer, "%llu %llu %llu %llu %llu %llu", &orig, &compressed, &used, &limit, &used_max, &same) != 6) return;
  if (!zram_peak_ || used > zram_peak_->mem_used_total_bytes) zram_peak_ = ZramSample{orig, compressed, used, same};
}

void RssSampler::sample_cgroup(double t_seconds) {
  const auto usage_bytes = pread_number(cgroup_usage_fd_);
  if (!usage_bytes) return;
  std::uint64_t swap_bytes = 0;
  if (const auto swap_reading = pread_number(cgroup_swap_fd_)) {
    swap_bytes = swap_includes_memory_ ? (*swap_reading > *usage_bytes ? *swap_reading - *usage_bytes : 0) : *swap_reading;
  }
  cgroup_bytes_.push_back(*usage_bytes);
  cgroup_swap_bytes_.push_back(swap_bytes);
  if (!cgroup_peak_ || *usage_bytes > cgroup_peak_->charged_bytes) {
    // memory.stat is long (v1: ~40 lines); it is read only when the charge reaches a new high.
    const auto split = read_cgroup_anon_file_bytes(*options_.cgroup);
    const std::uint64_t highest_swap_bytes = cgroup_peak_ ? cgroup_peak_->swap_bytes : 0;
    cgroup_peak_ = CgroupSampledPeak{*usage_bytes, split.first, split.second, highest_swap_bytes, t_seconds};
  }
  cgroup_peak_->swap_bytes = std::max(cgroup_peak_->swap_bytes, swap_bytes);
}

void RssSampler::refresh_members() {
  std::set<pid_t> members;
  if (options_.cgroup) {
    std::ifstream procs(*options_.cgroup / "cgroup.procs");
    pid_t pid;
    while (procs >> pid) members.insert(pid);
  } else {
    members = process_group_members(root_);
  }
  for (const pid_t pid : members) {
    if (statm_fds_.count(pid)) continue;
    const int fd = open_statm(pid);
    if (fd >= 0) statm_fds_[pid] = fd;
  }
}

void RssSampler::sample() {
  const auto now = std::chrono::steady_clock::now();
  if (options_.whole_tree && ticks_++ % kMembershipRefreshTicks == 0) refresh_members();
  std::uint64_t rss_sum_bytes = 0;
  std::uint32_t alive = 0;
  for (auto it = statm_fds_.begin(); it != statm_fds_.end();) {
    const auto rss_bytes = pread_rss_bytes(it->second);
    if (!rss_bytes) {  // the process is gone
      ::close(it->second);
      it = statm_fds_.erase(it);
      continue;
    }
    rss_sum_bytes += *rss_bytes;
    ++alive;
    ++it;
  }
  if (alive == 0) return;
  const double t_seconds = std::chrono::duration<double>(now - child_start_).count();
  t_seconds_.push_back(t_seconds);
  rss_bytes_.push_back(rss_sum_bytes);
  process_counts_.push_back(alive);
  if (cgroup_usage_fd_ >= 0) sample_cgroup(t_seconds);
  if (zram_mm_stat_fd_ >= 0) sample_zram();
  last_rss_sum_bytes_ = rss_sum_bytes;
  if (options_.whole_tree && now >= next_pss_at_ && pss_fits_budget(now, rss_sum_bytes)) sample_pss(now, true);
}

bool RssSampler::pss_fits_budget(std::chrono::steady_clock::time_point now, std::uint64_t rss_sum_bytes) const {
  const double elapsed_seconds = std::chrono::duration<double>(now - child_start_).count();
  const double predicted_seconds = pss_seconds_per_rss_byte_ * static_cast<double>(rss_sum_bytes);
  return periodic_pss_seconds_ + predicted_seconds <= elapsed_seconds / options_.pss_cost_ratio;
}

void RssSampler::sample_everything() {
  if (!options_.whole_tree) return;
  refresh_members();
  sample();
  sample_pss(std::chrono::steady_clock::now(), false);
}

void RssSampler::sample_pss(std::chrono::steady_clock::time_point now, bool periodic) {
  std::uint64_t pss_sum_bytes = 0, uss_sum_bytes = 0;
  std::map<pid_t, std::uint64_t> uss_by_pid;
  for (const auto& [pid, fd] : statm_fds_) {
    const auto rollup = read_smaps_rollup(pid);
    if (!rollup) continue;
    pss_sum_bytes += rollup->pss_bytes;
    uss_sum_bytes += rollup->uss_bytes;
    uss_by_pid[pid] = rollup->uss_bytes;
  }
  uss_by_pid_.push_back(std::move(uss_by_pid));
  const auto done = std::chrono::steady_clock::now();
  pss_t_seconds_.push_back(std::chrono::duration<double>(now - child_start_).count());
  pss_sum_bytes_.push_back(pss_sum_bytes);
  uss_sum_bytes_.push_back(uss_sum_bytes);
  const double cost_seconds = std::chrono::duration<double>(done - now).count();
  if (periodic) periodic_pss_seconds_ += cost_seconds;
  constexpr double kOneMiB = 1 << 20;  // below it the walk's fixed cost dominates
  pss_seconds_per_rss_byte_ = cost_seconds / std::max(kOneMiB, static_cast<double>(last_rss_sum_bytes_));
  next_pss_at_ = done + kPssMinInterval;
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
  const auto kept = peak_preserving_indices(rss_bytes_, max_points);
  const double child_start_seconds = monotonic_seconds(child_start_);
  nlohmann::json timeline = {
      {"t_seconds", pick(t_seconds_, kept)},
      {"rss_bytes", pick(rss_bytes_, kept)},
      {"sample_interval_seconds", median_interval_seconds()},
      {"run_start_seconds", nullptr},
      {"run_end_seconds", nullptr},
  };
  if (run_start_monotonic_seconds > 0) timeline["run_start_seconds"] = run_start_monotonic_seconds - child_start_seconds;
  if (run_end_monotonic_seconds > 0) timeline["run_end_seconds"] = run_end_monotonic_seconds - child_start_seconds;
  if (cgroup_bytes_.size() == t_seconds_.size()) {
    timeline["cgroup_bytes"] = pick(cgroup_bytes_, kept);
    timeline["cgroup_swap_bytes"] = pick(cgroup_swap_bytes_, kept);
  }
  if (options_.whole_tree) {
    timeline["process_count"] = pick(process_counts_, kept);
    const auto kept_pss = peak_preserving_indices(pss_sum_bytes_, max_points);
    timeline["pss"] = {{"t_seconds", pick(pss_t_seconds_, kept_pss)},
                       {"pss_sum_bytes", pick(pss_sum_bytes_, kept_pss)},
                       {"uss_sum_bytes", pick(uss_sum_bytes_, kept_pss)}};
  }
  return timeline;
}

nlohmann::json RssSampler::tree_peaks(double run_start_monotonic_seconds, double run_end_monotonic_seconds) const {
  if (!options_.whole_tree) return nlohmann::json::object();
  // The measured phase in the samples' clock (seconds since the child started).
  const double child_start_seconds = monotonic_seconds(child_start_);
  const bool run_started = run_start_monotonic_seconds > 0;
  const double from_seconds = run_start_monotonic_seconds - child_start_seconds;
  const double to_seconds = run_end_monotonic_seconds > 0 ? run_end_monotonic_seconds - child_start_seconds
                                                          : std::numeric_limits<double>::infinity();
  const auto in_phase = [&](double t_seconds) { return t_seconds >= from_seconds && t_seconds <= to_seconds; };
  const bool measured_phase =
      run_started && std::any_of(t_seconds_.begin(), t_seconds_.end(), in_phase);
  const auto kept = [&](double t_seconds) { return !measured_phase || in_phase(t_seconds); };

  std::uint64_t rss_sum_peak = 0, pss_sum_peak = 0;
  std::uint32_t max_process_count = 0;
  for (std::size_t i = 0; i < t_seconds_.size(); ++i) {
    if (!kept(t_seconds_[i])) continue;
    rss_sum_peak = std::max(rss_sum_peak, rss_bytes_[i]);
    max_process_count = std::max(max_process_count, process_counts_[i]);
  }
  std::map<pid_t, std::uint64_t> uss_peak_by_pid;
  bool pss_sampled = false;
  for (std::size_t i = 0; i < pss_t_seconds_.size(); ++i) {
    if (!kept(pss_t_seconds_[i])) continue;
    pss_sampled = true;
    pss_sum_peak = std::max(pss_sum_peak, pss_sum_bytes_[i]);
    for (const auto& [pid, bytes] : uss_by_pid_[i]) uss_peak_by_pid[pid] = std::max(uss_peak_by_pid[pid], bytes);
  }
  std::vector<std::uint64_t> uss_peaks;
  for (const auto& [pid, bytes] : uss_peak_by_pid) uss_peaks.push_back(bytes);
  std::sort(uss_peaks.rbegin(), uss_peaks.rend());
  const bool sampled = max_process_count > 0;
  return {{"rss_sum_peak_bytes", sampled ? nlohmann::json(rss_sum_peak) : nlohmann::json(nullptr)},
          {"pss_sum_peak_bytes", pss_sampled ? nlohmann::json(pss_sum_peak) : nlohmann::json(nullptr)},
          {"uss_peak_bytes", uss_peaks},
          {"max_process_count", sampled ? nlohmann::json(max_process_count) : nlohmann::json(nullptr)},
          {"sampled_peak_scope", measured_phase ? "measured_phase" : "child_lifetime"}};
}

}  // namespace oomlab
