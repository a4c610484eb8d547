// Classification of a finished child into a record outcome.
#include "outcome.hpp"

#include <csignal>
#include <cstring>
#include <sstream>

#include "report_channel.hpp"

namespace oomlab {
namespace {

std::string signal_name(int signal_number) {
  const char* abbreviation = ::sigabbrev_np(signal_number);
  std::ostringstream name;
  name << "signal " << signal_number;
  if (abbreviation) name << " (SIG" << abbreviation << ": " << ::strsignal(signal_number) << ")";
  return name.str();
}

std::string seconds_text(double seconds) {
  std::ostringstream text;
  text.precision(3);
  text << seconds << " s";
  return text.str();
}

}  // namespace

Outcome classify_outcome(const ChildResult& child, const nlohmann::json& report, double timeout_seconds) {
  if (!child.spawn_error.empty()) return {"error", "could not start the child: " + child.spawn_error};
  // How far a killed run got, if the variant noted its progress: "; 37% done (12345 of 33333 pages)".
  const std::string progress = child.progress.is_null() ? "" : "; " + progress_text(child.progress);
  if (child.timed_out) {
    return {"timeout", "stopped at the time cap of " + seconds_text(timeout_seconds) + " (ran " +
                           seconds_text(child.child_wall_seconds) + progress + ")"};
  }
  const bool has_report = report.is_object() && report.contains("outcome");
  if (has_report && report.at("outcome") == "error") {
    return {"error", report.value("reason", "the variant failed")};
  }
  if (child.killed_after_report && has_report) {
    // The variant finished and said so; only the interpreter's shutdown hung, and the parent ended it.
    return {"ok", ""};
  }
  if (!child.exited) {
    if (child.term_signal == SIGKILL && child.oom_kill_seen) {
      return {"oom_killed", "killed by the kernel's OOM killer (SIGKILL while the oom_kill counter rose" + progress + ")"};
    }
    return {"error", "killed by " + signal_name(child.term_signal)};
  }
  if (!has_report) {
    return {"error", "the child exited with code " + std::to_string(child.exit_code) + " without a report"};
  }
  if (child.exit_code != 0) {
    return {"error", "the variant finished, but the child exited with code " + std::to_string(child.exit_code)};
  }
  return {"ok", ""};
}

Outcome classify_command_outcome(const ChildResult& child, double timeout_seconds) {
  if (!child.spawn_error.empty()) return {"error", "could not start the command: " + child.spawn_error};
  const std::string progress = child.progress.is_null() ? "" : "; " + progress_text(child.progress);
  if (child.timed_out) {
    return {"timeout", "stopped at the time cap of " + seconds_text(timeout_seconds) + " (ran " +
                           seconds_text(child.child_wall_seconds) + progress + ")"};
  }
  if (child.report.is_object() && child.report.value("outcome", "") == "error") {
    return {"error", child.report.value("reason", "the command could not be started")};
  }
  if (!child.exited) {
    if (child.term_signal == SIGKILL && child.oom_kill_seen) {
      return {"oom_killed", "killed by the kernel's OOM killer after " + seconds_text(child.child_wall_seconds) + progress};
    }
    return {"error", "killed by " + signal_name(child.term_signal) + progress};
  }
  if (child.exit_code != 0) return {"error", "exited with code " + std::to_string(child.exit_code) + progress};
  return {"ok", ""};
}

}  // namespace oomlab
