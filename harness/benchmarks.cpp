// Running the experiments' Google Benchmark programs and keeping their JSON.
#include "benchmarks.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <iostream>

#include "environment.hpp"
#include "suite_runner.hpp"

namespace oomlab {
namespace {

std::filesystem::path own_directory() { return std::filesystem::read_symlink("/proc/self/exe").parent_path(); }

constexpr const char* kBenchPrefix = "bench_";

// Minimum time per benchmark and repetition: quick keeps `make test` short; the figures come from
// default, where 0.05 s of each of three repetitions (the report takes their median) keeps the
// ~300 benchmarks to about half a minute of `make report`.
std::string min_time_for(const std::string& scale) {
  if (scale == "quick") return "0.01";
  if (scale == "large") return "1";
  return "0.05";
}

}  // namespace

std::vector<std::string> experiments_with_benchmarks() {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(own_directory())) {
    const std::string file = entry.path().filename().string();
    if (file.rfind(kBenchPrefix, 0) == 0 && entry.is_regular_file() && ::access(entry.path().c_str(), X_OK) == 0) {
      names.push_back(file.substr(std::string(kBenchPrefix).size()));
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

int run_benchmarks(const BenchOptions& options) {
  const std::vector<std::string> available = experiments_with_benchmarks();
  std::vector<std::string> selected;
  for (const std::string& name : options.experiments) {
    if (name == "all") {
      selected = available;
      break;
    }
    if (std::find(available.begin(), available.end(), name) == available.end()) {
      std::string valid;
      for (const std::string& known : available) valid += (valid.empty() ? "" : ", ") + known;
      throw UsageError("no benchmark program for '" + name + "'; experiments with one: " + valid + " (or all)");
    }
    selected.push_back(name);
  }
  if (options.experiments.empty()) selected = available;
  const std::filesystem::path machine_dir = options.results_root / machine_id();
  std::filesystem::create_directories(machine_dir);
  int failures = 0;
  for (std::size_t index = 0; index < selected.size(); ++index) {
    const std::string& name = selected[index];
    const std::filesystem::path output = machine_dir / (name + ".benchmark.json");
    const std::filesystem::path partial = machine_dir / (name + ".benchmark.json.partial");
    std::cerr << "[" << index + 1 << "/" << selected.size() << "] benchmark " << name << " → " << output.string() << "\n";
    std::vector<std::string> arguments = {
        (own_directory() / (kBenchPrefix + name)).string(), "--benchmark_out=" + partial.string(),
        "--benchmark_out_format=json", "--benchmark_min_time=" + min_time_for(options.scale)};
    if (!options.filter.empty()) arguments.push_back("--benchmark_filter=" + options.filter);
    std::vector<char*> argv;
    for (std::string& argument : arguments) argv.push_back(argument.data());
    argv.push_back(nullptr);
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
      // Replaced whole, so a reader never sees half a file.
      std::filesystem::rename(partial, output);
    } else {
      std::cerr << "benchmark " << name << " failed\n";
      std::filesystem::remove(partial);
      ++failures;
    }
  }
  return failures == 0 ? 0 : 1;
}

}  // namespace oomlab
