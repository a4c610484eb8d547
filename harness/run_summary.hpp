// The table that ends `oomlab run`: drawn by report/run_summary.py, which turns records into verdicts
// with the report's own code (report/claims.py), in a process of its own once the measurements are
// done: the parent never starts Python, so no child could inherit an interpreter's memory.
#pragma once

#include <filesystem>
#include <set>
#include <string>

namespace oomlab {

// Runs `python report/run_summary.py --scale S --since T --experiments-dir D FILES...` with its stdout
// sent to stderr (stdout belongs to --json records) and waits for it. A summary that cannot be drawn
// is a note on stderr, never a failed run. Returns the script's exit status (-1 if it did not start).
int print_run_summary(const std::filesystem::path& source_dir, const std::filesystem::path& experiments_dir,
                      const std::set<std::filesystem::path>& record_files, const std::string& scale,
                      const std::string& since);

}  // namespace oomlab
