// Finding and removing oomlab's own leftovers.
#include "cleanup.hpp"

#include <fcntl.h>
#include <linux/loop.h>
#include <sys/ioctl.h>
#include <sys/swap.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace oomlab {
namespace fs = std::filesystem;
namespace {

bool has_marker(const std::string& text) { return text.find(kResourceMarker) != std::string::npos; }

// The cgroup this process runs in, in each hierarchy: oomlab makes its cgroups right below it.
std::vector<fs::path> own_cgroup_dirs() {
  std::vector<fs::path> dirs;
  std::ifstream in("/proc/self/cgroup");
  std::string line;
  while (std::getline(in, line)) {
    const auto first = line.find(':');
    const auto second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    const std::string controllers = line.substr(first + 1, second - first - 1);
    const std::string path = line.substr(second + 1);
    if (controllers.empty()) {
      dirs.push_back(fs::path("/sys/fs/cgroup") / path.substr(1));
    } else if (controllers == "memory" || controllers == "blkio") {
      dirs.push_back(fs::path("/sys/fs/cgroup") / controllers / path.substr(1));
    }
  }
  return dirs;
}

// `oomlab-<pid>-<n>`: left over only if process <pid> is no longer an oomlab (a live run owns it).
bool owner_is_gone(const std::string& name) {
  const auto first_dash = name.find('-');
  const auto second_dash = name.find('-', first_dash + 1);
  if (first_dash == std::string::npos || second_dash == std::string::npos) return true;
  const std::string pid = name.substr(first_dash + 1, second_dash - first_dash - 1);
  std::error_code error;
  const fs::path executable = fs::read_symlink("/proc/" + pid + "/exe", error);
  return error || executable.filename().string().find(kResourceMarker) == std::string::npos ||
         pid == std::to_string(::getpid());
}

bool swapoff_with_retry(const std::string& device, std::string& why) {
  // swapoff must bring every swapped page back; under pressure it can fail for a moment with ENOMEM.
  for (int attempt = 0; attempt < 10; ++attempt) {
    if (::swapoff(device.c_str()) == 0) return true;
    if (errno != ENOMEM) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200 * (attempt + 1)));
  }
  why = std::strerror(errno);
  return false;
}

bool remove_cgroup(const fs::path& cgroup, std::string& why) {
  // Children first: rmdir fails on a cgroup that still has child cgroups or processes.
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(cgroup, error)) {
    if (entry.is_directory(error) && !remove_cgroup(entry.path(), why)) return false;
  }
  for (int attempt = 0; attempt < 20; ++attempt) {
    std::ifstream procs(cgroup / "cgroup.procs");
    pid_t pid;
    while (procs >> pid) ::kill(pid, SIGKILL);
    if (::rmdir(cgroup.c_str()) == 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  why = std::strerror(errno);
  return false;
}

}  // namespace

std::vector<std::string> marked_swap_devices() {
  std::vector<std::string> found;
  std::ifstream swaps("/proc/swaps");
  std::string line;
  std::getline(swaps, line);  // header
  while (std::getline(swaps, line)) {
    std::istringstream fields(line);
    std::string device;
    fields >> device;
    if (has_marker(device)) {
      found.push_back(device);
    } else if (device.rfind("/dev/loop", 0) == 0) {
      // A loop device used as swap is ours if its backing file is.
      std::ifstream backing("/sys/block/" + device.substr(5) + "/loop/backing_file");
      std::string backing_file;
      std::getline(backing, backing_file);
      if (has_marker(backing_file)) found.push_back(device);
    }
  }
  return found;
}

std::vector<std::string> marked_loop_devices() {
  std::vector<std::string> found;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator("/sys/block", error)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("loop", 0) != 0) continue;
    std::ifstream backing(entry.path() / "loop" / "backing_file");
    std::string backing_file;
    if (std::getline(backing, backing_file) && has_marker(backing_file)) found.push_back("/dev/" + name);
  }
  return found;
}

std::vector<std::string> marked_cgroups() {
  std::vector<std::string> found;
  for (const fs::path& dir : own_cgroup_dirs()) {
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(dir, error)) {
      const std::string name = entry.path().filename().string();
      if (entry.is_directory(error) && name.rfind(std::string(kResourceMarker) + "-", 0) == 0 && owner_is_gone(name)) {
        found.push_back(entry.path().string());
      }
    }
  }
  return found;
}

CleanupReport cleanup_leftovers() {
  CleanupReport report;
  std::string why;
  for (const std::string& device : marked_swap_devices()) {
    if (swapoff_with_retry(device, why)) {
      report.removed.push_back("swap " + device);
    } else {
      report.failed.push_back("swap " + device + ": " + why);
    }
  }
  for (const std::string& device : marked_loop_devices()) {
    const int fd = ::open(device.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0 && ::ioctl(fd, LOOP_CLR_FD, 0) == 0) {
      report.removed.push_back("loop device " + device);
    } else {
      report.failed.push_back("loop device " + device + ": " + std::strerror(errno));
    }
    if (fd >= 0) ::close(fd);
  }
  for (const std::string& cgroup : marked_cgroups()) {
    if (remove_cgroup(cgroup, why)) {
      report.removed.push_back("cgroup " + cgroup);
    } else {
      report.failed.push_back("cgroup " + cgroup + ": " + why);
    }
  }
  return report;
}

}  // namespace oomlab
