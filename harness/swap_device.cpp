// Creating and removing oomlab's own swap devices.
#include "swap_device.hpp"

#include <fcntl.h>
#include <linux/loop.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/swap.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "cleanup.hpp"
#include "proc_memory.hpp"

namespace oomlab {
namespace fs = std::filesystem;
namespace {

// Free space left on the disk after the swap file: the machine must not run out because of us.
constexpr std::uint64_t kDiskMarginBytes = 1ull << 30;

// Runs a program (mkswap, losetup) without a shell; returns its first output line, or throws.
std::string run_program(const std::vector<std::string>& arguments) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(pipe_fds[1], STDOUT_FILENO);
    std::vector<char*> argv;
    for (const std::string& argument : arguments) argv.push_back(const_cast<char*>(argument.c_str()));
    argv.push_back(nullptr);
    ::execvp(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  std::string output;
  char buffer[512];
  ssize_t count;
  while ((count = ::read(pipe_fds[0], buffer, sizeof(buffer))) > 0) output.append(buffer, static_cast<std::size_t>(count));
  ::close(pipe_fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string command;
    for (const std::string& argument : arguments) command += argument + " ";
    throw std::runtime_error("`" + command + "` failed");
  }
  return output.substr(0, output.find('\n'));
}

void write_sysfs(const fs::path& file, const std::string& value) {
  std::ofstream out(file);
  out << value;
  out.flush();
  if (!out) throw std::runtime_error("cannot write '" + value + "' to " + file.string());
}

std::string file_name() {
  static int counter = 0;
  return std::string(kResourceMarker) + "-swap-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".img";
}

}  // namespace

std::string swapoff_with_retry(const std::string& device) {
  int last_errno = 0;
  for (int attempt = 0; attempt < 20; ++attempt) {
    if (::swapoff(device.c_str()) == 0) return "";
    last_errno = errno;
    if (last_errno != ENOMEM && last_errno != EBUSY) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100 * (attempt + 1)));
  }
  return std::strerror(last_errno);
}

SwapDevice::SwapDevice(SwapKind kind, std::uint64_t size_bytes, const fs::path& directory)
    : kind_(kind), size_bytes_(size_bytes) {
  try {
    if (kind == SwapKind::disk_loop) {
      struct statvfs disk {};
      if (::statvfs(directory.c_str(), &disk) != 0) throw std::runtime_error("cannot stat " + directory.string());
      const std::uint64_t free_bytes = static_cast<std::uint64_t>(disk.f_bavail) * disk.f_frsize;
      if (free_bytes < size_bytes + kDiskMarginBytes) {
        throw std::runtime_error("not enough free disk space in " + directory.string() + " for a " +
                                 std::to_string(size_bytes >> 20) + " MiB swap file (" +
                                 std::to_string(free_bytes >> 20) + " MiB free, 1 GiB kept in reserve)");
      }
      file_ = directory / file_name();
      const int fd = ::open(file_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
      if (fd < 0) throw std::runtime_error("cannot create " + file_.string() + ": " + std::strerror(errno));
      const int allocated = ::posix_fallocate(fd, 0, static_cast<off_t>(size_bytes));
      ::close(fd);
      if (allocated != 0) throw std::runtime_error("cannot allocate " + file_.string() + ": " + std::strerror(allocated));
      // Direct I/O: without it the loop device reads through the page cache, and "disk" swap-ins
      // would be served from RAM.
      device_ = run_program({"losetup", "--find", "--show", "--direct-io=on", file_.string()});
    } else {
      std::ifstream hot_add("/sys/class/zram-control/hot_add");
      if (!(hot_add >> zram_id_)) throw std::runtime_error("cannot add a zram device (/sys/class/zram-control/hot_add)");
      device_ = "/dev/zram" + std::to_string(zram_id_);
      fs::create_directories(kZramStateDir);
      std::ofstream(kZramStateDir / ("zram" + std::to_string(zram_id_))) << ::getpid() << "\n";
      const fs::path block = "/sys/block/zram" + std::to_string(zram_id_);
      write_sysfs(block / "comp_algorithm", "lz4");
      write_sysfs(block / "disksize", std::to_string(size_bytes));
    }
    struct stat device_stat {};
    if (::stat(device_.c_str(), &device_stat) != 0) throw std::runtime_error("no device " + device_);
    major_ = ::major(device_stat.st_rdev);
    minor_ = ::minor(device_stat.st_rdev);
    run_program({"mkswap", "--label", kResourceMarker, device_});
    if (::swapon(device_.c_str(), SWAP_FLAG_PREFER | (32767 << SWAP_FLAG_PRIO_SHIFT)) != 0) {
      throw std::runtime_error("swapon " + device_ + ": " + std::strerror(errno));
    }
    swap_on_ = true;
  } catch (...) {
    tear_down();
    throw;
  }
}

SwapDevice::~SwapDevice() { tear_down(); }

void SwapDevice::tear_down() noexcept {
  if (swap_on_) {
    const std::string error = swapoff_with_retry(device_);
    // Trust /proc/swaps, not the return code: a device still listed there must keep its backing.
    const auto active = active_swap_devices();
    swap_on_ = !error.empty() || std::find(active.begin(), active.end(), device_) != active.end();
  }
  if (kind_ == SwapKind::disk_loop && !device_.empty() && !swap_on_) {
    const int fd = ::open(device_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      ::ioctl(fd, LOOP_CLR_FD, 0);
      ::close(fd);
    }
  }
  if (!file_.empty() && !swap_on_) {
    std::error_code ignored;
    fs::remove(file_, ignored);
  }
  if (zram_id_ >= 0 && !swap_on_) {
    try {
      const fs::path block = "/sys/block/zram" + std::to_string(zram_id_);
      write_sysfs(block / "reset", "1");
      write_sysfs("/sys/class/zram-control/hot_remove", std::to_string(zram_id_));
      std::error_code ignored;
      fs::remove(kZramStateDir / ("zram" + std::to_string(zram_id_)), ignored);
    } catch (const std::exception&) {
      // Left for `oomlab cleanup`, which finds it through the state file.
    }
  }
}

std::string SwapDevice::description() const {
  if (kind_ == SwapKind::zram) return device_ + " (zram, lz4, " + std::to_string(size_bytes_ >> 20) + " MiB)";
  return device_ + " (loop, direct I/O, on " + file_.string() + ", " + std::to_string(size_bytes_ >> 20) + " MiB)";
}

}  // namespace oomlab
