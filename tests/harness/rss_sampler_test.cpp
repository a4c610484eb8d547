// The tree sampler's PSS walks: when the periodic ones may start. A walk of smaps_rollup at a child's
// first millisecond costs a run of a few milliseconds several percent of its time (the watcher's
// cost is a record field, sampler_cpu_fraction), and shows nothing of the run's peak.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "rss_sampler.hpp"

namespace {

using Clock = std::chrono::steady_clock;

class SleepingChild : public ::testing::Test {
 protected:
  void SetUp() override {
    start_ = Clock::now();
    pid_ = ::fork();
    ASSERT_GE(pid_, 0);
    if (pid_ == 0) {
      ::pause();
      ::_exit(0);
    }
  }
  void TearDown() override {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  // Samples every 2 ms until `until` after the child's start; returns the PSS samples' times.
  nlohmann::json sample_until(oomlab::RssSampler& sampler, std::chrono::milliseconds until) {
    while (Clock::now() - start_ < until) {
      sampler.sample();
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return sampler.timeline(100000, 0, 0).at("pss").at("t_seconds");
  }
  pid_t pid_ = -1;
  Clock::time_point start_;
};

TEST_F(SleepingChild, NoPeriodicPssWalkInTheFirst25Milliseconds) {
  oomlab::SamplerOptions options;
  options.whole_tree = true;
  oomlab::RssSampler sampler(pid_, start_, options);
  EXPECT_TRUE(sample_until(sampler, std::chrono::milliseconds(24)).empty());
}

TEST_F(SleepingChild, PeriodicPssWalksStartOnceTheBudgetHasRoom) {
  // The child (a fork of this test, a few MiB resident) costs about 0.1 ms to walk by the sampler's
  // prior estimate; at 1/400 of the time so far the budget has room for it within 100 ms. 1 s is
  // ten times that, so a loaded machine cannot make this fail.
  oomlab::SamplerOptions options;
  options.whole_tree = true;
  oomlab::RssSampler sampler(pid_, start_, options);
  const auto pss_times = sample_until(sampler, std::chrono::milliseconds(1000));
  ASSERT_FALSE(pss_times.empty());
  EXPECT_GE(pss_times.front().get<double>(), 0.025);
}

TEST_F(SleepingChild, AskedForSnapshotsAreTakenAtOnce) {
  // What a variant asks for with run.sample_tree() is not held back by the cadence or the budget.
  oomlab::SamplerOptions options;
  options.whole_tree = true;
  oomlab::RssSampler sampler(pid_, start_, options);
  sampler.sample_everything();
  EXPECT_EQ(sampler.timeline(100000, 0, 0).at("pss").at("t_seconds").size(), 1u);
}

}  // namespace
