// `oomlab exercise`: finds the exercise, runs the learner's function once in a measurement child
// (in a cgroup when the budget is a tree peak or a memory limit), and judges the figure against the
// budget and the result against the check.
#include "exercise_command.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cgroup.hpp"
#include "child_process.hpp"
#include "interrupt.hpp"
#include "orphans.hpp"
#include "outcome.hpp"
#include "scratch.hpp"
#include "suite_runner.hpp"

namespace oomlab {
namespace fs = std::filesystem;
namespace {

constexpr double kMiB = 1024.0 * 1024.0;
constexpr double kDefaultTimeoutSeconds = 120.0;

// The budget kinds: the peak above the RSS at start (one process), the same for the whole process
// tree (a cgroup's peak: workers count), or a memory limit without swap that the run must live under.
const std::vector<std::string> kBudgetMetrics = {"peak_delta_bytes", "tree_peak_delta_bytes", "mem_limit_bytes"};

struct Exercise {
  std::string name;
  fs::path dir;  // experiments/<name>/exercise
  nlohmann::json spec;
};

nlohmann::json read_json(const fs::path& path) {
  std::ifstream in(path);
  nlohmann::json parsed = nlohmann::json::parse(in, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) throw std::runtime_error(path.string() + ": not a JSON object");
  return parsed;
}

std::vector<Exercise> discover_exercises(const fs::path& experiments_dir) {
  std::vector<Exercise> found;
  if (!fs::is_directory(experiments_dir)) return found;
  for (const auto& entry : fs::directory_iterator(experiments_dir)) {
    const fs::path spec_file = entry.path() / "exercise" / "exercise.json";
    if (fs::is_regular_file(spec_file)) found.push_back({entry.path().filename().string(), spec_file.parent_path(), read_json(spec_file)});
  }
  std::sort(found.begin(), found.end(), [](const Exercise& a, const Exercise& b) { return a.name < b.name; });
  return found;
}

std::string mib_text(double bytes) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f MiB", bytes / kMiB);
  return text;
}

// The first hint of hints.md: the text under its first "## " heading, up to the next one.
std::string first_hint(const fs::path& hints_file) {
  std::ifstream in(hints_file);
  std::string line, hint;
  bool inside = false;
  while (std::getline(in, line)) {
    if (line.rfind("## ", 0) == 0) {
      if (inside) break;
      inside = true;
      continue;
    }
    if (inside) hint += line + "\n";
  }
  while (!hint.empty() && (hint.back() == '\n' || hint.back() == ' ')) hint.pop_back();
  while (!hint.empty() && hint.front() == '\n') hint.erase(0, 1);
  return hint;
}

std::string indented(const std::string& text, const std::string& prefix) {
  std::istringstream lines(text);
  std::string line, out;
  while (std::getline(lines, line)) out += prefix + line + "\n";
  return out;
}

// `text` in lines of at most `width` columns, each after `prefix` (the first after `first_prefix`).
std::string wrapped(const std::string& text, const std::string& first_prefix, const std::string& prefix,
                    std::size_t width = 100) {
  std::istringstream words(text);
  std::string word, out, line = first_prefix;
  bool line_empty = true;
  while (words >> word) {
    if (!line_empty && line.size() + 1 + word.size() > width) {
      out += line + "\n";
      line = prefix;
      line_empty = true;
    }
    line += (line_empty ? "" : " ") + word;
    line_empty = false;
  }
  return out + line + "\n";
}

// This oomlab, as a command to copy: its real path, so it works from any folder.
std::string this_program() {
  std::error_code error;
  const fs::path self = fs::read_symlink("/proc/self/exe", error);
  return error ? std::string("oomlab") : self.string();
}

int start_working_copy(const Exercise& exercise, const ExerciseOptions& options) {
  const fs::path copy = options.working_dir / (exercise.name + ".py");
  if (fs::exists(copy) && !options.force) {
    std::cerr << "oomlab: " << copy.string() << " exists already (your edits); --force overwrites it with the starter\n";
    return 2;
  }
  fs::create_directories(options.working_dir);
  fs::copy_file(exercise.dir / "starter.py", copy, fs::copy_options::overwrite_existing);
  std::cout << "exercise " << exercise.name << ": " << exercise.spec.value("title", "") << "\n"
            << "  your copy: " << copy.string() << " (edit " << exercise.spec.value("function", "") << "())\n"
            << wrapped(exercise.spec.value("task", ""), "  the task:  ", "             ")
            << "  check it:  " << this_program() << " exercise " << exercise.name << "\n"
            << "  hints:     " << (exercise.dir / "hints.md").string() << "\n";
  return 0;
}

int list_exercises(const std::vector<Exercise>& exercises) {
  for (const Exercise& exercise : exercises) {
    std::cout << exercise.name << ": " << exercise.spec.value("title", "") << "\n"
              << "  build/oomlab exercise " << exercise.name << " --start\n";
  }
  return 0;
}

// The budget's figure in the child's report (NaN if it has none): a limit is judged on the tree's
// whole charge.
double measured_figure(const std::string& metric, const nlohmann::json& report) {
  if (!report.is_object()) return NAN;
  const char* field = metric == "mem_limit_bytes" ? "tree_peak_bytes" : metric.c_str();
  const auto found = report.find(field);
  return found != report.end() && found->is_number() ? found->get<double>() : NAN;
}

}  // namespace

int run_exercise_command(const ExerciseOptions& options) {
  const std::vector<Exercise> exercises = discover_exercises(options.experiments_dir);
  if (options.name.empty()) return list_exercises(exercises);
  const auto found = std::find_if(exercises.begin(), exercises.end(), [&](const Exercise& e) { return e.name == options.name; });
  if (found == exercises.end()) {
    std::string valid;
    for (const Exercise& exercise : exercises) valid += (valid.empty() ? "" : ", ") + exercise.name;
    throw UsageError("no exercise '" + options.name + "'; valid: " + valid);
  }
  const Exercise& exercise = *found;
  if (options.start) return start_working_copy(exercise, options);

  const nlohmann::json& spec = exercise.spec;
  const nlohmann::json budget = spec.at("budget");
  const std::string metric = budget.at("metric");
  if (std::find(kBudgetMetrics.begin(), kBudgetMetrics.end(), metric) == kBudgetMetrics.end()) {
    throw std::runtime_error((exercise.dir / "exercise.json").string() + ": unknown budget metric " + metric);
  }
  const double budget_bytes = budget.at("bytes").get<double>();
  const bool under_limit = metric == "mem_limit_bytes" && !options.no_limit;
  fs::path learner_file;
  if (options.file) {
    learner_file = fs::absolute(*options.file);
  } else if (const fs::path copy = options.working_dir / (exercise.name + ".py"); fs::exists(copy)) {
    learner_file = fs::absolute(copy);
  } else {
    learner_file = exercise.dir / "starter.py";
    if (!options.json_output) {
      std::cerr << "oomlab: no " << copy.string() << " yet (`oomlab exercise " << exercise.name
                << " --start` makes it): checking the starter\n";
    }
  }
  if (!fs::is_regular_file(learner_file)) throw UsageError(learner_file.string() + ": no such file");

  nlohmann::json answer = {{"exercise", exercise.name}, {"file", learner_file.string()},
                           {"function", spec.at("function")}, {"size", spec.at("size")},
                           {"budget_metric", metric}, {"budget_bytes", budget_bytes}};
  if (options.no_limit && metric == "mem_limit_bytes") answer["no_limit"] = true;

  // Tree peaks and limits are a cgroup's: without one the exercise cannot be judged, so it says why.
  const nlohmann::json needs = spec.value("needs", nlohmann::json::array());
  const bool needs_cgroup = metric != "peak_delta_bytes" ||
                            std::find(needs.begin(), needs.end(), "cgroup") != needs.end();
  const CgroupSupport cgroups = probe_cgroups();
  std::string skip_reason;
  if (needs_cgroup && !cgroups.usable()) skip_reason = "this exercise needs a memory cgroup: " + cgroups.unavailable_reason;

  ChildLimits limits;
  limits.timeout_seconds = spec.value("timeout_seconds", kDefaultTimeoutSeconds);
  limits.stdout_to_stderr = true;  // stdout is the answer's
  limits.sampler.whole_tree = needs_cgroup;
  limits.tree_sample_requests = needs_cgroup;
  std::unique_ptr<RunCgroup> cgroup;
  if (skip_reason.empty() && needs_cgroup) {
    CgroupSettings settings;
    if (under_limit) {
      settings.memory_limit_bytes = static_cast<std::uint64_t>(budget_bytes);
      settings.swap_limit_bytes = 0;  // the `none` profile: no swap to hide in
    }
    try {
      cgroup = std::make_unique<RunCgroup>(cgroups, settings);
      limits.sampler.cgroup = cgroup->memory_path();
      limits.cgroup_procs_files = cgroup->procs_files();
      limits.extra_environment.push_back(std::string(kCgroupEnvironmentVariable) + "=" + cgroup->memory_path().string());
    } catch (const std::exception& error) {
      skip_reason = std::string("cannot create the run's cgroup: ") + error.what();
    }
  }
  if (!skip_reason.empty()) {
    answer["outcome"] = "skipped";
    answer["reason"] = skip_reason;
    if (options.json_output) {
      std::cout << answer.dump() << std::endl;
    } else {
      std::cout << "exercise " << exercise.name << ": skipped: " << skip_reason << "\n";
    }
    return 0;
  }
  std::optional<ScratchDirectory> scratch;
  scratch.emplace();
  limits.extra_environment.push_back(scratch->environment_entry());

  install_interrupt_handlers();
  become_subreaper();  // as `oomlab run`: a learner's worker that leaves the group comes back to us
  ChildResult child = run_measured_child({"__exercise", "--exercise-dir", exercise.dir.string(), "--file",
                                          learner_file.string(), "--function", spec.at("function").get<std::string>(),
                                          "--size", std::to_string(spec.at("size").get<std::int64_t>())},
                                         limits);
  if (child.interrupted) return 128 + interrupt_signal();
  if (cgroup && cgroup->oom_kill_count() > 0) child.oom_kill_seen = true;
  cgroup.reset();
  end_orphaned_workers();
  const nlohmann::json& report = child.report;
  const Outcome outcome = classify_outcome(child, report, limits.timeout_seconds);
  answer["outcome"] = outcome.outcome;
  if (!outcome.reason.empty()) answer["reason"] = outcome.reason;
  if (report.is_object() && report.contains("traceback")) answer["traceback"] = report["traceback"];

  const double figure_bytes = measured_figure(metric, report);
  const bool has_figure = !std::isnan(figure_bytes);
  const bool check_passed = report.is_object() && report.value("check_passed", false);
  bool within_budget = false;
  if (outcome.outcome == "ok" && has_figure) {
    answer["measured_bytes"] = figure_bytes;
    answer["budget_fraction"] = figure_bytes / budget_bytes;
    // Under a limit, finishing is the test; without it, the figure must fit under the limit.
    within_budget = under_limit || figure_bytes <= budget_bytes;
    answer["wall_seconds"] = report.value("wall_seconds", 0.0);
    answer["peak_delta_bytes"] = report.value("peak_delta_bytes", 0.0);
    answer["check_passed"] = check_passed;
    answer["check_message"] = report.value("check_message", "");
  }
  answer["within_budget"] = within_budget;
  const bool passed = outcome.outcome == "ok" && within_budget && check_passed;
  answer["passed"] = passed;
  const std::string hint = passed ? "" : first_hint(exercise.dir / "hints.md");
  if (!hint.empty()) answer["hint"] = hint;
  if (options.json_output) {
    std::cout << answer.dump() << std::endl;
    return passed ? 0 : 1;
  }

  const std::string what = metric == "mem_limit_bytes"   ? "peak of the whole job"
                           : metric == "tree_peak_delta_bytes" ? "peak above baseline, all processes"
                                                               : "peak above baseline";
  std::cout << "exercise " << exercise.name << ": " << spec.value("title", "") << "\n"
            << "  file:    " << learner_file.string() << ", " << spec.at("function").get<std::string>() << "(), size "
            << spec.at("size").get<std::int64_t>() << " " << spec.value("size_unit", "") << "\n";
  if (outcome.outcome != "ok") {
    std::cout << "  run:     " << outcome.outcome << ": " << outcome.reason << "\n";
    if (outcome.outcome == "oom_killed" && under_limit) {
      std::cout << "           the job needs more than its " << mib_text(budget_bytes)
                << " limit (no swap); `--no-limit` measures how much it needs\n";
    }
    if (answer.contains("traceback")) std::cout << indented(answer["traceback"].get<std::string>(), "           ");
  } else {
    char line[160];
    if (has_figure) {
      std::snprintf(line, sizeof(line), "  memory:  %s %s, budget %s%s: %s (%.2fx the budget)\n", what.c_str(),
                    mib_text(figure_bytes).c_str(), mib_text(budget_bytes).c_str(),
                    under_limit ? " (a memory limit, no swap)" : "", within_budget ? "within" : "OVER",
                    figure_bytes / budget_bytes);
      std::cout << line;
    } else {
      std::cout << "  memory:  no " << what << " in the report\n";
    }
    if (!within_budget && budget.contains("why")) std::cout << wrapped(budget.value("why", ""), "           budget: ", "           ");
    std::snprintf(line, sizeof(line), "  time:    %.3f s in the function\n", report.value("wall_seconds", 0.0));
    std::cout << line;
    std::cout << "  result:  " << (check_passed ? "correct: " : "WRONG: ") << report.value("check_message", "") << "\n";
  }
  std::cout << (passed ? "PASS" : "FAIL") << "\n";
  if (!hint.empty()) std::cout << "hint (" << (exercise.dir / "hints.md").string() << " has more):\n" << indented(hint, "  ");
  return passed ? 0 : 1;
}

}  // namespace oomlab
