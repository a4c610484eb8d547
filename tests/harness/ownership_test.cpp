// Protects the ownership records that `oomlab cleanup` goes by: a record names its owner as a pid
// with its start time on one boot (a reused pid or a reboot must not pass for the owner), it can
// only be trusted in a folder nobody else can write, and a scratch folder is only ever removed if
// it is the very folder oomlab made, owned as recorded. Easy to break: compare pids alone, read a
// forged record, or follow a symlink a local user planted in /var/tmp.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "ownership.hpp"
#include "scratch.hpp"

namespace {
namespace fs = std::filesystem;

fs::path fresh_dir(const std::string& name) {
  const auto dir = fs::temp_directory_path() / ("oomlab-ownership-test-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  return dir;
}

TEST(Ownership, TheOwnerIsAPidWithItsStartTimeOnThisBoot) {
  const oomlab::OwnerProcess self = oomlab::this_process();
  ASSERT_EQ(self.boot_id.size(), 36u) << self.boot_id;
  EXPECT_EQ(self.pid, ::getpid());
  EXPECT_EQ(oomlab::owner_state(self), oomlab::OwnerState::alive);

  oomlab::OwnerProcess reused_pid = self;  // the same pid, started at another time: another process
  reused_pid.start_ticks += 1;
  EXPECT_EQ(oomlab::owner_state(reused_pid), oomlab::OwnerState::dead);

  oomlab::OwnerProcess earlier_boot = self;
  earlier_boot.boot_id = "00000000-0000-0000-0000-000000000000";
  EXPECT_EQ(oomlab::owner_state(earlier_boot), oomlab::OwnerState::earlier_boot);

  oomlab::OwnerProcess other_container = self;  // its pids mean nothing here
  other_container.pid_namespace = "pid:[1]";
  EXPECT_EQ(oomlab::owner_state(other_container), oomlab::OwnerState::unknowable);
}

TEST(Ownership, AnExitedProcessIsDead) {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  oomlab::OwnerProcess owner = oomlab::this_process();
  owner.pid = child;
  owner.start_ticks = oomlab::process_start_ticks(child).value_or(0);
  ASSERT_NE(owner.start_ticks, 0u);
  ::waitpid(child, nullptr, 0);
  EXPECT_FALSE(oomlab::process_start_ticks(child).has_value());
  EXPECT_EQ(oomlab::owner_state(owner), oomlab::OwnerState::dead);
}

TEST(Ownership, ARecordRoundTripsPrivatelyAndIsDroppedWithItsResource) {
  const fs::path dir = fresh_dir("roundtrip");
  const fs::path record_file = oomlab::record_ownership({{"kind", "cgroup"}, {"path", "/x/y"}, {"inode", 7}}, dir);
  ASSERT_FALSE(record_file.empty());
  struct stat status {};
  ASSERT_EQ(::stat(record_file.c_str(), &status), 0);
  EXPECT_EQ(status.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(dir.c_str(), &status), 0);
  EXPECT_EQ(status.st_mode & 0777, 0700u);

  oomlab::update_ownership(record_file, {{"more", "added"}});
  const auto records = oomlab::read_ownership_records(dir);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].kind, "cgroup");
  EXPECT_EQ(records[0].path, "/x/y");
  EXPECT_EQ(records[0].owner.pid, ::getpid());
  EXPECT_EQ(records[0].owner.start_ticks, oomlab::this_process().start_ticks);
  EXPECT_EQ(records[0].owner.boot_id, oomlab::current_boot_id());
  EXPECT_EQ(records[0].fields.at("inode"), 7);
  EXPECT_EQ(records[0].fields.at("more"), "added");

  oomlab::drop_ownership(record_file);
  EXPECT_TRUE(oomlab::read_ownership_records(dir).empty());
  fs::remove_all(dir);
}

TEST(Ownership, RecordsInAFolderOthersCanWriteAreNotTrusted) {
  const fs::path dir = fresh_dir("writable");
  fs::create_directories(dir);
  ::chmod(dir.c_str(), 0777);
  EXPECT_THROW(oomlab::record_ownership({{"kind", "cgroup"}, {"path", "/x"}}, dir), std::runtime_error);
  std::ofstream(dir / "forged.json") << R"({"kind": "swap_file", "path": "/home/user/data", "owner_pid": 1})";
  std::vector<std::string> distrusted;
  EXPECT_TRUE(oomlab::read_ownership_records(dir, &distrusted).empty());
  EXPECT_EQ(distrusted.size(), 1u);
  fs::remove_all(dir);
}

TEST(Ownership, ARecordOthersCanWriteIsNotTrusted) {
  const fs::path dir = fresh_dir("forged");
  const fs::path genuine = oomlab::record_ownership({{"kind", "cgroup"}, {"path", "/x"}}, dir);
  const fs::path forged = dir / "forged.json";
  std::ofstream(forged) << R"({"kind": "swap_file", "path": "/home/user/data", "owner_pid": 1})";
  ::chmod(forged.c_str(), 0666);
  std::vector<std::string> distrusted;
  const auto records = oomlab::read_ownership_records(dir, &distrusted);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].record_file, genuine);
  ASSERT_EQ(distrusted.size(), 1u);
  EXPECT_NE(distrusted[0].find("forged.json"), std::string::npos) << distrusted[0];
  fs::remove_all(dir);
}

TEST(Ownership, TheSwapSignatureUuidIsReadBack) {
  if (::access("/sbin/mkswap", X_OK) != 0 && ::access("/usr/sbin/mkswap", X_OK) != 0) GTEST_SKIP() << "no mkswap";
  const fs::path dir = fresh_dir("signature");
  fs::create_directories(dir);
  const fs::path file = dir / "swap.img";
  { std::ofstream create(file); }
  fs::resize_file(file, 1 << 20);
  EXPECT_EQ(oomlab::swap_signature_uuid(file), "");  // zeros: no signature
  const std::string uuid = oomlab::new_uuid();
  ASSERT_EQ(std::system(("PATH=$PATH:/sbin:/usr/sbin mkswap -q --uuid " + uuid + " " + file.string()).c_str()), 0);
  EXPECT_EQ(oomlab::swap_signature_uuid(file), uuid);
  EXPECT_NE(oomlab::new_uuid(), uuid);
  fs::remove_all(dir);
}

TEST(Scratch, AFolderIsMadeUnpredictablyPrivateAndRecorded) {
  fs::path path;
  {
    oomlab::ScratchDirectory scratch;
    path = scratch.path();
    EXPECT_EQ(path.parent_path(), oomlab::kScratchRoot);
    EXPECT_EQ(path.filename().string().rfind(oomlab::kScratchPrefix, 0), 0u);
    struct stat status {};
    ASSERT_EQ(::lstat(path.c_str(), &status), 0);
    EXPECT_TRUE(S_ISDIR(status.st_mode));
    EXPECT_EQ(status.st_mode & 0777, 0700u);
    if (::geteuid() == 0) {
      const auto records = oomlab::read_ownership_records();
      const auto mine = std::find_if(records.begin(), records.end(), [&](const auto& r) { return r.path == path.string(); });
      ASSERT_NE(mine, records.end()) << "no ownership record for " << path;
      EXPECT_EQ(mine->kind, oomlab::kOwnedScratchFolder);
      EXPECT_EQ(mine->fields.at("inode").get<std::uint64_t>(), static_cast<std::uint64_t>(status.st_ino));
    }
    oomlab::ScratchDirectory second;
    EXPECT_NE(second.path(), path);
  }
  EXPECT_FALSE(fs::exists(path));
  for (const auto& record : oomlab::read_ownership_records()) EXPECT_NE(record.path, path.string());
}

TEST(Scratch, OnlyTheRecordedFolderOfTheRecordedOwnerIsRemoved) {
  const fs::path dir = fresh_dir("scratch-owner");
  fs::create_directories(dir / "user_folder");
  std::ofstream(dir / "user_folder" / "thesis.txt") << "a user's work";
  const auto identity = oomlab::file_identity(dir / "user_folder");
  ASSERT_TRUE(identity);
  std::string why;
  // A symlink to the folder, planted where the scratch folder was: never followed.
  fs::create_directory_symlink(dir / "user_folder", dir / "planted");
  EXPECT_FALSE(oomlab::remove_scratch_folder(dir / "planted", *identity, why));
  // Another inode than the record's: not the folder oomlab made.
  oomlab::FileIdentity another_inode = *identity;
  another_inode.inode += 1;
  EXPECT_FALSE(oomlab::remove_scratch_folder(dir / "user_folder", another_inode, why));
  if (identity->birth_time_ns != 0) {  // the same inode, born at another time: made again since
    oomlab::FileIdentity reborn = *identity;
    reborn.birth_time_ns += 1;
    EXPECT_FALSE(oomlab::remove_scratch_folder(dir / "user_folder", reborn, why));
  }
  if (::geteuid() == 0) {  // a folder that belongs to another user, though the record names it
    ASSERT_EQ(::chown((dir / "user_folder").c_str(), 65534, 65534), 0);
    oomlab::FileIdentity roots = *identity;
    roots.uid = 0;
    EXPECT_FALSE(oomlab::remove_scratch_folder(dir / "user_folder", roots, why));
    EXPECT_NE(why.find("owned by uid 65534"), std::string::npos) << why;
  }
  EXPECT_TRUE(fs::exists(dir / "user_folder" / "thesis.txt"));
  const auto now = oomlab::file_identity(dir / "user_folder");
  EXPECT_TRUE(oomlab::remove_scratch_folder(dir / "user_folder", *now, why)) << why;
  EXPECT_FALSE(fs::exists(dir / "user_folder"));
  fs::remove_all(dir);
}

// A user who may make cgroups (a delegated v2 subtree) and scratch folders keeps records where only
// that user writes, so that `oomlab cleanup` as that user finds them; a user without a home keeps none.
// Run as root, the child becomes `nobody` (uid 65534) to see what a user gets.
TEST(Ownership, AUserKeepsRecordsInItsOwnStateFolder) {
  if (::geteuid() != 0) {
    const fs::path dir = oomlab::ownership_dir();
    if (!dir.empty()) {
      EXPECT_NE(dir, oomlab::kOwnershipDir);
    }
    GTEST_SKIP() << "needs root to become another user for the rest";
  }
  EXPECT_EQ(oomlab::ownership_dir(), oomlab::kOwnershipDir);
  const fs::path home = fresh_dir("home");
  fs::create_directories(home);
  ASSERT_EQ(::chown(home.c_str(), 65534, 65534), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(10);
    ::unsetenv("XDG_STATE_HOME");
    ::setenv("HOME", home.c_str(), 1);
    const fs::path expected = home / ".local" / "state" / "oomlab" / "owned";
    if (oomlab::ownership_dir() != expected) ::_exit(11);
    const fs::path record = oomlab::record_ownership({{"kind", "cgroup"}, {"path", "/sys/fs/cgroup/x"}});
    if (record.parent_path() != expected) ::_exit(12);
    struct stat status {};
    if (::stat(expected.c_str(), &status) != 0 || (status.st_mode & 0777) != 0700) ::_exit(13);
    if (oomlab::read_ownership_records().size() != 1) ::_exit(14);
    ::setenv("HOME", "/nonexistent", 1);
    if (!oomlab::ownership_dir().empty()) ::_exit(15);
    if (!oomlab::record_ownership({{"kind", "cgroup"}, {"path", "/sys/fs/cgroup/y"}}).empty()) ::_exit(16);
    ::setenv("XDG_STATE_HOME", (home / "state").c_str(), 1);
    if (oomlab::ownership_dir() != home / "state" / "oomlab" / "owned") ::_exit(17);
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  fs::remove_all(home);
  // 11: another folder; 12: the record elsewhere; 13: not 0700; 14: not read back; 15, 16: a
  // home that does not exist still used; 17: XDG_STATE_HOME ignored.
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
}

}  // namespace
