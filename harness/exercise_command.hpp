// `oomlab exercise NAME [FILE]`: a workshop exercise, run under its budget. The learner's file defines
// one function; a fresh child (the same exec path and MeasuredRun as a variant's measurement) imports
// it, builds the task's inputs, calls the function between start() and stop(), and checks the result.
// The answer: pass or fail, the measured figure against the budget, the check's result, and a hint
// when it fails. `--start` copies the starter to ./oomlab-exercises/NAME.py, outside experiments/, so
// a participant's edits never touch an experiment's folder (nor mark its records stale).
//
// An exercise is experiments/<name>/exercise/: exercise.json (the function, the size, the budget),
// starter.py, solution.py, check.py (prepare the inputs, check the result), hints.md.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace oomlab {

struct ExerciseOptions {
  std::string name;                           // empty: list the exercises
  std::optional<std::filesystem::path> file;  // default: ./oomlab-exercises/NAME.py, else the starter
  bool start = false;                         // copy the starter to the working folder, run nothing
  bool force = false;                         // --start overwrites an existing working copy
  bool no_limit = false;                      // a limit budget: run without the limit (how much it needs)
  bool json_output = false;                   // one JSON object on stdout instead of the text
  std::filesystem::path experiments_dir;
  std::filesystem::path working_dir;          // where --start puts the copy: ./oomlab-exercises
};

// The folder --start copies starters to, relative to the current directory.
inline constexpr const char* kExerciseWorkingFolder = "oomlab-exercises";

// Returns 0 when the exercise passed (or was skipped: this machine cannot run it, and the text says
// why), 1 when it failed its budget or its check, 2 on bad usage (an unknown name lists the valid ones).
int run_exercise_command(const ExerciseOptions& options);

}  // namespace oomlab
