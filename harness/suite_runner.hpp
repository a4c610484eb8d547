// `oomlab run`: plans the measurements (experiment × size × language × variant × repeat), runs
// each in a fresh child, prints one progress line per measurement on stderr, and appends a record.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace oomlab {

// Bad input: the CLI prints the message (which names the valid choices) and exits with 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct RunOptions {
  std::vector<std::string> experiments;  // names; "all" means every experiment
  std::vector<std::string> languages;    // empty: py and cpp
  std::vector<std::string> variants;     // empty: every variant, noop included
  std::optional<std::int64_t> size;      // overrides the scale's sizes
  std::string scale = "default";
  std::optional<int> repeats;            // default: 1 at quick scale; else 3 at the largest size (the third only where needed), 1 below
  std::optional<double> timeout_seconds; // default: the experiment's own cap
  std::filesystem::path experiments_dir;
  std::filesystem::path results_root;
  std::filesystem::path source_dir;      // for the git commit in the env block
  std::vector<std::string> profiles;     // swap experiments: which profiles (empty: the experiment's)
  std::optional<std::uint64_t> mem_limit_bytes;  // swap experiments: overrides the scale's limit
  std::filesystem::path swap_directory;  // where swap files go
  bool json_output = false;              // also print each record on stdout
  std::string dask_scheduler;            // out_of_core: --scheduler, for the records' command
  bool summary = true;                   // end with the table of run_summary.hpp (on stderr)
};

// Returns the exit code: 0 all ok (or skipped), 1 some measurement failed, 128+signal if the user
// interrupted. Throws UsageError on bad input, before anything runs.
int run_suite(const RunOptions& options);

}  // namespace oomlab
