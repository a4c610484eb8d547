// One swap run at a time per machine. Swap profiles give their device the highest priority
// (32767), so a second run's pages would land on the first run's device, and one run's swapoff
// would drag the other's pages back under its limit; the kernel's pswpin/pswpout counters are
// machine-wide on cgroup v1 too. So a run with swap profiles holds an exclusive flock on
// kSwapLockFile for its whole length, with its pid and command written in it, and a second run
// waits for it (saying who holds it), then gives up.
#pragma once

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace oomlab {

// In /run itself (root's alone): not in the world-writable /run/lock, where a user could create it
// first and hold it, and not in /run/oomlab, where every file is read as a zram note.
inline const std::filesystem::path kSwapLockFile = "/run/oomlab-swap.lock";
// How long a second run waits before it exits with 2. OOMLAB_SWAP_LOCK_WAIT_SECONDS shortens it
// (the tests' way to see the give-up without waiting ten minutes).
inline constexpr std::chrono::seconds kSwapLockWait{600};
inline constexpr std::chrono::seconds kSwapLockNoticeEvery{60};

// The lock could not be had within the wait: the message names the holder (pid, command, since).
class SwapLockBusy : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class SwapLock {
 public:
  // Takes the lock, waiting for it if another run holds it; prints on stderr who holds it, once
  // and then every minute. Throws SwapLockBusy after the wait, std::runtime_error if the lock file
  // cannot be opened. Returns early, without the lock (held() is false), if the user interrupts.
  explicit SwapLock(const std::filesystem::path& file = kSwapLockFile);
  ~SwapLock();  // releases it (closing the file releases the flock)
  SwapLock(const SwapLock&) = delete;
  SwapLock& operator=(const SwapLock&) = delete;

  bool held() const { return fd_ >= 0; }

  // What the lock file says about its holder: "pid 123 (oomlab run swap …) since 2026-…", or "".
  static std::string holder(const std::filesystem::path& file = kSwapLockFile);

 private:
  int fd_ = -1;
};

}  // namespace oomlab
