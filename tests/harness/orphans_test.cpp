// Protects the end of a measurement's workers when it has no cgroup: a worker that left the
// child's session (setsid) escapes the process-group kill, and would live on after oomlab. Easy
// to break: only cgroup runs (process trees, swap profiles) catch such workers.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include <nlohmann/json.hpp>

#include "command.hpp"

namespace {

const std::string kFixtureCli = OOMLAB_FIXTURE_CLI;

TEST(Orphans, AWorkerThatLeftItsSessionEndsWithItsMeasurement) {
  const auto results = std::filesystem::temp_directory_path() / ("oomlab-orphans-test-" + std::to_string(::getpid()));
  const CommandResult result = run_command("OOMLAB_MACHINE_ID=m " + kFixtureCli +
                                           " run orphans --lang py --variant escaping_worker --repeat 1 --json --results " + results.string());
  std::filesystem::remove_all(results);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto record = nlohmann::json::parse(result.out.substr(0, result.out.find('\n')));
  ASSERT_EQ(record.at("outcome"), "ok") << record.dump();
  EXPECT_FALSE(record.contains("tree_peak_bytes")) << "the experiment is not a process tree: no cgroup";
  const int pid = static_cast<int>(record.at("metrics").at("escaped_worker_pid").get<double>());
  // oomlab adopted it as its subreaper, killed and reaped it before exiting: no such process, or
  // (were the pid reused already) not our `sleep 30`.
  std::ifstream cmdline("/proc/" + std::to_string(pid) + "/cmdline");
  const std::string command((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
  EXPECT_NE(command, std::string("sleep\0" "30\0", 9)) << "pid " << pid << " still runs";
}

}  // namespace
