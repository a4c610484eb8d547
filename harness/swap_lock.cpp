// The machine-wide swap lock: flock on a file in /run, the holder written into it.
#include "swap_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "interrupt.hpp"
#include "records.hpp"

namespace oomlab {
namespace {

std::chrono::seconds wait_limit() {
  if (const char* text = std::getenv("OOMLAB_SWAP_LOCK_WAIT_SECONDS"); text && *text) {
    char* end = nullptr;
    const long seconds = std::strtol(text, &end, 10);
    if (end != text && *end == '\0' && seconds >= 0 && seconds <= kSwapLockWait.count()) return std::chrono::seconds(seconds);
  }
  return kSwapLockWait;
}

std::string own_command_line() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!raw.empty() && raw.back() == '\0') raw.pop_back();
  for (char& c : raw) {
    if (c == '\0') c = ' ';
  }
  return raw;
}

}  // namespace

SwapLock::SwapLock(const std::filesystem::path& file) {
  std::error_code ignored;
  std::filesystem::create_directories(file.parent_path(), ignored);
  const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) throw std::runtime_error("cannot open the swap lock " + file.string() + ": " + std::strerror(errno));
  const auto started = std::chrono::steady_clock::now();
  const auto give_up_at = started + wait_limit();
  auto next_notice = started;
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) {
      const int saved_errno = errno;
      ::close(fd);
      throw std::runtime_error("cannot lock " + file.string() + ": " + std::strerror(saved_errno));
    }
    const auto now = std::chrono::steady_clock::now();
    const std::string who = holder(file);
    if (now >= give_up_at) {
      ::close(fd);
      throw SwapLockBusy("another run holds the swap lock " + file.string() + ": " + (who.empty() ? "holder unknown" : who) +
                         "; waited " + std::to_string(std::chrono::duration_cast<std::chrono::seconds>(now - started).count()) +
                         " s. Run again when it has finished (only one run may use swap at a time)");
    }
    if (now >= next_notice) {
      std::cerr << "oomlab: waiting for the swap lock " << file.string() << ", held by "
                << (who.empty() ? "a run that has not said who it is yet" : who) << "\n";
      next_notice = now + kSwapLockNoticeEvery;
    }
    if (interrupt_requested()) {
      ::close(fd);
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  fd_ = fd;
  const std::string text = "pid " + std::to_string(::getpid()) + " (" + own_command_line() + ") since " + iso_time_now() + "\n";
  if (::ftruncate(fd_, 0) == 0) {
    [[maybe_unused]] const ssize_t written = ::pwrite(fd_, text.data(), text.size(), 0);
  }
}

SwapLock::~SwapLock() {
  if (fd_ < 0) return;
  // Emptied first, so nobody reads a holder that has gone; the flock goes with the close.
  [[maybe_unused]] const int ignored = ::ftruncate(fd_, 0);
  ::close(fd_);
}

std::string SwapLock::holder(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  return line;
}

}  // namespace oomlab
