// `oomlab bench`: runs the Google Benchmark programs of the experiments (build/bench_<name>, from
// experiments/<name>/bench.cpp) and stores their JSON beside the records, as
// results/<machine-id>/<name>.benchmark.json, where the report finds it.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace oomlab {

struct BenchOptions {
  std::vector<std::string> experiments;  // empty or {"all"}: every experiment with a bench program
  std::string scale = "default";         // quick: a short minimum time per benchmark
  std::string filter;                    // passed on as --benchmark_filter
  std::filesystem::path results_root;
};

// The experiments that have a benchmark program next to this oomlab binary.
std::vector<std::string> experiments_with_benchmarks();

// Returns 0 if every program ran, 1 if one failed. Throws UsageError for an unknown experiment.
int run_benchmarks(const BenchOptions& options);

}  // namespace oomlab
