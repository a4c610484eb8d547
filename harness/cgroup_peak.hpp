// The peak of a run cgroup over the measured phase only: the true simultaneous peak of a process
// tree, without what the setup used. v1 resets memory.max_usage_in_bytes for everyone. v2's
// memory.peak resets only for the open file that was written to (kernel 6.12 and later), so the
// window keeps that file open from start to end. On older v2 kernels no reset exists: the peak then
// covers the child's whole life, and scope() says so, for the record and the report.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace oomlab {

class CgroupPeakWindow {
 public:
  // Starts the window now: resets the peak where the kernel can.
  explicit CgroupPeakWindow(const std::filesystem::path& cgroup);
  ~CgroupPeakWindow();
  CgroupPeakWindow(const CgroupPeakWindow&) = delete;
  CgroupPeakWindow& operator=(const CgroupPeakWindow&) = delete;

  // The highest charge since the window started ("measured_phase") or since the cgroup was made
  // ("child_lifetime").
  std::optional<std::uint64_t> peak_bytes() const;
  // "measured_phase" or "child_lifetime": the tree_peak_scope of the record.
  std::string scope() const { return reset_ ? "measured_phase" : "child_lifetime"; }

 private:
  std::filesystem::path cgroup_;
  int v2_peak_fd_ = -1;  // memory.peak, opened for reading and writing, written to at the start
  bool reset_ = false;
};

}  // namespace oomlab
