// Protects the measurement of a process tree (multiprocessing): the per-run cgroup's peak is the
// true simultaneous peak; the RSS sum a task manager shows over-counts shared pages; the PSS sum
// splits them. Easy to break: forget to put the child in the cgroup before exec, read ru_maxrss
// (one process) as a tree total, or leave the cgroup behind.
#include <gtest/gtest.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "cgroup.hpp"
#include "ownership.hpp"
#include "command.hpp"

namespace {

const std::string kFixtureCli = OOMLAB_FIXTURE_CLI;

bool kernel_can_scope_tree_peak() {
  if (!std::filesystem::exists("/sys/fs/cgroup/cgroup.controllers")) return true;  // v1
  utsname name{};
  ::uname(&name);
  int major = 0, minor = 0;
  std::sscanf(name.release, "%d.%d", &major, &minor);
  return major > 6 || (major == 6 && minor >= 12);
}
constexpr double kMiB = 1024.0 * 1024.0;

class TreeRun : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    results_dir_ = std::filesystem::temp_directory_path() / ("oomlab-tree-test-" + std::to_string(::getpid()));
    result_ = run_command("OOMLAB_MACHINE_ID=m " + kFixtureCli + " run tree --repeat 1 --lang py --results " +
                          results_dir_.string());
    std::ifstream in(results_dir_ / "m" / "tree.jsonl");
    std::string line;
    while (std::getline(in, line)) {
      const auto record = nlohmann::json::parse(line);
      if (record.at("variant") == "shared_and_private") record_ = record;
      if (record.at("variant") == "helper_in_setup") helper_record_ = record;
      if (record.at("variant") == "escaping_worker") escaping_record_ = record;
    }
  }
  static void TearDownTestSuite() { std::filesystem::remove_all(results_dir_); }

  static inline std::filesystem::path results_dir_;
  static inline CommandResult result_;
  static inline nlohmann::json record_;
  static inline nlohmann::json helper_record_;
  static inline nlohmann::json escaping_record_;
};

TEST_F(TreeRun, RunsAndSamplesEveryProcess) {
  ASSERT_EQ(result_.exit_code, 0) << result_.err;
  ASSERT_EQ(record_.at("outcome"), "ok") << record_.dump();
  EXPECT_EQ(record_.at("max_process_count"), 4);  // the variant's process and its 3 workers
  // The variant asked for a sample at its plateau (MeasuredRun::sample_tree) and the parent answered.
  EXPECT_EQ(record_.at("metrics").at("tree_sampled"), 1.0);
  EXPECT_EQ(record_.at("uss_peak_bytes").size(), 4u);
}

TEST_F(TreeRun, SampledPeaksCoverTheMeasuredPhaseOnly) {
  // A helper process that lived 200 ms in the setup (40 samples) is not part of the run, as the
  // setup's memory is not part of VmHWM after the reset.
  ASSERT_EQ(helper_record_.at("outcome"), "ok") << helper_record_.dump();
  EXPECT_EQ(helper_record_.at("max_process_count"), 1);
  EXPECT_EQ(helper_record_.at("sampled_peak_scope"), "measured_phase");
  EXPECT_EQ(record_.at("sampled_peak_scope"), "measured_phase");
}

TEST_F(TreeRun, TreePeakIsParentPlusEachWorkersPrivateBuffer) {
  if (!oomlab::probe_cgroups().usable()) GTEST_SKIP() << "no cgroup: " << oomlab::probe_cgroups().unavailable_reason;
  ASSERT_TRUE(record_.contains("tree_peak_delta_bytes")) << record_.dump();
  const double tree_delta_mib = record_.at("tree_peak_delta_bytes").get<double>() / kMiB;
  // 32 MiB in the parent + 3 × 32 MiB written by the workers = 128 MiB; each forked worker adds a
  // few MiB of private Python state (refcounts, its own stack and arenas): up to 8 MiB each.
  EXPECT_GE(tree_delta_mib, 128.0);
  EXPECT_LE(tree_delta_mib, 128.0 + 3 * 8.0);
  // v1 and v2 from kernel 6.12 reset the peak at the phase's start; older v2 kernels cannot.
  EXPECT_EQ(record_.at("tree_peak_scope"), kernel_can_scope_tree_peak() ? "measured_phase" : "child_lifetime");
}

TEST_F(TreeRun, RssSumOvercountsWhatPssSplits) {
  ASSERT_TRUE(record_.contains("rss_sum_peak_bytes")) << record_.dump();
  const double rss_sum = record_.at("rss_sum_peak_bytes").get<double>();
  const double pss_sum = record_.at("pss_sum_peak_bytes").get<double>();
  // Each worker maps the parent's 32 MiB and the interpreter's pages: the RSS sum counts them 4
  // times. The PSS sum counts each page once in total, so it must be well below: at least 1.5×.
  EXPECT_GT(rss_sum, 1.5 * pss_sum);
  // The three workers each wrote 32 MiB of their own: their USS is at least that.
  const auto uss = record_.at("uss_peak_bytes");
  for (std::size_t i = 0; i < 3; ++i) EXPECT_GE(uss.at(i).get<double>(), 32.0 * kMiB) << i;
}

TEST_F(TreeRun, TheRunCgroupIsRemovedAfterwards) {
  const auto support = oomlab::probe_cgroups();
  if (!support.usable()) GTEST_SKIP() << support.unavailable_reason;
  // The run is over: no cgroup it recorded may remain, nor its record. A record whose owner is still
  // alive is another run's, going on at the same time.
  for (const auto& record : oomlab::read_ownership_records()) {
    if (record.kind != oomlab::kOwnedCgroup) continue;
    EXPECT_EQ(oomlab::owner_state(record.owner), oomlab::OwnerState::alive) << record.fields.dump();
  }
}

TEST_F(TreeRun, AWorkerThatLeftItsSessionEndsWithTheRun) {
  const auto support = oomlab::probe_cgroups();
  if (!support.usable()) GTEST_SKIP() << "no cgroup to end it with: " << support.unavailable_reason;
  ASSERT_EQ(escaping_record_.at("outcome"), "ok") << escaping_record_.dump();
  const int pid = static_cast<int>(escaping_record_.at("metrics").at("escaped_worker_pid").get<double>());
  // It was in the run's cgroup, whose removal kills every member until none is left: gone, or a
  // zombie that only waits for whoever adopted it to reap it.
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const auto name_end = text.rfind(')');
  if (name_end != std::string::npos) {
    EXPECT_EQ(text.at(name_end + 2), 'Z') << text;
  }
}

}  // namespace
