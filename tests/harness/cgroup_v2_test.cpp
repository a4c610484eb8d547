// Protects where run cgroups live on cgroup v2 and what their peak covers. Easy to break because
// this development machine has v1: under systemd oomlab's own cgroup holds processes, so it cannot
// give memory to children of its own (the no-internal-processes rule), and memory.peak resets only
// per open file, on kernels 6.12 and later. These tests run in `make test-v2`'s guest, as root.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "cgroup.hpp"
#include "cgroup_peak.hpp"

namespace {

namespace fs = std::filesystem;
constexpr std::uint64_t kMiB = 1024 * 1024;

std::string skip_reason() {
  if (::geteuid() != 0) return "needs root to create cgroups";
  if (!fs::exists("/sys/fs/cgroup/cgroup.controllers")) return "this machine has cgroup v1 (make test-v2 runs these)";
  return "";
}

bool lists(const fs::path& file, const std::string& word) {
  std::ifstream in(file);
  std::string name;
  while (in >> name) {
    if (name == word) return true;
  }
  return false;
}

std::string first_word(const fs::path& file) {
  std::ifstream in(file);
  std::string word;
  in >> word;
  return word;
}

// True from kernel 6.12: memory.peak takes a write that resets it for that open file.
bool kernel_resets_peak_per_file() {
  utsname name{};
  ::uname(&name);
  int major = 0, minor = 0;
  std::sscanf(name.release, "%d.%d", &major, &minor);
  return major > 6 || (major == 6 && minor >= 12);
}

TEST(CgroupV2, RunCgroupsGoWhereMemoryCanBeEnabled) {
  if (const auto why = skip_reason(); !why.empty()) GTEST_SKIP() << why;
  const auto support = oomlab::probe_cgroups();
  ASSERT_TRUE(support.usable()) << support.unavailable_reason;
  EXPECT_EQ(support.version, "v2");
  EXPECT_TRUE(lists(support.memory_parent / "cgroup.subtree_control", "memory")) << support.memory_parent;
  // The parent must not hold processes, or the kernel refuses children with controllers; only the
  // root of the hierarchy is exempt.
  if (support.memory_parent != "/sys/fs/cgroup") {
    EXPECT_TRUE(first_word(support.memory_parent / "cgroup.procs").empty()) << support.memory_parent;
  }
}

TEST(CgroupV2, RunCgroupTakesTheLimitsAndIsRemoved) {
  if (const auto why = skip_reason(); !why.empty()) GTEST_SKIP() << why;
  const auto support = oomlab::probe_cgroups();
  ASSERT_TRUE(support.usable()) << support.unavailable_reason;
  oomlab::CgroupSettings settings;
  settings.memory_limit_bytes = 64 * kMiB;
  settings.swap_limit_bytes = 0;
  fs::path path;
  {
    oomlab::RunCgroup cgroup(support, settings);
    path = cgroup.memory_path();
    EXPECT_EQ(first_word(path / "memory.max"), std::to_string(64 * kMiB));
    EXPECT_EQ(first_word(path / "memory.swap.max"), "0");
    EXPECT_TRUE(cgroup.processes().empty());
  }
  EXPECT_FALSE(fs::exists(path));
}

// A child in a run cgroup touches 64 MiB in its setup and frees it, then 16 MiB in the measured
// phase. A peak scoped to the phase is near 16 MiB; one over the child's life is at least 64 MiB.
TEST(CgroupV2, TreePeakScopeIsWhatTheKernelAllows) {
  if (const auto why = skip_reason(); !why.empty()) GTEST_SKIP() << why;
  const auto support = oomlab::probe_cgroups();
  ASSERT_TRUE(support.usable()) << support.unavailable_reason;
  oomlab::RunCgroup cgroup(support, {});
  int to_child[2], from_child[2];
  ASSERT_EQ(::pipe(to_child), 0);
  ASSERT_EQ(::pipe(from_child), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    char byte;
    auto touch = [](std::size_t bytes) {
      void* memory = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      std::memset(memory, 1, bytes);
      return memory;
    };
    if (::read(to_child[0], &byte, 1) != 1) ::_exit(1);  // moved into the cgroup
    ::munmap(touch(64 * kMiB), 64 * kMiB);               // the setup's transient
    if (::write(from_child[1], "s", 1) != 1) ::_exit(1);
    if (::read(to_child[0], &byte, 1) != 1) ::_exit(1);  // the window has started
    touch(16 * kMiB);                                    // the measured phase
    if (::write(from_child[1], "r", 1) != 1) ::_exit(1);
    if (::read(to_child[0], &byte, 1) != 1) ::_exit(1);
    ::_exit(0);
  }
  std::ofstream(cgroup.memory_path() / "cgroup.procs") << pid << std::flush;
  char byte;
  ASSERT_EQ(::write(to_child[1], "m", 1), 1);
  ASSERT_EQ(::read(from_child[0], &byte, 1), 1);
  oomlab::CgroupPeakWindow window(cgroup.memory_path());
  ASSERT_EQ(::write(to_child[1], "g", 1), 1);
  ASSERT_EQ(::read(from_child[0], &byte, 1), 1);
  const std::uint64_t peak_bytes = window.peak_bytes().value_or(0);
  ASSERT_EQ(::write(to_child[1], "e", 1), 1);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_EQ(status, 0);
  if (kernel_resets_peak_per_file()) {
    EXPECT_EQ(window.scope(), "measured_phase");
    // 16 MiB and the child's own pages (a forked copy of this test: a few MiB of page tables and
    // written stack and heap); the freed 64 MiB would be far above.
    EXPECT_GE(peak_bytes, 16 * kMiB);
    EXPECT_LT(peak_bytes, 48 * kMiB);
  } else {
    EXPECT_EQ(window.scope(), "child_lifetime");
    EXPECT_GE(peak_bytes, 64 * kMiB);
  }
}

// The disk profiles' settings: zswap kept out (memory.zswap.max 0, from Linux 5.19) and the HDD
// model's write limits beside its read limits in io.max, since v2 charges swap-out to the job.
TEST(CgroupV2, ZswapLimitAndWriteThrottleReachTheKernel) {
  if (const auto why = skip_reason(); !why.empty()) GTEST_SKIP() << why;
  const auto support = oomlab::probe_cgroups();
  ASSERT_TRUE(support.usable()) << support.unavailable_reason;
  if (!support.io_throttling) GTEST_SKIP() << "no io controller for run cgroups here";
  // A whole disk: io.max takes disks, not partitions (the guest's /var/tmp is one).
  struct stat disk {};
  ASSERT_EQ(::stat("/var/tmp", &disk), 0);
  if (fs::exists(fs::path("/sys/dev/block") / (std::to_string(major(disk.st_dev)) + ":" + std::to_string(minor(disk.st_dev))) / "partition")) {
    GTEST_SKIP() << "/var/tmp is on a partition";
  }
  oomlab::CgroupSettings settings;
  settings.memory_limit_bytes = 64 * kMiB;
  settings.swap_limit_bytes = 64 * kMiB;
  settings.zswap_limit_bytes = 0;
  settings.io_throttle = oomlab::IoThrottle{major(disk.st_dev), minor(disk.st_dev), 120, 100'000'000, 120, 100'000'000};
  oomlab::RunCgroup cgroup(support, settings);
  const nlohmann::json held = cgroup.settings_read_back();
  if (fs::exists(cgroup.memory_path() / "memory.zswap.max")) {
    EXPECT_EQ(held.value("zswap_max_bytes", std::uint64_t{1}), 0u) << held.dump();
  } else {
    EXPECT_FALSE(held.contains("zswap_max_bytes")) << held.dump();
  }
  const std::string io_max = held.value("io_max", "");
  for (const char* limit : {"riops=120", "rbps=100000000", "wiops=120", "wbps=100000000"}) {
    EXPECT_NE(io_max.find(limit), std::string::npos) << limit << " not in '" << io_max << "'";
  }
}

}  // namespace
