// `oomlab measure [options] -- CMD [ARGS...]`: any program, measured the way oomlab measures a
// variant, so that a reader with a real out-of-memory problem gets the honest figures of their own
// job: the true simultaneous peak of its whole process tree (the run's memory cgroup), what it was
// made of (anonymous memory and page cache), what other tools would have said (the largest single
// process, the RSS and PSS sums), and what-if runs under a memory limit, with swap of each kind, or
// the smallest limit at which it still succeeds.
//
// It reuses the run machinery: the same child start (run_measured_child, with the program's path),
// the same cgroup, swap profiles, sampler, outcome rules and records. Records go to
// results/<machine-id>/measure/<name>.jsonl, apart from the experiments'.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace oomlab {

struct MeasureOptions {
  std::vector<std::string> command;               // CMD and its arguments
  std::string name;                               // records' variant; default the command's basename
  std::optional<std::uint64_t> mem_limit_bytes;   // what-if: the limit of every profile but ram
  std::vector<std::string> profiles;              // ram, none, ssd, hdd, zram (default: ram, or none with a limit)
  std::optional<std::uint64_t> swap_bytes;        // swap device size (default: the limit)
  bool find_limit = false;                        // bisect the smallest limit (no swap) that succeeds
  int repeats = 1;
  std::optional<double> timeout_seconds;          // per run (default: a day)
  bool json_output = false;                       // records on stdout; the command's stdout to stderr
  std::optional<std::filesystem::path> html_file; // a one-page report of these runs
  std::filesystem::path results_root;
  std::filesystem::path source_dir;
  std::filesystem::path swap_directory;
};

// The environment variable that names the file descriptor a measured command may write progress
// lines to ("done total unit\n"), so that a run that is killed still says how far it got.
inline constexpr const char* kProgressFdVariable = "OOMLAB_PROGRESS_FD";

// Returns 0 if every run ended as expected (ok; under a limit an OOM kill or the time cap is an
// answer, not a failure), 1 if the command failed, 128+signal if the user interrupted. Throws
// UsageError (exit 2) on bad input, before anything runs: an unknown profile, a limit where the
// machine has no memory cgroup, a command that cannot be found.
int run_measure(const MeasureOptions& options);

}  // namespace oomlab
