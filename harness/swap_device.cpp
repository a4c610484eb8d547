// Creating and removing oomlab's own swap devices.
#include "swap_device.hpp"

#include <fcntl.h>
#include <linux/loop.h>
#include <pthread.h>
#include <signal.h>
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
#include <iostream>
#include <stdexcept>
#include <thread>

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
  while ((count = ::read(pipe_fds[0], buffer, sizeof(buffer))) > 0 || (count < 0 && errno == EINTR)) {
    if (count > 0) output.append(buffer, static_cast<std::size_t>(count));
  }
  ::close(pipe_fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
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

std::optional<int> read_sysfs_number(const fs::path& file) {
  std::ifstream in(file);
  int value = 0;
  if (in >> value) return value;
  return std::nullopt;
}

bool listed_in_proc_swaps(const std::string& device) {
  const auto active = active_swap_devices();
  return std::find(active.begin(), active.end(), device) != active.end();
}

std::string block_name(const std::string& device) { return fs::path(device).filename().string(); }

}  // namespace

SwapoffResult swapoff_with_retry(const std::string& device) {
  // Held back, not lost: a pending SIGINT or SIGTERM is delivered when the mask is restored. SIGKILL
  // cannot be held back, and then nothing of this process runs anyway.
  sigset_t all_signals, previous;
  ::sigfillset(&all_signals);
  ::pthread_sigmask(SIG_BLOCK, &all_signals, &previous);
  int last_errno = 0;
  for (int attempt = 0; attempt < 20; ++attempt) {
    if (::swapoff(device.c_str()) == 0) {
      last_errno = 0;
      break;
    }
    last_errno = errno;
    if (last_errno == EINTR) continue;
    if (last_errno != ENOMEM && last_errno != EBUSY) break;  // EINVAL, ENOENT, EPERM: retrying will not change it
    std::this_thread::sleep_for(std::chrono::milliseconds(100 * (attempt + 1)));
  }
  ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  SwapoffResult result;
  result.off = !listed_in_proc_swaps(device);
  if (!result.off) result.error = last_errno != 0 ? std::strerror(last_errno) : "still listed in /proc/swaps";
  return result;
}

std::optional<FileIdentity> loop_backing_identity(const std::string& device) {
  const int fd = ::open(device.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  loop_info64 info {};
  const bool bound = ::ioctl(fd, LOOP_GET_STATUS64, &info) == 0;
  ::close(fd);
  if (!bound) return std::nullopt;
  return FileIdentity{info.lo_device, info.lo_inode, 0, 0};
}

bool detach_loop_device(const std::string& device) {
  const int fd = ::open(device.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    ::ioctl(fd, LOOP_CLR_FD, 0);
    ::close(fd);
  }
  // LOOP_CLR_FD on a device someone else holds open only marks it for detaching on the last close.
  for (int attempt = 0; attempt < 50 && loop_backing_identity(device); ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return !loop_backing_identity(device);
}

bool remove_zram_device(int zram_id) {
  const fs::path block = "/sys/block/zram" + std::to_string(zram_id);
  try {
    write_sysfs(block / "reset", "1");
    write_sysfs("/sys/class/zram-control/hot_remove", std::to_string(zram_id));
  } catch (const std::exception&) {
  }
  return !fs::exists(block);
}

std::optional<bool> zswap_enabled() {
  std::ifstream in("/sys/module/zswap/parameters/enabled");
  std::string value;
  if (!(in >> value)) return std::nullopt;
  return value == "Y" || value == "1";
}

SwapDevice::SwapDevice(SwapKind kind, std::uint64_t size_bytes, const fs::path& directory, std::optional<bool> rotational)
    : kind_(kind), size_bytes_(size_bytes) {
  try {
    uuid_ = new_uuid();
    const std::string label = "oomlab-" + std::to_string(::getpid());  // mkswap allows 16 characters
    if (kind == SwapKind::disk_loop) {
      struct statvfs disk {};
      if (::statvfs(directory.c_str(), &disk) != 0) throw std::runtime_error("cannot stat " + directory.string());
      const std::uint64_t free_bytes = static_cast<std::uint64_t>(disk.f_bavail) * disk.f_frsize;
      if (free_bytes < size_bytes + kDiskMarginBytes) {
        throw std::runtime_error("not enough free disk space in " + directory.string() + " for a " +
                                 std::to_string(size_bytes >> 20) + " MiB swap file (" +
                                 std::to_string(free_bytes >> 20) + " MiB free, 1 GiB kept in reserve)");
      }
      // An unpredictable name, created here and now (O_EXCL: never an existing file or symlink).
      std::string name = (fs::absolute(directory) / "oomlab-swap-XXXXXX.img").string();
      const int fd = ::mkostemps(name.data(), 4, O_CLOEXEC);
      if (fd < 0) throw std::runtime_error("cannot create a swap file in " + directory.string() + ": " + std::strerror(errno));
      file_ = name;
      const auto identity = file_identity(file_);
      try {
        file_record_ = record_ownership({{"kind", kOwnedSwapFile}, {"path", file_.string()},
                                         {"device", identity ? identity->device : 0}, {"inode", identity ? identity->inode : 0},
                                         {"birth_time_ns", identity ? identity->birth_time_ns : 0},
                                         {"size_bytes", size_bytes}, {"swap_uuid", uuid_}, {"swap_label", label}});
      } catch (...) {
        ::close(fd);
        throw;
      }
      const int allocated = ::posix_fallocate(fd, 0, static_cast<off_t>(size_bytes));
      ::close(fd);
      if (allocated != 0) throw std::runtime_error("cannot allocate " + file_.string() + ": " + std::strerror(allocated));
      // Direct I/O: without it the loop device reads through the page cache, and "disk" swap-ins
      // would be served from RAM.
      device_ = run_program({"losetup", "--find", "--show", "--direct-io=on", file_.string()});
      device_record_ = record_ownership({{"kind", kOwnedLoopDevice}, {"path", device_}, {"backing_file", file_.string()},
                                         {"backing_device", identity ? identity->device : 0},
                                         {"backing_inode", identity ? identity->inode : 0}});
      const fs::path block = "/sys/block/" + block_name(device_);
      // losetup asks for direct I/O; the kernel grants it only if the file's file system and the
      // block sizes allow it, and falls back to buffered I/O without an error. Read what it did.
      if (const auto dio = read_sysfs_number(block / "loop" / "dio")) direct_io_ = *dio == 1;
      if (rotational) {
        try {
          write_sysfs(block / "queue" / "rotational", *rotational ? "1" : "0");
        } catch (const std::exception&) {
          // Not fatal: the record says what the device is (read back below), not what was asked.
        }
      }
      rotational_ = read_sysfs_number(block / "queue" / "rotational");
    } else {
      std::ifstream hot_add("/sys/class/zram-control/hot_add");
      if (!(hot_add >> zram_id_)) throw std::runtime_error("cannot add a zram device (/sys/class/zram-control/hot_add)");
      device_ = "/dev/zram" + std::to_string(zram_id_);
      device_record_ = record_ownership({{"kind", kOwnedZramDevice}, {"path", device_}, {"zram_id", zram_id_},
                                         {"disksize_bytes", size_bytes}, {"comp_algorithm", "lz4"},
                                         {"swap_uuid", uuid_}, {"swap_label", label}});
      const fs::path block = "/sys/block/zram" + std::to_string(zram_id_);
      write_sysfs(block / "comp_algorithm", "lz4");
      write_sysfs(block / "disksize", std::to_string(size_bytes));
      rotational_ = read_sysfs_number(block / "queue" / "rotational");
    }
    struct stat device_stat {};
    if (::stat(device_.c_str(), &device_stat) != 0) throw std::runtime_error("no device " + device_);
    major_ = ::major(device_stat.st_rdev);
    minor_ = ::minor(device_stat.st_rdev);
    run_program({"mkswap", "--uuid", uuid_, "--label", label, device_});
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
  std::vector<std::string> left;  // what could not be undone
  if (swap_on_) {
    const SwapoffResult swapoff = swapoff_with_retry(device_);
    swap_on_ = !swapoff.off;
    if (swap_on_) left.push_back("swap on " + device_ + " is still on (swapoff: " + swapoff.error + ")");
  }
  bool device_gone = device_.empty();
  if (!device_.empty() && !swap_on_) {
    device_gone = kind_ == SwapKind::disk_loop ? detach_loop_device(device_) : remove_zram_device(zram_id_);
    if (!device_gone) left.push_back((kind_ == SwapKind::disk_loop ? "loop device " : "zram device ") + device_ + " is still there");
  }
  if (device_gone) {
    drop_ownership(device_record_);
    device_.clear();
  }
  // The file goes only once nothing uses it: a loop device still bound to it keeps its record, and
  // cleanup finds the pair by the file's inode.
  if (!file_.empty() && device_gone) {
    if (::unlink(file_.c_str()) == 0 || errno == ENOENT) {
      drop_ownership(file_record_);
      file_.clear();
    } else {
      left.push_back("swap file " + file_.string() + " (" + std::strerror(errno) + ")");
    }
  } else if (!file_.empty()) {
    left.push_back("swap file " + file_.string());
  }
  for (const std::string& what : left) {
    std::cerr << "oomlab: could not undo: " << what << "; its ownership record is kept, and `oomlab cleanup` retries\n";
  }
}

std::string SwapDevice::description() const {
  if (kind_ == SwapKind::zram) return device_ + " (zram, lz4, " + std::to_string(size_bytes_ >> 20) + " MiB)";
  return device_ + " (loop, " + (direct_io_.value_or(false) ? "direct I/O" : "buffered I/O") + ", on " + file_.string() +
         ", " + std::to_string(size_bytes_ >> 20) + " MiB)";
}

}  // namespace oomlab
