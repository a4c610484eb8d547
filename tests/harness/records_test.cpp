// Protects the record files: one whole JSON object per line, even when several processes append
// at once (a workshop may run experiments in parallel), when a writer was killed inside its write
// (the torn line must not swallow the next record), and when the disk or a file size limit cuts a
// write short. A torn line would lose a measurement and break every reader.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "records.hpp"

namespace {

std::filesystem::path fresh_dir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("oomlab-records-test-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  return dir;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(Records, PathIsMachineThenExperiment) {
  EXPECT_EQ(oomlab::record_file("/r", "laptop-1", "float32"), std::filesystem::path("/r/laptop-1/float32.jsonl"));
}

std::vector<std::string> lines_of(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

// Whole lines under concurrency come from O_APPEND and one write() per line (Linux serialises
// appends to one file); the lock is what AppendWaitsWhileAnotherWriterHoldsTheLock proves.
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

// The lock makes "look at the last byte, then write" and "cut a short write off again" one step
// that no other writer can split. Without it, append_record would not wait here.
TEST(Records, AppendWaitsWhileAnotherWriterHoldsTheLock) {
  const auto dir = fresh_dir("lock");
  const auto file = oomlab::record_file(dir, "machine", "exp");
  oomlab::append_record(file, {{"first", 1}});
  const int held = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_EQ(::flock(held, LOCK_EX), 0);
  const pid_t writer = ::fork();
  if (writer == 0) {
    oomlab::append_record(file, {{"second", 2}});
    ::_exit(0);
  }
  // Deterministic, no sleep-and-hope: wait until the writer sits in flock(2), or has finished.
  bool in_flock = false;
  int status = 0;
  bool exited = false;
  for (int attempt = 0; attempt < 10000 && !in_flock && !exited; ++attempt) {
    std::istringstream syscall_line(read_text("/proc/" + std::to_string(writer) + "/syscall"));
    long number = -1;
    syscall_line >> number;
    in_flock = number == SYS_flock;
    exited = ::waitpid(writer, &status, WNOHANG) == writer;
    if (!in_flock && !exited) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_TRUE(in_flock) << "the writer did not wait for the lock";
  EXPECT_EQ(lines_of(file).size(), 1u) << "appended while another writer held the lock";
  ::flock(held, LOCK_UN);
  ::close(held);
  if (!exited) ::waitpid(writer, &status, 0);
  EXPECT_EQ(lines_of(file).size(), 2u);
  std::filesystem::remove_all(dir);
}

TEST(Records, AppendAfterATornLineStartsOnANewLine) {
  const auto dir = fresh_dir("torn");
  const auto file = oomlab::record_file(dir, "machine", "exp");
  oomlab::append_record(file, {{"before", 1}});
  // What a writer killed inside a large write leaves: the start of a record, no newline.
  std::ofstream(file, std::ios::app) << R"({"experiment": "swap", "timeline": [1, 2, 3)";
  oomlab::append_record(file, {{"after", 2}});
  const auto lines = lines_of(file);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(nlohmann::json::parse(lines[0]).at("before"), 1);
  EXPECT_FALSE(nlohmann::json::parse(lines[1], nullptr, false).is_object());  // the torn one, alone
  EXPECT_EQ(nlohmann::json::parse(lines[2]).at("after"), 2);
  std::filesystem::remove_all(dir);
}

// A write cut short (here by a file size limit, SIGXFSZ ignored, as a full disk would) is taken
// back: the file stays as it was, and the caller hears about it with the file's name.
TEST(Records, ShortWriteIsCutOffAndReported) {
  const auto dir = fresh_dir("short");
  const auto file = oomlab::record_file(dir, "machine", "exp");
  oomlab::append_record(file, {{"before", 1}});
  const auto size_before = std::filesystem::file_size(file);
  const pid_t writer = ::fork();
  if (writer == 0) {
    std::signal(SIGXFSZ, SIG_IGN);
    const rlimit limit{size_before + 100, size_before + 100};  // room for 100 bytes of a 10 kB line
    ::setrlimit(RLIMIT_FSIZE, &limit);
    try {
      oomlab::append_record(file, {{"large", std::string(10000, 'x')}});
    } catch (const std::runtime_error& error) {
      const std::string message = error.what();
      ::_exit(message.find(file.string()) != std::string::npos && message.find("short write") != std::string::npos ? 0 : 2);
    }
    ::_exit(1);  // no error: the short write went unnoticed
  }
  int status = 0;
  ::waitpid(writer, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "1: no error raised; 2: the message lacks the path or the cause";
  EXPECT_EQ(std::filesystem::file_size(file), size_before);
  EXPECT_EQ(lines_of(file).size(), 1u);
  std::filesystem::remove_all(dir);
}

TEST(Records, UnwritableFolderThrowsWithThePath) {
  const std::string path = "/proc/oomlab-cannot-write/x.jsonl";
  try {
    oomlab::append_record(path, {{"a", 1}});
    FAIL() << "no error for " << path;
  } catch (const std::exception& error) {
    EXPECT_NE(std::string(error.what()).find("/proc/oomlab-cannot-write"), std::string::npos) << error.what();
  }
}

}  // namespace
