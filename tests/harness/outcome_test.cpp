// Protects the outcome of a measurement: a crash, an OOM kill, a time cap and a raised exception
// must each be told apart and explained, or the report would call a failure a result.
#include <gtest/gtest.h>

#include <csignal>

#include "outcome.hpp"

namespace {

oomlab::ChildResult exited_with(int code) {
  oomlab::ChildResult child;
  child.exited = true;
  child.exit_code = code;
  return child;
}

oomlab::ChildResult killed_by(int signal_number) {
  oomlab::ChildResult child;
  child.term_signal = signal_number;
  return child;
}

const nlohmann::json kOkReport = {{"outcome", "ok"}, {"peak_delta_bytes", 1}};

TEST(Outcome, CleanExitWithReportIsOk) {
  EXPECT_EQ(oomlab::classify_outcome(exited_with(0), kOkReport, 10).outcome, "ok");
}

TEST(Outcome, RaisedVariantIsErrorWithItsReason) {
  const nlohmann::json report = {{"outcome", "error"}, {"reason", "ValueError: boom"}};
  const auto outcome = oomlab::classify_outcome(exited_with(0), report, 10);
  EXPECT_EQ(outcome.outcome, "error");
  EXPECT_EQ(outcome.reason, "ValueError: boom");
}

TEST(Outcome, SigkillWhileOomCounterRoseIsOomKilled) {
  auto child = killed_by(SIGKILL);
  child.oom_kill_seen = true;
  EXPECT_EQ(oomlab::classify_outcome(child, nullptr, 10).outcome, "oom_killed");
}

TEST(Outcome, SigkillWithoutOomIsAnErrorNamingTheSignal) {
  const auto outcome = oomlab::classify_outcome(killed_by(SIGKILL), nullptr, 10);
  EXPECT_EQ(outcome.outcome, "error");
  EXPECT_NE(outcome.reason.find("SIGKILL"), std::string::npos) << outcome.reason;
}

TEST(Outcome, SegfaultNamesTheSignal) {
  const auto outcome = oomlab::classify_outcome(killed_by(SIGSEGV), nullptr, 10);
  EXPECT_EQ(outcome.outcome, "error");
  EXPECT_NE(outcome.reason.find("SIGSEGV"), std::string::npos) << outcome.reason;
}

TEST(Outcome, TimeCapWinsOverTheKillItCaused) {
  auto child = killed_by(SIGKILL);
  child.timed_out = true;
  child.child_wall_seconds = 2.5;
  const auto outcome = oomlab::classify_outcome(child, nullptr, 2);
  EXPECT_EQ(outcome.outcome, "timeout");
  EXPECT_NE(outcome.reason.find("time cap of 2 s"), std::string::npos) << outcome.reason;
}

TEST(Outcome, ExitWithoutReportIsAnError) {
  const auto outcome = oomlab::classify_outcome(exited_with(3), nullptr, 10);
  EXPECT_EQ(outcome.outcome, "error");
  EXPECT_NE(outcome.reason.find("code 3"), std::string::npos) << outcome.reason;
}

TEST(Outcome, ReportButNonZeroExitIsAnError) {
  EXPECT_EQ(oomlab::classify_outcome(exited_with(1), kOkReport, 10).outcome, "error");
}

}  // namespace
