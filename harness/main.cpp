// The oomlab command line: list, run, measure, exercise, env, cleanup (and the hidden verbs that
// measurement children run).
// Bad usage exits with 2 and names the valid choices; see suite_runner.hpp for 0 and 1.
#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <optional>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "availability.hpp"
#include "benchmarks.hpp"
#include "catalog.hpp"
#include "cgroup.hpp"
#include "child_process.hpp"
#include "cleanup.hpp"
#include "environment.hpp"
#include "exercise_child.hpp"
#include "exercise_command.hpp"
#include "swap_device.hpp"
#include "measure_command.hpp"
#include "measurement_child.hpp"
#include "suite_runner.hpp"
#include "swap_profile.hpp"

namespace {

// Compiled into each executable: the real CLI finds experiments/, the test CLI its fixtures.
const std::filesystem::path kDefaultExperimentsDir = OOMLAB_EXPERIMENTS_DIR;

std::filesystem::path default_results_root() {
  if (const char* from_environment = std::getenv("OOMLAB_RESULTS_DIR"); from_environment && *from_environment) {
    return from_environment;
  }
  return std::filesystem::path(OOMLAB_SOURCE_DIR) / "results";
}

std::string join_sizes(const std::vector<std::int64_t>& sizes) {
  std::string text;
  for (const std::int64_t size : sizes) text += (text.empty() ? "" : ",") + std::to_string(size);
  return text;
}

nlohmann::json experiment_listing(const oomlab::Experiment& experiment) {
  nlohmann::json variants;
  for (const std::string& lang : oomlab::kLanguages) {
    variants[lang] = nlohmann::json::array();
    for (const auto& variant : experiment.variants(lang)) variants[lang].push_back({{"name", variant.name}, {"doc", variant.doc}});
  }
  nlohmann::json listing = {{"name", experiment.name},         {"title", experiment.title},
                            {"size_unit", experiment.size_unit}, {"sizes", experiment.sizes_by_scale},
                            {"variants", variants}};
  if (!experiment.python_error.empty()) listing["python_error"] = experiment.python_error;
  if (!experiment.metadata_error.empty()) listing["error"] = experiment.metadata_error;
  return listing;
}

int list_command(const std::filesystem::path& experiments_dir, bool as_json) {
  auto experiments = oomlab::discover_experiments(experiments_dir);
  nlohmann::json listing = nlohmann::json::array();
  for (auto& experiment : experiments) {
    oomlab::list_python_variants(experiment);
    listing.push_back(experiment_listing(experiment));
  }
  if (as_json) {
    std::cout << listing.dump(2) << std::endl;
    return 0;
  }
  for (const auto& experiment : experiments) {
    if (!experiment.metadata_error.empty()) {
      // Listed, so it is not silently missing; the others are listed as usual.
      std::cout << experiment.name << ": malformed experiment.json, cannot run\n";
      std::cerr << "oomlab: " << experiment.metadata_error << "\n";
      continue;
    }
    std::cout << experiment.name << ": " << experiment.title << "\n";
    for (const std::string& lang : oomlab::kLanguages) {
      std::cout << "  " << lang << ":";
      for (const auto& variant : experiment.variants(lang)) std::cout << " " << variant.name;
      std::cout << "\n";
    }
    if (!experiment.python_error.empty()) std::cout << "  py: experiment.py does not import (run it to see why)\n";
    for (const auto& [scale, sizes] : experiment.sizes_by_scale) {
      std::cout << "  " << scale << " sizes (" << experiment.size_unit << "): " << join_sizes(sizes) << "\n";
    }
  }
  return 0;
}

int env_command(const std::filesystem::path& experiments_dir, bool as_json) {
  nlohmann::json env = {{"build", oomlab::environment_block(OOMLAB_SOURCE_DIR)},
                        {"capabilities", oomlab::machine_capabilities()}};
  // What `oomlab run` will do with each experiment here: the run skips by the same function.
  const nlohmann::json experiments =
      oomlab::availability_table(oomlab::discover_experiments(experiments_dir), oomlab::probe_cgroups());
  int exit_code = 0;
  const std::string described = oomlab::capture_child_answer({"__describe"}, exit_code, oomlab::describe_timeout_seconds());
  const auto interpreter = nlohmann::json::parse(described, nullptr, false);
  env["embedded_python"] = interpreter.is_object() ? interpreter.value("interpreter", nlohmann::json(nullptr)) : nullptr;
  if (as_json) {
    env["experiments"] = experiments;
    std::cout << env.dump(2) << std::endl;
    return 0;
  }
  for (const auto& [section, fields] : env.items()) {
    std::cout << section << ":\n";
    if (!fields.is_object()) {
      std::cout << "  (unavailable)\n";
      continue;
    }
    for (const auto& [key, value] : fields.items()) std::cout << "  " << key << ": " << value.dump() << "\n";
  }
  std::cout << "experiments (what `oomlab run` does here):\n";
  for (const nlohmann::json& entry : experiments) {
    std::cout << "  " << entry.at("experiment").get<std::string>()
              << (entry.at("profile").is_null() ? "" : " " + entry.at("profile").get<std::string>()) << ": "
              << entry.at("will").get<std::string>();
    if (entry.contains("reason")) std::cout << " (" << entry.at("reason").get<std::string>() << ")";
    if (entry.contains("tree_peak")) {
      std::cout << "; tree peak " << (entry.at("tree_peak") == "cgroup" ? "from the run's cgroup" : "sampled");
      if (entry.contains("tree_peak_reason")) std::cout << " (" << entry.at("tree_peak_reason").get<std::string>() << ")";
    }
    std::cout << "\n";
  }
  return 0;
}

int cleanup_command() {
  const oomlab::CleanupReport report = oomlab::cleanup_leftovers(/*list_unproven=*/true);
  for (const auto& removed : report.removed) std::cout << "removed " << removed << "\n";
  for (const auto& left : report.left_alone) std::cout << "left alone (its record no longer matches): " << left << "\n";
  for (const auto& unproven : report.unproven) std::cout << "not proven oomlab's, left alone: " << unproven << "\n";
  for (const auto& failed : report.failed) std::cerr << "could not remove " << failed << "\n";
  if (report.removed.empty() && report.failed.empty()) std::cout << "nothing of oomlab's to clean up\n";
  return report.failed.empty() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"oomlab: what to do when Python runs out of memory, measured in Python and C++"};
  app.require_subcommand(1);
  std::filesystem::path experiments_dir = kDefaultExperimentsDir;
  app.add_option("--experiments-dir", experiments_dir, "Folder of experiments (default: the source tree's)")
      ->check(CLI::ExistingDirectory);

  bool as_json = false;
  CLI::App* list = app.add_subcommand("list", "List experiments, their variants per language and sizes per scale");
  list->add_flag("--json", as_json, "Print JSON");

  oomlab::RunOptions run_options;
  run_options.results_root = default_results_root();
  run_options.source_dir = OOMLAB_SOURCE_DIR;
  std::int64_t size = 0;
  int repeats = 0;
  double timeout_seconds = 0;
  CLI::App* run = app.add_subcommand("run", "Measure experiments, each measurement in a fresh child process");
  run->add_option("experiments", run_options.experiments, "Experiments to run (see `oomlab list`), or all")->required();
  run->add_option("--lang", run_options.languages, "Languages: py,cpp (default both)")
      ->delimiter(',')
      ->check(CLI::IsMember(oomlab::kLanguages));
  run->add_option("--variant", run_options.variants, "Variants, comma-separated (default all, noop included)")
      ->delimiter(',');
  auto* size_option = run->add_option("--size", size, "One size, overriding the scale's sizes")
                          ->check(CLI::PositiveNumber);
  run->add_option("--scale", run_options.scale, "Scale: quick, default or large")
      ->check(CLI::IsMember(oomlab::kScales))
      ->excludes(size_option);
  // experiment.json's "repeats" has the same bound: a plan of a billion measurements is a typo.
  run->add_option("--repeat", repeats, "Measurements per point, 1 to 1000 (default: 3 at the largest size, the third only where the first two disagree, 1 below it and at quick scale)")
      ->check(CLI::Range(1, 1000));
  run->add_option("--timeout", timeout_seconds, "Time cap per measurement in seconds, above 0 and at most 86400 (default: the experiment's)")
      ->check(CLI::Validator(
          [](std::string& text) {
            // CLI::PositiveNumber lets NaN through, and 1e10 overflows the deadline into the past.
            char* end = nullptr;
            const double seconds = std::strtod(text.c_str(), &end);
            return end != text.c_str() && *end == '\0' && seconds > 0 && seconds <= oomlab::kMaxTimeoutSeconds
                       ? std::string()
                       : "--timeout must be a number of seconds above 0 and at most 86400 (a day), not '" + text + "'";
          },
          "SECONDS in (0, 86400]"));
  run->add_option("--results", run_options.results_root, "Results root: records go to DIR/<machine-id>/<experiment>.jsonl");
  run->add_flag("--json", run_options.json_output, "Also print each record on stdout, one JSON line each");
  bool no_summary = false;
  run->add_flag("--no-summary", no_summary, "Do not end with the table of medians, ratios and claim verdicts");
  run->add_option("--profile", run_options.profiles, "Swap experiments: profiles ram,none,ssd,hdd,zram (default all)")
      ->delimiter(',')
      ->check(CLI::IsMember(oomlab::kSwapProfiles));
  std::uint64_t mem_limit_bytes = 0;
  // Binary units, as experiment.json's *_mib values: 256M is 256 MiB (CLI11's `true` would read 256,000,000).
  auto* mem_limit_option =
      run->add_option("--mem-limit", mem_limit_bytes,
                      "Swap experiments: the memory limit, at least 16M; K, M, G, T are binary (KiB, MiB, GiB, TiB), "
                      "e.g. 256M = 256 MiB (default: the scale's)")
          ->transform(CLI::AsSizeValue(false));
  std::string dask_scheduler;
  run->add_option("--scheduler", dask_scheduler,
                  "out_of_core: run remedy_dask on this Dask cluster (tcp://host:port) instead of a local one")
      ->check(CLI::Validator(
          [](std::string& address) {
            return address.rfind("tcp://", 0) == 0 && address.find(':', 6) != std::string::npos
                       ? std::string()
                       : "a Dask scheduler address looks like tcp://host:8786, not '" + address + "'";
          },
          "tcp://HOST:PORT"));
  run_options.swap_directory = oomlab::kDefaultSwapDirectory;
  run->add_option("--swap-dir", run_options.swap_directory, "Swap experiments: folder for swap files (a local disk)")
      ->check(CLI::ExistingDirectory);

  oomlab::BenchOptions bench_options;
  bench_options.results_root = run_options.results_root;
  CLI::App* bench = app.add_subcommand("bench", "Run the experiments' Google Benchmark programs; JSON beside the records");
  bench->add_option("experiments", bench_options.experiments, "Experiments with a bench.cpp (default all)");
  bench->add_option("--scale", bench_options.scale, "quick (short), default or large")->check(CLI::IsMember(oomlab::kScales));
  bench->add_option("--filter", bench_options.filter, "Regex of benchmark names (--benchmark_filter)");
  bench->add_option("--results", bench_options.results_root, "Results root (DIR/<machine-id>/<experiment>.benchmark.json)");

  oomlab::MeasureOptions measure_options;
  measure_options.results_root = run_options.results_root;
  measure_options.source_dir = OOMLAB_SOURCE_DIR;
  measure_options.swap_directory = oomlab::kDefaultSwapDirectory;
  CLI::App* measure = app.add_subcommand(
      "measure",
      "Measure any program as a variant is measured: the true peak of its process tree, what other tools "
      "would say, and what-if runs under a memory limit and swap. Usage: oomlab measure [options] -- CMD [ARGS...]");
  // Positional words before `--` are a mistake: the command must follow `--` (see main's split).
  std::vector<std::string> measure_stray_words;
  measure->add_option("words", measure_stray_words)->group("");
  std::uint64_t measure_limit_bytes = 0, measure_swap_bytes = 0;
  double measure_timeout_seconds = 0;
  auto* measure_limit_option =
      measure->add_option("--mem-limit", measure_limit_bytes, "Run under this memory limit, e.g. 512M or 2G (K, M, G are binary: KiB, MiB, GiB)")
          ->transform(CLI::AsSizeValue(false));
  measure->add_option("--profile", measure_options.profiles,
                      "ram,none,ssd,hdd,zram: one run (set) per profile; all but ram need --mem-limit (default: ram, or none with a limit)")
      ->delimiter(',')
      ->check(CLI::IsMember(oomlab::kSwapProfiles));
  auto* measure_swap_option = measure->add_option("--swap-size", measure_swap_bytes, "Swap device size for ssd, hdd, zram (default: the limit)")
                                  ->transform(CLI::AsSizeValue(false));
  measure->add_flag("--find-limit", measure_options.find_limit,
                    "Bisect the smallest memory limit (no swap) at which the command still succeeds");
  measure->add_option("--repeat", measure_options.repeats, "Runs per profile (median and range)")->check(CLI::Range(1, 1000));
  auto* measure_timeout_option = measure->add_option("--timeout", measure_timeout_seconds, "Time cap per run in seconds (default: a day)")
                                     ->check(CLI::Range(0.001, 86400.0));
  measure->add_option("--name", measure_options.name, "Name of the records (default: the command's basename)");
  measure->add_option("--results", measure_options.results_root, "Results root: DIR/<machine-id>/measure/<name>.jsonl");
  measure->add_option("--swap-dir", measure_options.swap_directory, "Folder for swap files (a local disk)")->check(CLI::ExistingDirectory);
  measure->add_flag("--json", measure_options.json_output, "Print the records on stdout (the command's own stdout goes to stderr)");
  std::string measure_html;
  measure->add_option("--html", measure_html, "Also write a one-page report (timeline per profile, table, environment)");

  CLI::App* env = app.add_subcommand("env", "What this machine allows: root, cgroups, swap, zram, io throttling; the build");
  env->add_flag("--json", as_json, "Print JSON");

  oomlab::ExerciseOptions exercise_options;
  exercise_options.working_dir = oomlab::kExerciseWorkingFolder;
  CLI::App* exercise = app.add_subcommand(
      "exercise", "A workshop exercise, run under its memory budget: pass or fail, the result's check, a hint");
  exercise->add_option("name", exercise_options.name, "The exercise (none: list them)");
  std::string exercise_file;
  exercise->add_option("file", exercise_file, "Your file (default: ./oomlab-exercises/NAME.py, else the starter)");
  exercise->add_flag("--start", exercise_options.start, "Copy the starter to ./oomlab-exercises/NAME.py to work on");
  exercise->add_flag("--force", exercise_options.force, "With --start: overwrite your copy with the starter");
  exercise->add_flag("--no-limit", exercise_options.no_limit,
                     "For an exercise whose budget is a memory limit: run without it, to see how much the job needs");
  exercise->add_flag("--json", exercise_options.json_output, "Print the answer as one JSON object");

  CLI::App* cleanup = app.add_subcommand("cleanup", "Remove what a gone oomlab left (swap, loop and zram devices, swap files, cgroups, scratch folders), as its ownership records prove");

  // Hidden verbs, run by oomlab itself in its child processes.
  oomlab::MeasurementRequest request;
  CLI::App* child = app.add_subcommand("__child", "")->group("");
  child->add_option("--experiment-dir", request.experiment_dir)->required();
  child->add_option("--experiment", request.experiment)->required();
  child->add_option("--variant", request.variant)->required();
  child->add_option("--lang", request.lang)->required()->check(CLI::IsMember(oomlab::kLanguages));
  child->add_option("--size", request.size)->required();
  oomlab::ExerciseRequest exercise_request;
  CLI::App* exercise_child = app.add_subcommand("__exercise", "")->group("");
  exercise_child->add_option("--exercise-dir", exercise_request.exercise_dir)->required();
  exercise_child->add_option("--file", exercise_request.learner_file)->required();
  exercise_child->add_option("--function", exercise_request.function)->required();
  exercise_child->add_option("--size", exercise_request.size)->required();
  std::optional<std::filesystem::path> describe_dir;
  CLI::App* describe = app.add_subcommand("__describe", "")->group("");
  describe->add_option("--experiment-dir", describe_dir);

  // `oomlab measure [options] -- CMD ARGS...`: everything after the first `--` that follows the verb
  // is the command's own (`-- python3 -c ...` is never read as oomlab's flags), so it is split off
  // before CLI11 sees the line.
  std::vector<std::string> arguments(argv + 1, argv + argc);
  const auto verb = std::find(arguments.begin(), arguments.end(), "measure");
  const auto separator = std::find(verb, arguments.end(), "--");
  if (verb != arguments.end() && separator != arguments.end()) {
    measure_options.command.assign(separator + 1, arguments.end());
    arguments.erase(separator, arguments.end());
  }
  std::reverse(arguments.begin(), arguments.end());  // CLI11 takes a reversed vector
  try {
    app.parse(arguments);
  } catch (const CLI::ParseError& error) {
    const int cli_exit = app.exit(error);
    return cli_exit == 0 ? 0 : 2;  // --help is success; every parse error is bad usage
  }

  // A reader that goes away (`oomlab list | head -n1`, `oomlab cleanup | head`) must not kill the
  // parent halfway: writes fail with EPIPE instead. `run` also ends its measurements on it (see
  // interrupt.hpp). The measurement children get the default back before exec.
  if (!*child && !*describe) ::signal(SIGPIPE, SIG_IGN);

  try {
    if (*list) return list_command(experiments_dir, as_json);
    if (*env) return env_command(experiments_dir, as_json);
    if (*bench) return oomlab::run_benchmarks(bench_options);
    if (*cleanup) return cleanup_command();
    if (*measure) {
      if (!measure_stray_words.empty()) {
        throw oomlab::UsageError("put `--` before the command: oomlab measure [options] -- " + measure_stray_words.front() + " ...");
      }
      if (*measure_limit_option) measure_options.mem_limit_bytes = measure_limit_bytes;
      if (*measure_swap_option) measure_options.swap_bytes = measure_swap_bytes;
      if (*measure_timeout_option) measure_options.timeout_seconds = measure_timeout_seconds;
      if (!measure_html.empty()) measure_options.html_file = std::filesystem::absolute(measure_html);
      return oomlab::run_measure(measure_options);
    }
    if (*child) return oomlab::run_measurement_child(request, 3);
    if (*exercise_child) return oomlab::run_exercise_child(exercise_request, 3);
    if (*exercise) {
      exercise_options.experiments_dir = experiments_dir;
      if (!exercise_file.empty()) exercise_options.file = exercise_file;
      return oomlab::run_exercise_command(exercise_options);
    }
    if (*describe) return oomlab::run_describe_child(describe_dir, 3);
    if (*run) {
      run_options.experiments_dir = experiments_dir;
      if (*size_option) run_options.size = size;
      if (repeats > 0) run_options.repeats = repeats;
      if (timeout_seconds > 0) run_options.timeout_seconds = timeout_seconds;
      if (*mem_limit_option) run_options.mem_limit_bytes = mem_limit_bytes;
      run_options.summary = !no_summary;
      // The children inherit it; experiments/out_of_core reads it.
      if (!dask_scheduler.empty()) ::setenv("OOMLAB_DASK_SCHEDULER", dask_scheduler.c_str(), 1);
      run_options.dask_scheduler = dask_scheduler;
      return oomlab::run_suite(run_options);
    }
  } catch (const oomlab::UsageError& error) {
    std::cerr << "oomlab: " << error.what() << "\n";
    return 2;
  } catch (const std::exception& error) {
    std::cerr << "oomlab: " << error.what() << "\n";
    return 1;
  }
  return 2;
}
