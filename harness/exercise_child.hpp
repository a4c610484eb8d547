// What runs inside the fresh child of `oomlab exercise`: the learner's function, measured like a
// variant (MeasuredRun start/stop around it), then the exercise's correctness check; the report goes
// to the parent through the same pipe as a measurement's.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace oomlab {

struct ExerciseRequest {
  std::filesystem::path exercise_dir;  // experiments/<name>/exercise: check.py, exercise.json
  std::filesystem::path learner_file;  // the file that defines the function
  std::string function;                // the one function the exercise calls
  std::int64_t size = 0;               // handed to check.prepare and check.check
};

// Runs harness/exercise_runner.py's run_exercise in the embedded interpreter and writes one JSON
// object to `report_fd`: the measured phase's figures, check_passed and check_message, and
// {"outcome": "ok"}, or {"outcome": "error", "reason", "traceback"}. Returns the exit code.
int run_exercise_child(const ExerciseRequest& request, int report_fd);

}  // namespace oomlab
