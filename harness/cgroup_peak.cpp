// A run cgroup's peak over the measured phase: v1's global reset, v2's per-open-file reset.
#include "cgroup_peak.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "cgroup.hpp"

namespace oomlab {

CgroupPeakWindow::CgroupPeakWindow(const std::filesystem::path& cgroup) : cgroup_(cgroup) {
  const std::filesystem::path v2_peak = cgroup / "memory.peak";
  if (std::filesystem::exists(v2_peak)) {
    // Before 6.12 memory.peak has no write handler: the open for writing (or the write) fails.
    v2_peak_fd_ = ::open(v2_peak.c_str(), O_RDWR | O_CLOEXEC);
    if (v2_peak_fd_ >= 0) {
      static constexpr char kReset[] = "reset\n";
      if (::write(v2_peak_fd_, kReset, sizeof kReset - 1) == static_cast<ssize_t>(sizeof kReset - 1)) {
        reset_ = true;
      } else {
        ::close(v2_peak_fd_);
        v2_peak_fd_ = -1;
      }
    }
    return;
  }
  reset_ = reset_cgroup_peak(cgroup);
}

CgroupPeakWindow::~CgroupPeakWindow() {
  if (v2_peak_fd_ >= 0) ::close(v2_peak_fd_);
}

std::optional<std::uint64_t> CgroupPeakWindow::peak_bytes() const {
  if (v2_peak_fd_ < 0) return cgroup_peak_bytes(cgroup_);
  char text[32] = {};
  ssize_t count;
  do {
    count = ::pread(v2_peak_fd_, text, sizeof text - 1, 0);
  } while (count < 0 && errno == EINTR);
  if (count <= 0) return std::nullopt;
  char* end = nullptr;
  const unsigned long long value = std::strtoull(text, &end, 10);
  if (end == text) return std::nullopt;
  return value;
}

}  // namespace oomlab
