// Protects the swap device's teardown: it must tell "already off" from "still on" (a device that
// swapoff answers EINVAL for is off, and its loop device and file must still go), go through
// signals (EINTR), verify with /proc/swaps, and leave no ownership record behind; and set-up must
// record what the kernel really did (direct I/O, rotational). Easy to break: count EINVAL as
// "still on" and leak the loop device and file, let Ctrl-C during swapoff leave a device on, or
// trust losetup's --direct-io=on without reading it back. Needs root and loop devices.
#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>
#include <sys/swap.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "cgroup.hpp"

#include "ownership.hpp"
#include "proc_memory.hpp"
#include "swap_device.hpp"

namespace {
namespace fs = std::filesystem;

bool listed_in_proc_swaps(const std::string& device) {
  const auto active = oomlab::active_swap_devices();
  return std::find(active.begin(), active.end(), device) != active.end();
}

std::vector<oomlab::OwnershipRecord> records_of_this_process() {
  std::vector<oomlab::OwnershipRecord> mine;
  for (auto& record : oomlab::read_ownership_records()) {
    if (record.owner.pid == ::getpid()) mine.push_back(record);
  }
  return mine;
}

std::string why_no_loop_swap() {
  if (::geteuid() != 0) return "needs root (losetup, swapon)";
  if (::access("/dev/loop-control", F_OK) != 0) return "no loop devices";
  if (::access("/sbin/swapon", X_OK) != 0 && ::access("/usr/sbin/swapon", X_OK) != 0) return "no swapon";
  return "";
}

TEST(Swapoff, ADeviceThatIsNotSwapIsReportedOffNotFailed) {
  // swapoff answers EINVAL (as root) or EPERM: either way /proc/swaps does not list it, so it is off.
  const oomlab::SwapoffResult result = oomlab::swapoff_with_retry("/dev/null");
  EXPECT_TRUE(result.off) << result.error;
  EXPECT_EQ(result.error, "");
}

class LoopSwap : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string why = why_no_loop_swap(); !why.empty()) GTEST_SKIP() << why;
    dir_ = fs::path("/var/tmp") / ("oomlab-swap-device-test-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  fs::path dir_;
};

TEST_F(LoopSwap, AnAlreadyOffDeviceIsTornDownWithItsLoopDeviceFileAndRecords) {
  std::string device;
  fs::path file;
  {
    oomlab::SwapDevice swap(oomlab::SwapKind::disk_loop, 16 << 20, dir_, /*rotational=*/false);
    device = swap.device();
    file = swap.file();
    ASSERT_TRUE(listed_in_proc_swaps(device));
    ASSERT_TRUE(oomlab::loop_backing_identity(device).has_value());
    // Each piece is recorded as it is made, with what proves it: the file's inode, the loop
    // device's backing inode, the UUID mkswap wrote.
    const auto records = records_of_this_process();
    const auto file_record = std::find_if(records.begin(), records.end(), [](const auto& r) { return r.kind == oomlab::kOwnedSwapFile; });
    const auto loop_record = std::find_if(records.begin(), records.end(), [](const auto& r) { return r.kind == oomlab::kOwnedLoopDevice; });
    ASSERT_NE(file_record, records.end());
    ASSERT_NE(loop_record, records.end());
    EXPECT_EQ(file_record->path, file.string());
    EXPECT_EQ(file_record->fields.at("swap_uuid"), swap.uuid());
    EXPECT_EQ(oomlab::swap_signature_uuid(file), swap.uuid());
    EXPECT_EQ(loop_record->path, device);
    EXPECT_EQ(loop_record->fields.at("backing_inode").get<std::uint64_t>(), oomlab::file_identity(file)->inode);
    // Read back from the kernel, not assumed: losetup asked for direct I/O; ssd is non-rotational.
    ASSERT_TRUE(swap.direct_io().has_value());
    EXPECT_TRUE(*swap.direct_io()) << "the kernel refused direct I/O on " << device << " over " << file;
    EXPECT_EQ(swap.rotational(), 0);
    // Someone else switches it off first: swapoff will answer EINVAL.
    ASSERT_EQ(::swapoff(device.c_str()), 0);
  }
  EXPECT_FALSE(listed_in_proc_swaps(device));
  EXPECT_FALSE(oomlab::loop_backing_identity(device).has_value()) << device << " is still bound";
  EXPECT_FALSE(fs::exists(file));
  EXPECT_TRUE(records_of_this_process().empty());
}

// Pages of `device` in use, from /proc/swaps (KiB).
long used_kib(const std::string& device) {
  std::ifstream swaps("/proc/swaps");
  std::string line;
  while (std::getline(swaps, line)) {
    std::istringstream fields(line);
    std::string name, type;
    long size = 0, used = 0;
    if (fields >> name >> type >> size >> used && name == device) return used;
  }
  return 0;
}

void ignore_signal(int) {}

TEST_F(LoopSwap, SwapoffGoesThroughSignals) {
  // swapoff reads every swapped page back and gives up with EINTR when a signal is pending: with
  // signals arriving every 100 µs, only a swapoff that holds them back (or retries) ends with the
  // device off. Pages get there from a process held to 32 MiB by a cgroup while it writes 80 MiB.
  const oomlab::CgroupSupport support = oomlab::probe_cgroups();
  if (!support.usable()) GTEST_SKIP() << "needs a memory cgroup to push pages to swap: " << support.unavailable_reason;
  oomlab::SwapDevice swap(oomlab::SwapKind::disk_loop, 128 << 20, dir_, /*rotational=*/false);
  oomlab::CgroupSettings settings;
  settings.memory_limit_bytes = 32 << 20;
  settings.swap_limit_bytes = 128 << 20;
  settings.swappiness = 60;
  oomlab::RunCgroup cgroup(support, settings);
  if (support.version != "v1") {
    // v2's hard limit OOM-kills the writer when swap-out cannot keep up (the emulated guest's disk:
    // `make test-v2`); memory.high holds it back instead, until its pages have gone to swap.
    std::ofstream(cgroup.memory_path() / "memory.high") << (32 << 20);
    std::ofstream(cgroup.memory_path() / "memory.max") << "max";
  }
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t child = ::fork();
  if (child == 0) {
    for (const std::string& procs : cgroup.procs_files()) std::ofstream(procs) << ::getpid();
    constexpr std::size_t kBytes = 80 << 20;
    char* buffer = static_cast<char*>(std::malloc(kBytes));
    std::memset(buffer, 1, kBytes);
    (void)!::write(ready[1], "x", 1);
    ::pause();
    ::_exit(0);
  }
  ::close(ready[1]);  // so that a child that dies (OOM-killed, say) ends the read instead of hanging it
  char byte;
  ASSERT_EQ(::read(ready[0], &byte, 1), 1) << "the child died before it had written its pages (cgroup "
                                            << cgroup.memory_path() << ")";
  ASSERT_GT(used_kib(swap.device()), 16 << 10) << "the child's pages did not reach " << swap.device();
  // Room to bring them back: the limit goes, or swapoff would fail with ENOMEM instead.
  if (support.version == "v1") {
    std::ofstream(cgroup.memory_path() / "memory.memsw.limit_in_bytes") << "-1";
    std::ofstream(cgroup.memory_path() / "memory.limit_in_bytes") << "-1";
  } else {
    std::ofstream(cgroup.memory_path() / "memory.max") << "max";
  }
  struct sigaction action {};
  action.sa_handler = ignore_signal;  // no SA_RESTART: a system call in progress ends with EINTR
  struct sigaction previous {};
  ::sigaction(SIGUSR1, &action, &previous);
  std::atomic<bool> done{false};
  const pthread_t main_thread = ::pthread_self();
  std::thread interrupter([&] {
    while (!done) {
      ::pthread_kill(main_thread, SIGUSR1);
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
  });
  const oomlab::SwapoffResult result = oomlab::swapoff_with_retry(swap.device());
  done = true;
  interrupter.join();
  ::sigaction(SIGUSR1, &previous, nullptr);
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  EXPECT_TRUE(result.off) << result.error;
  EXPECT_FALSE(listed_in_proc_swaps(swap.device()));
}

TEST_F(LoopSwap, TheHddProfilesDeviceIsRotational) {
  oomlab::SwapDevice swap(oomlab::SwapKind::disk_loop, 16 << 20, dir_, /*rotational=*/true);
  EXPECT_EQ(swap.rotational(), 1);
}

}  // namespace
