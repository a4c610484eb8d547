// How a measurement ended, in record terms: ok | oom_killed | timeout | error (| skipped, decided
// before a child starts), with a reason a person can act on.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "child_process.hpp"

namespace oomlab {

struct Outcome {
  std::string outcome;
  std::string reason;  // empty when ok
};

// Reads the child's exit status, the parent's observations (time cap, OOM-kill counter) and the
// child's own report (which carries a Python traceback when a variant raised).
// REQUIRES: the child was not killed because the user interrupted oomlab.
Outcome classify_outcome(const ChildResult& child, const nlohmann::json& report, double timeout_seconds);

// The same for any program (`oomlab measure`), which sends no report: ok is exit code 0; "error"
// says "exited with code N" or names the signal; an OOM kill says how long the command ran first.
// REQUIRES: as classify_outcome.
Outcome classify_command_outcome(const ChildResult& child, double timeout_seconds);

}  // namespace oomlab
