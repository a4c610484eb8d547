// Protects the CLI contract that users, tests and the report rely on: bad input exits with 2 and
// names the valid choices; a variant that raises, crashes, hangs or exits is recorded with its
// outcome and reason while the rest of the suite still runs (exit 1); Ctrl-C leaves nothing running.
// Uses `oomlab_fixture`, the CLI built with tests/fixtures/experiments.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
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
  EXPECT_EQ(run_command(kCli + " run list_to_numpy --repeat 1001").exit_code, 2);
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
    // Killed by the parent at this run's cap (the record says which cap), not by anything else: no
    // wall time is compared, since a busy machine (or an emulated guest) reaps a killed child late.
    const std::string reason = records_.at(key).at("reason");
    EXPECT_EQ(reason.rfind("stopped at the time cap of " + std::to_string(cap_seconds()) + " s", 0), 0u) << reason;
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
  // Until `allocates` is recorded and `sleeps` is under way: well under a second on an idle machine;
  // the bound is only how long a broken run may keep the test waiting, so it is generous.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(60.0 * time_factor());
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

namespace {

// The pid of the measurement child whose command line has `marker`, or 0 when there is none yet.
pid_t measurement_child_pid(const std::string& marker) {
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string cmdline = read_whole_file((entry.path() / "cmdline").string());
    if (contains(cmdline, "__child") && contains(cmdline, marker)) return std::stoi(entry.path().filename().string());
  }
  return 0;
}

// Waits (up to 60 s, for a loaded machine) until the measurement child with `marker` runs.
pid_t wait_for_measurement_child(const std::string& marker) {
  for (int attempt = 0; attempt < 6000; ++attempt) {
    if (const pid_t pid = measurement_child_pid(marker)) return pid;
    ::usleep(10000);
  }
  return 0;
}

char process_state(pid_t pid) {
  const std::string stat = read_whole_file("/proc/" + std::to_string(pid) + "/stat");
  const auto after_name = stat.rfind(')');
  return after_name == std::string::npos || after_name + 2 >= stat.size() ? '?' : stat[after_name + 2];
}

// Starts the fixture CLI on `arguments` with SIGHUP ignored if asked (as nohup does); returns its pid.
pid_t start_fixture_cli(const std::vector<std::string>& arguments, bool ignore_sighup = false) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    // A process group of its own, as a shell's job has: the kernel discards SIGTSTP sent to an
    // orphaned group (no parent outside it in the session), so Ctrl-Z needs a parent outside.
    ::setpgid(0, 0);
    if (ignore_sighup) ::signal(SIGHUP, SIG_IGN);
    ::setenv("OOMLAB_MACHINE_ID", "m", 1);
    std::vector<char*> argv{const_cast<char*>("oomlab")};
    for (const std::string& argument : arguments) argv.push_back(const_cast<char*>(argument.c_str()));
    argv.push_back(nullptr);
    ::execv(kFixtureCli.c_str(), argv.data());
    ::_exit(127);
  }
  return pid;
}

}  // namespace

// nohup: a SIGHUP that was ignored when oomlab started stays ignored; the run goes on and ends well.
TEST(CliSignals, SighupIgnoredAtStartStaysIgnored) {
  const auto results_dir = fresh_results_dir("nohup");
  const pid_t pid = start_fixture_cli(
      {"run", "lifecycle", "--lang", "py", "--variant", "naps", "--repeat", "1", "--results", results_dir.string()},
      /*ignore_sighup=*/true);
  ASSERT_NE(wait_for_measurement_child("naps"), 0);
  ::kill(pid, SIGHUP);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status)) << "ended by signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0);
  const auto records = read_records(results_dir / "m" / "lifecycle.jsonl");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].at("outcome"), "ok");
  std::filesystem::remove_all(results_dir);
}

// Ctrl-Z stops the measurement child with the parent, SIGCONT resumes both, and the time both were
// stopped does not count against the cap: stopped for 5 s under a 4 s cap, the run is still ok. The
// variant waits for a file that the test writes only after SIGCONT, so it cannot have ended before
// the stop reached it, whatever the machine's load (a 1.5 s nap once had, on a busy machine).
TEST(CliSignals, CtrlZStopsTheChildTooAndTheCapCountsRunningTimeOnly) {
  const auto results_dir = fresh_results_dir("stop");
  std::filesystem::create_directories(results_dir);
  const auto go_file = results_dir / "go";
  ::setenv("OOMLAB_FIXTURE_GO_FILE", go_file.c_str(), 1);  // inherited by the CLI and its child
  const pid_t pid = start_fixture_cli({"run", "lifecycle", "--lang", "py", "--variant", "waits_for_go", "--repeat", "1",
                                       "--timeout", "4", "--results", results_dir.string()});
  ::unsetenv("OOMLAB_FIXTURE_GO_FILE");
  const pid_t child = wait_for_measurement_child("waits_for_go");
  ASSERT_NE(child, 0);
  ::kill(pid, SIGTSTP);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, WUNTRACED), pid);
  ASSERT_TRUE(WIFSTOPPED(status));
  char child_state = '?';
  for (int attempt = 0; attempt < 500 && child_state != 'T'; ++attempt, ::usleep(10000)) child_state = process_state(child);
  EXPECT_EQ(child_state, 'T') << "the measurement child kept running while oomlab was stopped";
  ::sleep(5);
  ::kill(pid, SIGCONT);
  std::ofstream(go_file) << "go\n";
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  const auto records = read_records(results_dir / "m" / "lifecycle.jsonl");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].at("outcome"), "ok") << records[0].value("reason", "");
  // The child saw the go file, which this test wrote only after its 5 s sleep and SIGCONT: it was
  // alive past the 4 s cap by construction, and it is still not a timeout, so the stopped time did
  // not count. No wall time is compared.
  EXPECT_EQ(records[0].at("metrics").at("waited_for_go"), 1.0);
  // The pause is recorded, so the report can leave this run's times out.
  EXPECT_GT(records[0].value("stopped_seconds", 0.0), 0.0);
  std::filesystem::remove_all(results_dir);
}

// The result is sent before the interpreter shuts down; a non-daemon thread that keeps the child
// alive is ended 2 s after the report, and the run is ok (it was a timeout at the cap before).
TEST(CliShutdown, ALeftoverThreadDoesNotTurnAnOkIntoATimeout) {
  const auto results_dir = fresh_results_dir("thread");
  const auto result = run_command("OOMLAB_MACHINE_ID=m " + kFixtureCli + " run lifecycle --lang py --variant leaves_thread" +
                                  " --repeat 1 --timeout 30 --results " + results_dir.string());
  EXPECT_EQ(result.exit_code, 0) << result.err;
  const auto records = read_records(results_dir / "m" / "lifecycle.jsonl");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].at("outcome"), "ok") << records[0].value("reason", "");
  EXPECT_EQ(records[0].at("metrics").at("threads_left"), 1.0);
  EXPECT_EQ(records[0].value("killed_after_report", false), true);
  EXPECT_FALSE(child_processes_left("leaves_thread"));
  std::filesystem::remove_all(results_dir);
}

// After the report a measurement child ends without Py_Finalize's teardown of every object, but what
// the interpreter's exit does that others can see still happens: atexit hooks, weakref.finalize
// (a TemporaryDirectory removed), the standard streams flushed.
TEST(CliShutdown, TheInterpretersExitHooksStillRun) {
  const auto results_dir = fresh_results_dir("exit-hooks");
  const auto notes = results_dir / "exit-notes";
  const auto result = run_command("OOMLAB_MACHINE_ID=m OOMLAB_FIXTURE_EXIT_NOTES=" + notes.string() + " " + kFixtureCli +
                                  " run lifecycle --lang py --variant leaves_exit_work --repeat 1 --results " +
                                  results_dir.string());
  EXPECT_EQ(result.exit_code, 0) << result.err;
  const auto records = read_records(results_dir / "m" / "lifecycle.jsonl");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].at("outcome"), "ok") << records[0].value("reason", "");
  EXPECT_EQ(records[0].value("killed_after_report", false), false);
  std::ifstream in(notes);
  std::string folder, hook;
  std::getline(in, folder);
  std::getline(in, hook);
  ASSERT_FALSE(folder.empty());
  EXPECT_FALSE(std::filesystem::exists(folder)) << "the TemporaryDirectory was left: " << folder;
  EXPECT_EQ(hook, "atexit ran");
  EXPECT_TRUE(contains(result.err, "a line left in stdout's buffer")) << result.err;
  std::filesystem::remove_all(results_dir);
}

// The same for the child that lists the variants: a thread started on import does not hold the run.
TEST(CliShutdown, AThreadStartedOnImportHoldsNeitherTheListingNorTheMeasurement) {
  const auto results_dir = fresh_results_dir("import-thread");
  const auto result = run_command("OOMLAB_FIXTURE_IMPORT_THREAD=1 OOMLAB_MACHINE_ID=m " + kFixtureCli +
                                  " run lifecycle --lang py --variant reports_environment --repeat 1 --timeout 30 --results " +
                                  results_dir.string());
  EXPECT_EQ(result.exit_code, 0) << result.err;
  const auto records = read_records(results_dir / "m" / "lifecycle.jsonl");
  ASSERT_EQ(records.size(), 1u) << result.err;
  EXPECT_EQ(records[0].at("outcome"), "ok") << records[0].value("reason", "");
  EXPECT_EQ(records[0].value("killed_after_report", false), true);
  EXPECT_FALSE(child_processes_left("reports_environment"));
  std::filesystem::remove_all(results_dir);
}

// The harness's variables reach the child once, with the harness's values, whatever the caller's
// environment holds: glibc and CPython read the first entry of a name.
TEST(CliEnvironment, TheHarnessVariablesWinOverTheCallers) {
  const auto results_dir = fresh_results_dir("environment");
  const auto result = run_command(
      "TMPDIR=/tmp OOMLAB_FIXTURE_CALLERS_TMPDIR=/tmp OOMLAB_MEMORY_CGROUP=/sys/fs/cgroup/memory/someone-elses "
      "OOMLAB_TREE_SAMPLE_FDS=7,8 OOMLAB_MACHINE_ID=m " +
      kFixtureCli + " run lifecycle --lang py --variant reports_environment --repeat 1 --results " + results_dir.string());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto records = read_records(results_dir / "m" / "lifecycle.jsonl");
  ASSERT_EQ(records.size(), 1u);
  const auto& metrics = records[0].at("metrics");
  EXPECT_EQ(metrics.at("tmpdir_entries"), 1.0);
  EXPECT_EQ(metrics.at("tmpdir_is_callers"), 0.0);  // the measurement's own scratch folder instead
  EXPECT_EQ(metrics.at("tmpdir_is_a_directory"), 1.0);
  // Set by the harness only for a run with a cgroup / a process tree; this run has neither.
  EXPECT_EQ(metrics.at("memory_cgroup_entries"), 0.0);
  EXPECT_EQ(metrics.at("tree_sample_fds_entries"), 0.0);
  std::filesystem::remove_all(results_dir);
}

namespace {

// All records under a results folder, whatever the machine folder is called.
std::vector<nlohmann::json> all_records(const std::filesystem::path& results_dir) {
  std::vector<nlohmann::json> records;
  if (!std::filesystem::exists(results_dir)) return records;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(results_dir)) {
    if (entry.path().extension() != ".jsonl") continue;
    for (auto& record : read_records(entry.path())) records.push_back(std::move(record));
  }
  return records;
}

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

}  // namespace

// Every bad input below exits with 2, says what is valid, and writes nothing.
TEST(CliBadInput, TimeoutOutsideZeroToADayIsRejected) {
  for (const std::string timeout : {"1e10", "nan", "inf", "0", "-1", "86401"}) {
    const auto result = run_command(kFixtureCli + " run lifecycle --lang cpp --timeout " + timeout);
    EXPECT_EQ(result.exit_code, 2) << timeout;
    EXPECT_TRUE(contains(result.err, "86400")) << timeout << ": " << result.err;
  }
}

TEST(CliBadInput, MemLimitIsBinaryAndAtLeast16MiB) {
  // The message quotes the bytes read: K and M are 1024 and 1024², as experiment.json's MiB.
  const auto one_k = run_command(kCli + " run swap --mem-limit 1K");
  EXPECT_EQ(one_k.exit_code, 2);
  EXPECT_TRUE(contains(one_k.err, "--mem-limit 1024 bytes is out of range")) << one_k.err;
  const auto fifteen_m = run_command(kCli + " run swap --mem-limit 15M");
  EXPECT_EQ(fifteen_m.exit_code, 2);
  EXPECT_TRUE(contains(fifteen_m.err, std::to_string(15 * 1024 * 1024) + " bytes")) << fifteen_m.err;
  EXPECT_EQ(run_command(kCli + " run swap --mem-limit 0").exit_code, 2);
  const auto help = run_command(kCli + " run --help");
  EXPECT_TRUE(contains(help.out, "binary (KiB, MiB, GiB, TiB)")) << help.out;
}

TEST(CliBadInput, MemLimitOnExperimentsWithoutSwapProfilesIsRejected) {
  const auto result = run_command(kCli + " run list_to_numpy --mem-limit 256M");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_TRUE(contains(result.err, "swap profiles only")) << result.err;
}

TEST(CliBadInput, AProfileTheExperimentDoesNotDeclareIsNotRunForIt) {
  // out_of_core declares only `none`.
  const auto alone = run_command(kCli + " run out_of_core --profile zram");
  EXPECT_EQ(alone.exit_code, 2);
  EXPECT_TRUE(contains(alone.err, "out_of_core: none")) << alone.err;
  // Beside an experiment that declares it, it is left out (and says so); `ram` changes nothing.
  const auto results_dir = fresh_results_dir("profiles");
  const auto both = run_command("OOMLAB_MACHINE_ID=m " + kCli + " run out_of_core swap --profile ram --lang cpp --variant noop" +
                                " --scale quick --results " + results_dir.string());
  EXPECT_TRUE(contains(both.err, "out_of_core declares no profile ram")) << both.err;
  EXPECT_FALSE(std::filesystem::exists(results_dir / "m" / "out_of_core.jsonl"));
  const auto swap_records = read_records(results_dir / "m" / "swap.jsonl");
  ASSERT_EQ(swap_records.size(), 1u) << both.err;
  EXPECT_EQ(swap_records[0].at("swap_profile"), "ram");
  std::filesystem::remove_all(results_dir);
}

TEST(CliBadInput, MachineIdCannotLeadOutOfTheResultsFolder) {
  const auto results_dir = fresh_results_dir("machine-id");
  const std::string escape = "escaped-" + std::to_string(::getpid());
  const auto result = run_command("OOMLAB_MACHINE_ID=../" + escape + " " + kFixtureCli +
                                  " run lifecycle --lang cpp --variant noop --repeat 1 --results " + results_dir.string());
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_FALSE(std::filesystem::exists(results_dir.parent_path() / escape));
  const auto records = all_records(results_dir);
  ASSERT_EQ(records.size(), 1u);
  const std::string machine = records[0].at("env").at("machine_id");
  EXPECT_EQ(machine.find('/'), std::string::npos) << machine;
  EXPECT_NE(machine.front(), '.') << machine;
  std::filesystem::remove_all(results_dir);
}

TEST(CliBadInput, AnUnwritableResultsFolderIsFoundBeforeMeasuring) {
  const auto result = run_command(kFixtureCli + " run lifecycle --lang cpp --results /proc/oomlab-no-records");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_TRUE(contains(result.err, "/proc/oomlab-no-records")) << result.err;
  EXPECT_FALSE(contains(result.err, "[1/")) << "a measurement started: " << result.err;
}

// A malformed experiment.json names its file and key; the others are still listed and run.
class CliMalformedExperiment : public ::testing::Test {
 protected:
  void SetUp() override {
    experiments_dir_ = fresh_results_dir("malformed-experiments");
    results_dir_ = fresh_results_dir("malformed-results");
    const std::string sizes = R"("sizes": {"quick": [1], "default": [1], "large": [1]})";
    write_file(experiments_dir_ / "good" / "experiment.json", "{" + sizes + "}");
    write_file(experiments_dir_ / "bad_size" / "experiment.json", R"({"sizes": {"quick": [1.5], "default": [1], "large": [1]}})");
    write_file(experiments_dir_ / "bad_repeats" / "experiment.json", "{" + sizes + R"(, "repeats": {"quick": 0}})");
    write_file(experiments_dir_ / "bad_timeout" / "experiment.json", "{" + sizes + R"(, "timeout_seconds": 1e10})");
    write_file(experiments_dir_ / "huge_limit" / "experiment.json",
               "{" + sizes + R"(, "swap_profiles": ["ssd"], "mem_limit_mib": {"quick": 35184372088832, "default": 64, "large": 64},)" +
                   R"( "swap_mib": {"quick": 64, "default": 64, "large": 64}})");
    write_file(experiments_dir_ / "bad_profile" / "experiment.json",
               "{" + sizes + R"(, "swap_profiles": ["nvme"], "mem_limit_mib": {"quick": 64, "default": 64, "large": 64},)" +
                   R"( "swap_mib": {"quick": 64, "default": 64, "large": 64}})");
  }
  void TearDown() override {
    std::filesystem::remove_all(experiments_dir_);
    std::filesystem::remove_all(results_dir_);
  }
  std::string cli() const { return "OOMLAB_MACHINE_ID=m " + kFixtureCli + " --experiments-dir " + experiments_dir_.string(); }

  std::filesystem::path experiments_dir_;
  std::filesystem::path results_dir_;
};

TEST_F(CliMalformedExperiment, ListNamesEachFileAndKeyAndListsTheRest) {
  const auto result = run_command(cli() + " list");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(contains(result.out, "good:")) << result.out;
  for (const std::string expected : {"bad_size/experiment.json: \"sizes.quick[0]\"", "bad_repeats/experiment.json: \"repeats.quick\"",
                                     "bad_timeout/experiment.json: \"timeout_seconds\"",
                                     "huge_limit/experiment.json: \"mem_limit_mib.quick\"",
                                     "bad_profile/experiment.json: \"swap_profiles\" has an unknown profile \"nvme\"; valid: ram"}) {
    EXPECT_TRUE(contains(result.err, expected)) << expected << " not in: " << result.err;
  }
}

TEST_F(CliMalformedExperiment, NamedAloneItIsBadUsageAndNothingIsWritten) {
  const auto result = run_command(cli() + " run bad_size --results " + results_dir_.string());
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_TRUE(contains(result.err, "bad_size/experiment.json: \"sizes.quick[0]\" must be a whole number")) << result.err;
  EXPECT_TRUE(contains(result.err, "good")) << "the valid choices: " << result.err;
  EXPECT_FALSE(std::filesystem::exists(results_dir_));
}

TEST_F(CliMalformedExperiment, RunAllRunsTheOthersAndExitsWith1) {
  const auto result = run_command(cli() + " run all --lang cpp --repeat 1 --results " + results_dir_.string());
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_TRUE(contains(result.err, "bad_size was not run")) << result.err;
  const auto records = read_records(results_dir_ / "m" / "good.jsonl");
  ASSERT_EQ(records.size(), 1u) << result.err;
  EXPECT_EQ(records[0].at("outcome"), "ok");
  EXPECT_EQ(all_records(results_dir_).size(), 1u);
}

// The record's command reproduces its settings: a scale's size by the scale, and the flags given.
TEST(CliRecords, TheCommandReproducesTheScaleAndTheFlagsGiven) {
  const auto results_dir = fresh_results_dir("command");
  const auto quick = run_command("OOMLAB_MACHINE_ID=m " + kFixtureCli + " run lifecycle --lang cpp --variant noop --scale quick" +
                                 " --results " + results_dir.string());
  ASSERT_EQ(quick.exit_code, 0) << quick.err;
  const auto custom = run_command("OOMLAB_MACHINE_ID=m " + kFixtureCli + " run lifecycle --lang cpp --variant noop --size 3" +
                                  " --repeat 1 --timeout 7.5 --results " + results_dir.string());
  ASSERT_EQ(custom.exit_code, 0) << custom.err;
  const auto records = read_records(results_dir / "m" / "lifecycle.jsonl");
  ASSERT_EQ(records.size(), 2u);
  const std::string quick_command = records[0].at("command");
  EXPECT_TRUE(contains(quick_command, " --scale quick")) << quick_command;
  EXPECT_FALSE(contains(quick_command, "--size")) << quick_command;
  EXPECT_FALSE(contains(quick_command, "--timeout")) << quick_command;
  const std::string custom_command = records[1].at("command");
  EXPECT_TRUE(contains(custom_command, " --size 3")) << custom_command;
  EXPECT_TRUE(contains(custom_command, " --timeout 7.5")) << custom_command;
  EXPECT_FALSE(contains(custom_command, "--scale")) << custom_command;
  std::filesystem::remove_all(results_dir);
}

// A second swap run waits for the lock, names its holder, and gives up with 2 (the wait shortened
// to 1 s for the test). Root only: without root no swap run changes the machine, and none locks.
TEST(CliSwapLock, ASecondSwapRunNamesTheHolderAndExitsWith2) {
  if (::geteuid() != 0) GTEST_SKIP() << "swap runs take the lock only as root (they change nothing otherwise)";
  const std::filesystem::path lock_file = "/run/oomlab-swap.lock";
  std::filesystem::create_directories(lock_file.parent_path());
  const int fd = ::open(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    GTEST_SKIP() << "a real swap run holds the lock now";
  }
  const std::string holder = "pid " + std::to_string(::getpid()) + " (the swap lock test) since now\n";
  ASSERT_EQ(::ftruncate(fd, 0), 0);
  ASSERT_EQ(::pwrite(fd, holder.data(), holder.size(), 0), static_cast<ssize_t>(holder.size()));
  const auto results_dir = fresh_results_dir("swap-lock");
  const auto result = run_command("OOMLAB_SWAP_LOCK_WAIT_SECONDS=1 OOMLAB_MACHINE_ID=m " + kCli +
                                  " run swap --profile ram --lang cpp --variant noop --scale quick --results " + results_dir.string());
  [[maybe_unused]] const int emptied = ::ftruncate(fd, 0);
  ::close(fd);
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_TRUE(contains(result.err, "waiting for the swap lock")) << result.err;
  EXPECT_TRUE(contains(result.err, "pid " + std::to_string(::getpid()) + " (the swap lock test)")) << result.err;
  EXPECT_FALSE(std::filesystem::exists(results_dir / "m" / "swap.jsonl"));
  std::filesystem::remove_all(results_dir);
}

// Under 1 MiB free for records is found before measuring: a 512 KiB tmpfs as the results folder.
TEST(CliBadInput, AResultsFolderWithUnder1MiBFreeIsFoundBeforeMeasuring) {
  const auto mount_point = fresh_results_dir("small-disk");
  std::filesystem::create_directories(mount_point);
  if (::mount("oomlab-test", mount_point.c_str(), "tmpfs", 0, "size=512k") != 0) {
    std::filesystem::remove_all(mount_point);
    GTEST_SKIP() << "cannot mount a small tmpfs here (needs root): " << std::strerror(errno);
  }
  const auto result = run_command(kFixtureCli + " run lifecycle --lang cpp --results " + mount_point.string());
  ::umount(mount_point.c_str());
  std::filesystem::remove_all(mount_point);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_TRUE(contains(result.err, "at least 1 MiB needed")) << result.err;
  EXPECT_TRUE(contains(result.err, mount_point.string())) << result.err;
  EXPECT_FALSE(contains(result.err, "[1/")) << "a measurement started: " << result.err;
}

// A print() in experiment.py or in a variant goes to stderr: `--json` prints records only, and the
// child that lists the variants still answers (its answer has a pipe of its own).
TEST(CliOutput, PrintsInExperimentsNeverReachTheJsonOutput) {
  const auto results_dir = fresh_results_dir("prints");
  const auto result = run_command("OOMLAB_MACHINE_ID=m " + kFixtureCli + " run lifecycle --lang py --variant prints --repeat 1" +
                                  " --json --results " + results_dir.string());
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(std::count(result.out.begin(), result.out.end(), '\n'), 1) << result.out;
  const auto record = nlohmann::json::parse(result.out, nullptr, false);
  ASSERT_TRUE(record.is_object()) << result.out;
  EXPECT_EQ(record.at("outcome"), "ok");
  EXPECT_TRUE(contains(result.err, "a variant's print, not a record")) << result.err;
  std::filesystem::remove_all(results_dir);
}

// An experiment.py whose import hangs is ended at the listing's time cap (1 s for the test) and
// reported as not importable; nothing of it keeps running.
TEST(CliOutput, AnImportThatHangsIsEndedAtTheListingsTimeCap) {
  const auto results_dir = fresh_results_dir("slow-import");
  const auto result = run_command("OOMLAB_FIXTURE_SLOW_IMPORT=1 OOMLAB_DESCRIBE_TIMEOUT_SECONDS=1 OOMLAB_MACHINE_ID=m " +
                                  kFixtureCli + " run lifecycle --lang py --repeat 1 --results " + results_dir.string());
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_TRUE(contains(result.err, "did not finish within 1 s")) << result.err;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string cmdline = read_whole_file((entry.path() / "cmdline").string());
    EXPECT_FALSE(contains(cmdline, "__describe") && contains(cmdline, "lifecycle")) << "left running: " << entry.path();
  }
  std::filesystem::remove_all(results_dir);
}

// A run as a normal user that finds root's record file says so and names the fix, before measuring.
TEST(CliBadInput, RecordsOfAnotherUserAreFoundBeforeMeasuring) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root, to write a record file as root and run as another user";
  const auto results_dir = fresh_results_dir("foreign-records");
  std::filesystem::create_directories(results_dir / "m");
  for (const auto& folder : {results_dir, results_dir / "m"}) {
    std::filesystem::permissions(folder, std::filesystem::perms::all);  // anyone may add files here
  }
  const auto file = results_dir / "m" / "lifecycle.jsonl";
  write_file(file, "{}\n");  // root's, mode 0644
  const std::string err_path = (results_dir / "stderr").string();
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int err_fd = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0666);
    ::dup2(err_fd, STDERR_FILENO);
    constexpr uid_t kNobody = 65534;
    if (::setgid(kNobody) != 0 || ::setuid(kNobody) != 0) ::_exit(126);
    ::setenv("OOMLAB_MACHINE_ID", "m", 1);
    ::execl(kFixtureCli.c_str(), "oomlab", "run", "lifecycle", "--lang", "cpp", "--results", results_dir.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  const std::string err = read_whole_file(err_path);
  ASSERT_TRUE(WIFEXITED(status));
  if (WEXITSTATUS(status) == 127) {
    std::filesystem::remove_all(results_dir);
    GTEST_SKIP() << "user nobody cannot run " << kFixtureCli << " (a folder on its path is private)";
  }
  EXPECT_EQ(WEXITSTATUS(status), 2) << err;
  EXPECT_TRUE(contains(err, "cannot append to " + file.string())) << err;
  EXPECT_TRUE(contains(err, "--results DIR, or chown")) << err;
  EXPECT_EQ(read_whole_file(file.string()), "{}\n");
  std::filesystem::remove_all(results_dir);
}
