// Protects what `oomlab cleanup` (and the start of every run) may remove: only a resource that an
// ownership record proves, whose owner is gone, and that is still the very resource recorded.
// Easy to break: trust a record whose file was replaced since, act on a live run's record, or keep a
// swap file forever because the boot it was made on is over. Needs root (the records are root's).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "cleanup.hpp"
#include "ownership.hpp"

namespace {
namespace fs = std::filesystem;

// The owner fields of a process that has ended on this boot, as a killed oomlab's records hold them.
nlohmann::json dead_owner() {
  int ready[2];
  EXPECT_EQ(::pipe(ready), 0);
  const pid_t child = ::fork();
  if (child == 0) {
    char byte;
    ::close(ready[1]);
    while (::read(ready[0], &byte, 1) < 0) {
    }
    ::_exit(0);
  }
  ::close(ready[0]);
  const auto start_ticks = oomlab::process_start_ticks(child);
  ::close(ready[1]);  // the child reads EOF and exits
  ::waitpid(child, nullptr, 0);
  const oomlab::OwnerProcess self = oomlab::this_process();
  return {{"boot_id", self.boot_id}, {"owner_pid", child}, {"owner_start_ticks", start_ticks.value_or(1)},
          {"owner_pid_namespace", self.pid_namespace}};
}

bool contains(const std::vector<std::string>& lines, const std::string& text) {
  return std::any_of(lines.begin(), lines.end(), [&](const std::string& line) { return line.find(text) != std::string::npos; });
}

class Cleanup : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "ownership records are root's: needs root";
    dir_ = fs::path("/var/tmp") / ("cleanup-test-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    for (const fs::path& record : records_) oomlab::drop_ownership(record);
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  // A swap file as oomlab makes one (root's, with a swap signature of `uuid`, or none), and a
  // record of it with `owner` (and the file's real inode, unless `inode_offset`).
  fs::path swap_file(const std::string& name, const std::string& uuid) {
    const fs::path file = dir_ / name;
    { std::ofstream create(file); }
    fs::resize_file(file, 1 << 20);
    if (!uuid.empty()) {
      EXPECT_EQ(std::system(("PATH=$PATH:/sbin:/usr/sbin mkswap -q --uuid " + uuid + " " + file.string()).c_str()), 0);
    }
    return file;
  }
  fs::path record(const fs::path& file, const std::string& uuid, nlohmann::json owner) {
    const auto identity = oomlab::file_identity(file);
    nlohmann::json fields = {{"kind", oomlab::kOwnedSwapFile}, {"path", file.string()}, {"device", identity->device},
                             {"inode", identity->inode}, {"birth_time_ns", identity->birth_time_ns}, {"swap_uuid", uuid}};
    // Written as oomlab writes it, then given the owner under test.
    const fs::path record_file = oomlab::record_ownership(fields);
    oomlab::update_ownership(record_file, owner);
    records_.push_back(record_file);
    return record_file;
  }
  fs::path dir_;
  std::vector<fs::path> records_;
};

TEST_F(Cleanup, ADeadOwnersSwapFileIsRemovedWithItsRecord) {
  const std::string uuid = oomlab::new_uuid();
  const fs::path file = swap_file("proven.img", uuid);
  const fs::path record_file = record(file, uuid, dead_owner());
  const oomlab::CleanupReport report = oomlab::cleanup_leftovers();
  EXPECT_FALSE(fs::exists(file));
  EXPECT_FALSE(fs::exists(record_file));
  EXPECT_TRUE(contains(report.removed, "swap file " + file.string()));
}

TEST_F(Cleanup, ASwapFileOfAnEarlierBootThatStillMatchesIsRemoved) {
  // Devices and cgroups go with a boot; a file on disk stays, and its record still proves it.
  const std::string uuid = oomlab::new_uuid();
  const fs::path file = swap_file("earlier-boot.img", uuid);
  nlohmann::json owner = dead_owner();
  owner["boot_id"] = "00000000-0000-0000-0000-000000000000";
  record(file, uuid, owner);
  oomlab::cleanup_leftovers();
  EXPECT_FALSE(fs::exists(file));
}

TEST_F(Cleanup, AFileWithAnotherSwapUuidIsLeftAloneAndItsRecordDropped) {
  // The inode matches (as a reused inode would), but the swap signature is someone else's.
  const fs::path file = swap_file("another-uuid.img", oomlab::new_uuid());
  const fs::path record_file = record(file, oomlab::new_uuid(), dead_owner());
  const oomlab::CleanupReport report = oomlab::cleanup_leftovers();
  EXPECT_TRUE(fs::exists(file));
  EXPECT_FALSE(fs::exists(record_file));
  EXPECT_TRUE(contains(report.left_alone, file.string() + ": another swap UUID")) << ::testing::PrintToString(report.left_alone);
}

TEST_F(Cleanup, AFileThatReplacedTheRecordedOneIsLeftAlone) {
  const std::string uuid = oomlab::new_uuid();
  const fs::path file = swap_file("replaced.img", uuid);
  record(file, uuid, dead_owner());
  fs::remove(file);
  // ext4 hands the freed inode number to the next new file: the replacement may well have it.
  fs::rename(swap_file("replaced.img.new", ""), file);
  const oomlab::CleanupReport report = oomlab::cleanup_leftovers();
  EXPECT_TRUE(fs::exists(file));
  EXPECT_TRUE(contains(report.left_alone, file.string())) << ::testing::PrintToString(report.left_alone);
}

TEST_F(Cleanup, ALiveOwnersResourceIsNotTouched) {
  const std::string uuid = oomlab::new_uuid();
  const fs::path file = swap_file("live.img", uuid);
  const oomlab::OwnerProcess self = oomlab::this_process();
  const fs::path record_file = record(file, uuid, {{"owner_pid", self.pid}, {"owner_start_ticks", self.start_ticks}});
  oomlab::cleanup_leftovers();
  EXPECT_TRUE(fs::exists(file));
  EXPECT_TRUE(fs::exists(record_file));
}

}  // namespace
