// Protects the record files: one whole JSON object per line, even when several processes append
// at once (a workshop may run experiments in parallel) — a torn line would lose a measurement and
// break every reader.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "records.hpp"

namespace {

std::filesystem::path fresh_dir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("oomlab-records-test-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  return dir;
}

TEST(Records, PathIsMachineThenExperiment) {
  EXPECT_EQ(oomlab::record_file("/r", "laptop-1", "float32"), std::filesystem::path("/r/laptop-1/float32.jsonl"));
}

TEST(Records, ConcurrentAppendsKeepEveryLineWhole) {
  const auto dir = fresh_dir("concurrent");
  const auto file = oomlab::record_file(dir, "machine", "exp");
  constexpr int kWriters = 4;
  constexpr int kRecordsEach = 200;
  // Lines of ~20 KiB, well above PIPE_BUF, so only the O_APPEND + single write + flock keep them whole.
  const std::string padding(20000, 'x');
  for (int writer = 0; writer < kWriters; ++writer) {
    if (::fork() == 0) {
      for (int i = 0; i < kRecordsEach; ++i) oomlab::append_record(file, {{"writer", writer}, {"i", i}, {"pad", padding}});
      ::_exit(0);
    }
  }
  for (int writer = 0; writer < kWriters; ++writer) ::wait(nullptr);
  std::ifstream in(file);
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    const auto record = nlohmann::json::parse(line, nullptr, false);
    ASSERT_TRUE(record.is_object()) << "torn line " << lines;
    ++lines;
  }
  EXPECT_EQ(lines, kWriters * kRecordsEach);
  std::filesystem::remove_all(dir);
}

TEST(Records, UnwritableFolderThrowsWithThePath) {
  EXPECT_THROW(oomlab::append_record("/proc/oomlab-cannot-write/x.jsonl", {{"a", 1}}), std::exception);
}

}  // namespace
