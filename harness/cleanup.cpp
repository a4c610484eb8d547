// Finding and removing oomlab's own leftovers.
#include "cleanup.hpp"

#include <fcntl.h>
#include <linux/loop.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "cgroup.hpp"
#include "proc_memory.hpp"
#include "scratch.hpp"
#include "swap_device.hpp"

namespace oomlab {
namespace fs = std::filesystem;
namespace {

bool has_marker(const std::string& text) { return text.find(kResourceMarker) != std::string::npos; }

std::string first_line(const fs::path& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  return line;
}

bool pid_is_live_oomlab(const std::string& pid) {
  if (pid.empty() || pid == std::to_string(::getpid())) return false;
  std::error_code error;
  const fs::path executable = fs::read_symlink("/proc/" + pid + "/exe", error);
  return !error && has_marker(executable.filename().string());
}

std::string loop_backing_file(const std::string& device) {
  return first_line("/sys/block/" + fs::path(device).filename().string() + "/loop/backing_file");
}

// zram devices oomlab noted as its own: {device, owner pid}.
std::vector<std::pair<std::string, std::string>> noted_zram_devices() {
  std::vector<std::pair<std::string, std::string>> devices;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(kZramStateDir, error)) {
    devices.emplace_back("/dev/" + entry.path().filename().string(), first_line(entry.path()));
  }
  return devices;
}

// Where oomlab makes its cgroups: right below the cgroup this process runs in, in each hierarchy.
std::vector<fs::path> own_cgroup_dirs() {
  const CgroupSupport support = probe_cgroups();
  std::vector<fs::path> dirs;
  for (const fs::path& dir : {support.memory_parent, support.io_parent}) {
    if (!dir.empty()) dirs.push_back(dir);
  }
  return dirs;
}

bool remove_cgroup(const fs::path& cgroup, std::string& why) {
  for (int attempt = 0; attempt < 50; ++attempt) {
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

bool owned_by_live_oomlab(const std::string& name) {
  // The owner is the first all-digit field: oomlab-<pid>-<n>, oomlab-swap-<pid>-<n>.img.
  std::stringstream fields(fs::path(name).filename().string());
  std::string field;
  while (std::getline(fields, field, '-')) {
    if (!field.empty() && field.find_first_not_of("0123456789") == std::string::npos) return pid_is_live_oomlab(field);
  }
  return false;
}

std::vector<std::string> marked_swap_devices() {
  std::vector<std::string> found;
  const auto zram_devices = noted_zram_devices();
  for (const std::string& device : active_swap_devices()) {
    if (device.rfind("/dev/loop", 0) == 0) {
      const std::string backing = loop_backing_file(device);
      if (has_marker(backing) && !owned_by_live_oomlab(backing)) found.push_back(device);
    } else if (has_marker(device) && !owned_by_live_oomlab(device)) {
      found.push_back(device);
    }
    for (const auto& [zram, owner] : zram_devices) {
      if (device == zram && !pid_is_live_oomlab(owner)) found.push_back(device);
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
    const std::string backing = loop_backing_file(name);
    if (has_marker(backing) && !owned_by_live_oomlab(backing)) found.push_back("/dev/" + name);
  }
  return found;
}

std::vector<std::string> marked_cgroups() {
  std::vector<std::string> found;
  for (const fs::path& dir : own_cgroup_dirs()) {
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(dir, error)) {
      const std::string name = entry.path().filename().string();
      if (entry.is_directory(error) && name.rfind(std::string(kResourceMarker) + "-", 0) == 0 &&
          !owned_by_live_oomlab(name)) {
        found.push_back(entry.path().string());
      }
    }
  }
  return found;
}

CleanupReport cleanup_leftovers() {
  CleanupReport report;
  auto note = [&report](bool ok, const std::string& what, const std::string& why) {
    (ok ? report.removed : report.failed).push_back(ok ? what : what + ": " + why);
  };
  for (const std::string& device : marked_swap_devices()) {
    const std::string why = swapoff_with_retry(device);
    note(why.empty(), "swap " + device, why);
  }
  for (const std::string& device : marked_loop_devices()) {
    const int fd = ::open(device.c_str(), O_RDONLY | O_CLOEXEC);
    const bool detached = fd >= 0 && ::ioctl(fd, LOOP_CLR_FD, 0) == 0;
    note(detached, "loop device " + device, std::strerror(errno));
    if (fd >= 0) ::close(fd);
  }
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(kDefaultSwapDirectory, error)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(std::string(kResourceMarker) + "-swap-", 0) == 0 && !owned_by_live_oomlab(name)) {
      std::error_code remove_error;
      note(fs::remove(entry.path(), remove_error), "swap file " + entry.path().string(), remove_error.message());
    }
  }
  for (const auto& entry : fs::directory_iterator(kScratchRoot, error)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(kScratchPrefix, 0) == 0 && !owned_by_live_oomlab(name)) {
      std::error_code remove_error;
      fs::remove_all(entry.path(), remove_error);
      note(!remove_error, "scratch folder " + entry.path().string(), remove_error.message());
    }
  }
  for (const auto& [device, owner] : noted_zram_devices()) {
    if (pid_is_live_oomlab(owner)) continue;
    const std::string id = device.substr(std::string("/dev/zram").size());
    std::ofstream("/sys/block/zram" + id + "/reset") << "1";
    std::ofstream remove("/sys/class/zram-control/hot_remove");
    remove << id;
    remove.flush();
    note(static_cast<bool>(remove), "zram device " + device, "hot_remove refused");
    if (remove) fs::remove(kZramStateDir / ("zram" + id), error);
  }
  for (const std::string& cgroup : marked_cgroups()) {
    std::string why;
    note(remove_cgroup(cgroup, why), "cgroup " + cgroup, why);
  }
  return report;
}

}  // namespace oomlab
