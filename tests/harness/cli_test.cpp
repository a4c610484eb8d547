// Protects the CLI contract that users, tests and the report rely on: bad input exits with 2 and
// names the valid choices; a variant that raises, crashes, hangs or exits is recorded with its
// outcome and reason while the rest of the suite still runs (exit 1); Ctrl-C leaves nothing running.
// Uses `oomlab_fixture`, the CLI built with tests/fixtures/experiments.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "command.hpp"

namespace {

const std::string kCli = OOMLAB_CLI;
const std::string kFixtureCli = OOMLAB_FIXTURE_CLI;

std::filesystem::path fresh_results_dir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("oomlab-cli-test-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  return dir;
}

std::vector<nlohmann::json> read_records(const std::filesystem::path& file) {
  std::vector<nlohmann::json> records;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) records.push_back(nlohmann::json::parse(line));
  return records;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(CliUsage, UnknownExperimentNamesTheValidOnes) {
  const auto result = run_command(kCli + " run no_such_experiment");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_TRUE(contains(result.err, "unknown experiment 'no_such_experiment'")) << result.err;
  EXPECT_TRUE(contains(result.err, "list_to_numpy")) << result.err;
}

TEST(CliUsage, UnknownLanguageNamesTheValidOnes) {
  const auto result = run_command(kCli + " run list_to_numpy --lang rust");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_TRUE(contains(result.err, "py") && contains(result.err, "cpp")) << result.err;
}

TEST(CliUsage, UnknownVariantNamesTheValidOnesPerLanguage) {
  const auto result = run_command(kCli + " run list_to_numpy --variant no_such_variant --scale quick");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_TRUE(contains(result.err, "no variant 'no_such_variant'")) << result.err;
  EXPECT_TRUE(contains(result.err, "py: noop, baseline, remedy")) << result.err;
  EXPECT_TRUE(contains(result.err, "cpp: noop, baseline, remedy")) << result.err;
}

TEST(CliUsage, MalformedOrConflictingFlagsExitWith2) {
  EXPECT_EQ(run_command(kCli + " run list_to_numpy --size abc").exit_code, 2);
  EXPECT_EQ(run_command(kCli + " run list_to_numpy --size -5").exit_code, 2);
  EXPECT_EQ(run_command(kCli + " run list_to_numpy --size 5 --scale quick").exit_code, 2);
  EXPECT_EQ(run_command(kCli + " run list_to_numpy --repeat 0").exit_code, 2);
  const auto scale = run_command(kCli + " run list_to_numpy --scale huge");
  EXPECT_EQ(scale.exit_code, 2);
  EXPECT_TRUE(contains(scale.err, "quick")) << scale.err;
  EXPECT_EQ(run_command(kCli + " run out_of_core --scheduler localhost").exit_code, 2);
  EXPECT_EQ(run_command(kCli + " frobnicate").exit_code, 2);
  EXPECT_EQ(run_command(kCli).exit_code, 2);
}

TEST(CliUsage, HelpOnEachVerbExitsWith0) {
  for (const std::string verb : {"", "list", "run", "env", "cleanup"}) {
    const auto result = run_command(kCli + " " + verb + " --help");
    EXPECT_EQ(result.exit_code, 0) << verb;
    EXPECT_TRUE(contains(result.out, "Usage")) << verb << ": " << result.out;
  }
}

TEST(CliList, JsonListsNoopControlsAndVariantsInBothLanguages) {
  const auto result = run_command(kCli + " list --json");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto listing = nlohmann::json::parse(result.out);
  bool found = false;
  for (const auto& experiment : listing) {
    if (experiment.at("name") != "list_to_numpy") continue;
    found = true;
    for (const std::string lang : {"py", "cpp"}) {
      const auto& variants = experiment.at("variants").at(lang);
      EXPECT_EQ(variants.at(0).at("name"), "noop") << lang;
      EXPECT_GE(variants.size(), 3u) << lang;
    }
  }
  EXPECT_TRUE(found);
}

// The fixture suite's time cap: 2 s, longer where the machine is slower (time_factor()).
int cap_seconds() { return static_cast<int>(2 * time_factor() + 0.5); }

// One run of every fixture variant: each failure is recorded, and the suite goes on.
class FaultyRun : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    results_dir_ = fresh_results_dir("faulty");
    result_ = run_command("OOMLAB_MACHINE_ID=test-machine " + kFixtureCli + " run faulty --timeout " + std::to_string(cap_seconds()) + " --repeat 1 --results " +
                          results_dir_.string());
    for (const auto& record : read_records(results_dir_ / "test-machine" / "faulty.jsonl")) {
      records_[record.at("lang").get<std::string>() + ":" + record.at("variant").get<std::string>()] = record;
    }
  }
  static void TearDownTestSuite() { std::filesystem::remove_all(results_dir_); }

  static inline std::filesystem::path results_dir_;
  static inline CommandResult result_;
  static inline std::map<std::string, nlohmann::json> records_;
};

TEST_F(FaultyRun, ExitCodeIs1AndEveryVariantWasRecorded) {
  EXPECT_EQ(result_.exit_code, 1) << result_.err;
  // py: noop allocates raises segfaults sleeps exits spawns_workers; cpp: noop throws aborts sleeps
  EXPECT_EQ(records_.size(), 11u) << result_.err;
}

TEST_F(FaultyRun, ProgressLinePerMeasurementOnStderr) {
  EXPECT_TRUE(contains(result_.err, "[1/11] faulty py noop n=1 rep 1/1")) << result_.err;
  EXPECT_TRUE(contains(result_.err, "[11/11] faulty cpp sleeps")) << result_.err;
}

TEST_F(FaultyRun, RaisedExceptionIsAnErrorWithTraceback) {
  const auto& record = records_.at("py:raises");
  EXPECT_EQ(record.at("outcome"), "error");
  EXPECT_EQ(record.at("reason"), "ValueError: fixture variant raised on purpose");
  EXPECT_TRUE(contains(record.at("traceback").get<std::string>(), "in variant_raises")) << record.dump();
}

TEST_F(FaultyRun, CrashesNameTheirSignal) {
  EXPECT_EQ(records_.at("py:segfaults").at("outcome"), "error");
  EXPECT_TRUE(contains(records_.at("py:segfaults").at("reason"), "SIGSEGV"));
  EXPECT_TRUE(contains(records_.at("cpp:aborts").at("reason"), "SIGABRT"));
  EXPECT_EQ(records_.at("cpp:aborts").at("term_signal"), SIGABRT);
}

TEST_F(FaultyRun, CppExceptionIsAnErrorWithItsMessage) {
  EXPECT_EQ(records_.at("cpp:throws").at("outcome"), "error");
  EXPECT_EQ(records_.at("cpp:throws").at("reason"), "fixture variant threw on purpose");
}

TEST_F(FaultyRun, HangingVariantsStopAtTheTimeCap) {
  for (const std::string key : {"py:sleeps", "cpp:sleeps"}) {
    EXPECT_EQ(records_.at(key).at("outcome"), "timeout") << key;
    // Killed at the cap: a cap check with a 2x margin, never a speed (a busy machine is slow).
    EXPECT_LT(records_.at(key).at("child_wall_seconds").get<double>(), 2.0 * cap_seconds()) << key;
    // How far it got: the last progress note before the kill.
    const auto& progress = records_.at(key).at("progress");
    EXPECT_EQ(progress.at("done"), 1) << key;
    EXPECT_EQ(progress.at("total"), 4) << key;
    EXPECT_EQ(progress.at("unit"), "steps") << key;
    EXPECT_DOUBLE_EQ(progress.at("fraction").get<double>(), 0.25) << key;
    EXPECT_TRUE(contains(records_.at(key).at("reason"), "25% done (1 of 4 steps)")) << records_.at(key).at("reason");
  }
}

TEST_F(FaultyRun, ExitWithoutReportIsAnError) {
  EXPECT_EQ(records_.at("py:exits").at("outcome"), "error");
  EXPECT_TRUE(contains(records_.at("py:exits").at("reason"), "code 3"));
}

TEST_F(FaultyRun, VariantsAfterTheFailuresStillMeasure) {
  const auto& record = records_.at("py:allocates");
  ASSERT_EQ(record.at("outcome"), "ok");
  // 1 MiB touched by NumPy: within 0.5 MiB (allocator and page granularity).
  EXPECT_NEAR(record.at("peak_delta_bytes").get<double>(), 1024.0 * 1024.0, 512.0 * 1024.0);
}

TEST_F(FaultyRun, SpawnedWorkersRunBecauseSysExecutableIsARealPython) {
  const auto& record = records_.at("py:spawns_workers");
  ASSERT_EQ(record.at("outcome"), "ok") << record.value("traceback", "");
  EXPECT_EQ(record.at("metrics").at("sum_of_squares"), 285.0);
  EXPECT_EQ(record.at("interpreter").at("executable"), "/usr/bin/python3");
}

TEST_F(FaultyRun, RecordsCarryTheContractFields) {
  for (const auto& [key, record] : records_) {
    for (const char* field : {"schema", "experiment", "variant", "lang", "size", "repeat", "scale", "outcome",
                              "wall_seconds", "user_seconds", "sys_seconds", "major_faults", "minor_faults", "env"}) {
      if (std::string(field) == "wall_seconds" && record.at("outcome") != "ok") continue;
      EXPECT_TRUE(record.contains(field)) << key << " lacks " << field;
    }
    EXPECT_EQ(record.at("env").at("machine_id"), "test-machine");
  }
}

TEST(CliBrokenExperiment, ImportErrorIsRecordedAndListed) {
  const auto results_dir = fresh_results_dir("broken");
  const auto result = run_command("OOMLAB_MACHINE_ID=m " + kFixtureCli + " run broken_import --lang py --results " +
                                  results_dir.string());
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_TRUE(contains(result.err, "a_module_that_does_not_exist")) << result.err;
  const auto records = read_records(results_dir / "m" / "broken_import.jsonl");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].at("outcome"), "error");
  const auto listing = run_command(kFixtureCli + " list");
  EXPECT_EQ(listing.exit_code, 0);
  EXPECT_TRUE(contains(listing.out, "does not import")) << listing.out;
  std::filesystem::remove_all(results_dir);
}

bool child_processes_left(const std::string& marker) {
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string cmdline = read_whole_file((entry.path() / "cmdline").string());
    if (contains(cmdline, "__child") && contains(cmdline, marker)) return true;
  }
  return false;
}

TEST(CliInterrupt, CtrlCEndsTheChildTreeAndKeepsRecordsWhole) {
  const auto results_dir = fresh_results_dir("interrupt");
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setenv("OOMLAB_MACHINE_ID", "m", 1);
    ::execl(kFixtureCli.c_str(), "oomlab", "run", "faulty", "--lang", "py", "--variant", "allocates,sleeps", "--repeat", "1",
            "--results", results_dir.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  // Until `allocates` is recorded and `sleeps` is under way: 3 s on a normal machine.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(3.0 * time_factor());
  while (!child_processes_left("sleeps") && std::chrono::steady_clock::now() < deadline) ::usleep(100'000);
  ASSERT_TRUE(child_processes_left("sleeps"));
  ::kill(pid, SIGINT);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 128 + SIGINT);
  EXPECT_FALSE(child_processes_left("sleeps"));
  const auto records = read_records(results_dir / "m" / "faulty.jsonl");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].at("variant"), "allocates");
  std::filesystem::remove_all(results_dir);
}

}  // namespace
