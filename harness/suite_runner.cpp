// The measurement plan, the progress lines and the records of `oomlab run`.
#include "suite_runner.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <memory>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "catalog.hpp"
#include "cgroup.hpp"
#include "child_process.hpp"
#include "environment.hpp"
#include "interrupt.hpp"
#include "orphans.hpp"
#include "outcome.hpp"
#include "proc_memory.hpp"
#include "records.hpp"
#include "run_summary.hpp"
#include "scratch.hpp"
#include "swap_profile.hpp"
#include "cleanup.hpp"

namespace oomlab {
namespace {

struct Measurement {
  const Experiment* experiment;
  std::string profile;  // swap experiments only
  std::string lang;
  const VariantInfo* variant;
  std::int64_t size;
  int repeat;   // 1-based
  int repeats;
};

std::string join(const std::vector<std::string>& items, const std::string& separator = ", ") {
  std::string joined;
  for (const std::string& item : items) joined += (joined.empty() ? "" : separator) + item;
  return joined;
}

std::vector<std::string> variant_names(const Experiment& experiment, const std::string& lang) {
  std::vector<std::string> names;
  for (const VariantInfo& variant : experiment.variants(lang)) names.push_back(variant.name);
  return names;
}

std::vector<Experiment*> select_experiments(std::vector<Experiment>& all, const std::vector<std::string>& wanted) {
  std::vector<std::string> known;
  for (const Experiment& experiment : all) known.push_back(experiment.name);
  std::vector<Experiment*> selected;
  for (const std::string& name : wanted) {
    if (name == "all") {
      for (Experiment& experiment : all) selected.push_back(&experiment);
      continue;
    }
    auto found = std::find_if(all.begin(), all.end(), [&](const Experiment& e) { return e.name == name; });
    if (found == all.end()) {
      throw UsageError("unknown experiment '" + name + "'; valid: " + join(known) + " (or all)");
    }
    selected.push_back(&*found);
  }
  if (selected.empty()) throw UsageError("name at least one experiment; valid: " + join(known) + " (or all)");
  return selected;
}

std::string iso_time_now() {
  const std::time_t now = std::time(nullptr);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return text;
}

std::string mib_text(double bytes) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f MiB", bytes / (1024.0 * 1024.0));
  return text;
}

// The command that reproduces one measurement on its own.
std::string reproduce_command(const Measurement& m) {
  return "build/oomlab run " + m.experiment->name + (m.profile.empty() ? "" : " --profile " + m.profile) + " --lang " +
         m.lang + " --variant " + m.variant->name + " --size " + std::to_string(m.size) + " --repeat 1";
}

double seconds_of(const timeval& time) { return time.tv_sec + time.tv_usec / 1e6; }

nlohmann::json build_record(const Measurement& m, const std::string& scale, const ChildResult& child,
                            const nlohmann::json& report, const Outcome& outcome, const nlohmann::json& env) {
  nlohmann::json record = {
      {"schema", kRecordSchema},
      {"experiment", m.experiment->name},
      {"variant", m.variant->name},
      {"variant_doc", m.variant->doc},
      {"lang", m.lang},
      {"size", m.size},
      {"size_unit", m.experiment->size_unit},
      {"repeat", m.repeat},
      {"repeats", m.repeats},
      {"scale", scale},
      {"outcome", outcome.outcome},
      {"recorded_at", iso_time_now()},
      {"command", reproduce_command(m)},
  };
  if (!outcome.reason.empty()) record["reason"] = outcome.reason;
  // A run that did not finish keeps the last progress it noted: how far it got.
  if (outcome.outcome != "ok" && child.progress.is_object()) {
    record["progress"] = child.progress;
    const double total = child.progress.value("total", 0.0);
    if (total > 0) record["progress"]["fraction"] = child.progress.value("done", 0.0) / total;
  }
  if (report.is_object()) {
    for (const char* field : {"rss_start_bytes", "peak_rss_bytes", "peak_delta_bytes", "rss_end_bytes", "end_delta_bytes",
                              "wall_seconds", "run_minor_faults", "run_major_faults", "metrics",
                              "anon_huge_pages_start_bytes", "anon_huge_pages_bytes",
                              "traceback", "interpreter", "tree_start_bytes", "tree_peak_bytes",
                              "tree_peak_delta_bytes", "tree_peak_scope"}) {
      if (report.contains(field)) record[field] = report.at(field);
    }
  }
  if (child.spawn_error.empty()) {
    record["child_wall_seconds"] = child.child_wall_seconds;
    record["user_seconds"] = seconds_of(child.usage.ru_utime);
    record["sys_seconds"] = seconds_of(child.usage.ru_stime);
    record["major_faults"] = child.usage.ru_majflt;
    record["minor_faults"] = child.usage.ru_minflt;
    record["ru_maxrss_bytes"] = static_cast<std::int64_t>(child.usage.ru_maxrss) * 1024;  // KiB on Linux
    record["sampler_cpu_fraction"] =
        child.child_wall_seconds > 0 ? child.sampler_cpu_seconds / child.child_wall_seconds : 0.0;
    record["timeline"] = child.timeline;
    for (const auto& [field, value] : child.tree_peaks.items()) record[field] = value;
  }
  if (!child.exited && child.term_signal != 0) record["term_signal"] = child.term_signal;
  record["env"] = env;
  return record;
}

std::string progress_result(const nlohmann::json& record) {
  const std::string outcome = record.at("outcome");
  if (outcome != "ok") return outcome + ": " + record.value("reason", "");
  char text[96];
  std::snprintf(text, sizeof(text), "ok  peak +%s  %.3f s", mib_text(record.at("peak_delta_bytes").get<double>()).c_str(),
                record.at("wall_seconds").get<double>());
  return text;
}

nlohmann::json build_skipped_record(const Measurement& m, const std::string& scale, const std::string& reason,
                                    const nlohmann::json& env) {
  return {{"schema", kRecordSchema}, {"experiment", m.experiment->name}, {"variant", m.variant->name},
          {"variant_doc", m.variant->doc}, {"lang", m.lang}, {"size", m.size}, {"size_unit", m.experiment->size_unit},
          {"repeat", m.repeat}, {"repeats", m.repeats}, {"scale", scale}, {"outcome", "skipped"}, {"reason", reason},
          {"swap_profile", m.profile}, {"recorded_at", iso_time_now()}, {"command", reproduce_command(m)}, {"env", env}};
}

// Under a memory limit, an OOM kill or the time cap is what the experiment is there to show: a
// result, not a failure (DESIGN: "That is a result, not a failure").
bool counts_as_failure(const Measurement& m, const std::string& outcome) {
  if (outcome == "ok" || outcome == "skipped") return false;
  if (!m.profile.empty() && m.profile != "ram" && (outcome == "oom_killed" || outcome == "timeout")) return false;
  return true;
}

// One measurement in a fresh child, in a cgroup of its own when the experiment measures a tree or
// runs under a limit. Sets `interrupted` (and returns nothing useful) if the user stopped oomlab.
nlohmann::json measure(const Measurement& m, const std::string& scale, const RunOptions& options,
                       const CgroupSupport& cgroups, const std::optional<CgroupSettings>& cgroup_settings,
                       const nlohmann::json& env, bool& interrupted) {
  ChildLimits limits;
  limits.timeout_seconds = options.timeout_seconds.value_or(m.experiment->timeout_for(scale));
  limits.sampler.whole_tree = m.experiment->process_tree;
  limits.tree_sample_requests = m.experiment->process_tree;
  std::unique_ptr<RunCgroup> cgroup;
  std::string no_cgroup_reason;
  if (m.experiment->process_tree || cgroup_settings) {
    try {
      if (!cgroups.usable()) throw std::runtime_error(cgroups.unavailable_reason);
      cgroup = std::make_unique<RunCgroup>(cgroups, cgroup_settings.value_or(CgroupSettings{}));
      limits.sampler.cgroup = cgroup->memory_path();
      limits.cgroup_procs_files = cgroup->procs_files();
      limits.extra_environment.push_back(std::string(kCgroupEnvironmentVariable) + "=" + cgroup->memory_path().string());
    } catch (const std::exception& error) {
      if (cgroup_settings) {
        return build_skipped_record(m, scale, std::string("cannot create the run's cgroup: ") + error.what(), env);
      }
      no_cgroup_reason = error.what();
    }
  }
  // Removed when this function returns: after the child and every process of its tree are gone.
  std::optional<ScratchDirectory> scratch;
  try {
    scratch.emplace();
    limits.extra_environment.push_back(scratch->environment_entry());
  } catch (const std::exception& error) {
    return build_skipped_record(m, scale, std::string("cannot create a scratch folder: ") + error.what(), env);
  }
  const auto swap_ins_before = read_vmstat_counter("pswpin");
  const auto swap_outs_before = read_vmstat_counter("pswpout");
  ChildResult child = run_measured_child(
      {"__child", "--experiment-dir", m.experiment->dir.string(), "--experiment", m.experiment->name, "--variant",
       m.variant->name, "--lang", m.lang, "--size", std::to_string(m.size)},
      limits);
  interrupted = child.interrupted;
  if (cgroup && cgroup->oom_kill_count() > 0) child.oom_kill_seen = true;
  cgroup.reset();  // removed now: leftover workers are killed with it
  end_orphaned_workers();  // and without a cgroup, those that left the child's process group
  const nlohmann::json& report = child.report;
  const Outcome outcome = classify_outcome(child, report, limits.timeout_seconds);
  nlohmann::json record = build_record(m, scale, child, report, outcome, env);
  if (m.experiment->process_tree && !no_cgroup_reason.empty()) {
    record["tree_peak_reason"] = "no tree peak: " + no_cgroup_reason + " (RSS and PSS sums were still sampled)";
  }
  if (!m.profile.empty()) {
    // Machine-wide counters: oomlab's own job is the only one swapping while it runs.
    const auto swap_ins_after = read_vmstat_counter("pswpin");
    const auto swap_outs_after = read_vmstat_counter("pswpout");
    if (swap_ins_before && swap_ins_after) record["swap_in_pages"] = *swap_ins_after - *swap_ins_before;
    if (swap_outs_before && swap_outs_after) record["swap_out_pages"] = *swap_outs_after - *swap_outs_before;
  }
  return record;
}

}  // namespace

int run_suite(const RunOptions& options) {
  std::vector<Experiment> all = discover_experiments(options.experiments_dir);
  const std::vector<Experiment*> selected = select_experiments(all, options.experiments);
  const std::vector<std::string> languages = options.languages.empty() ? kLanguages : options.languages;
  for (const std::string& lang : languages) {
    if (std::find(kLanguages.begin(), kLanguages.end(), lang) == kLanguages.end()) {
      throw UsageError("unknown language '" + lang + "'; valid: " + join(kLanguages));
    }
  }
  const std::string scale = options.size ? "custom" : options.scale;
  if (!options.size && std::find(kScales.begin(), kScales.end(), scale) == kScales.end()) {
    throw UsageError("unknown scale '" + scale + "'; valid: " + join(kScales));
  }
  const int repeats = options.repeats.value_or(scale == "quick" ? 1 : 3);

  // Plan everything first, so bad input fails before anything runs and progress can say [i/N].
  std::vector<Measurement> plan;
  std::vector<std::string> import_failures;
  for (Experiment* experiment : selected) {
    if (std::find(languages.begin(), languages.end(), "py") != languages.end()) list_python_variants(*experiment);
    if (!experiment->python_error.empty()) import_failures.push_back(experiment->name);
    for (const std::string& variant : options.variants) {
      const bool known = std::any_of(languages.begin(), languages.end(),
                                     [&](const std::string& lang) { return experiment->has_variant(lang, variant); });
      if (!known) {
        std::string valid;
        for (const std::string& lang : languages) valid += "; " + lang + ": " + join(variant_names(*experiment, lang));
        throw UsageError("experiment '" + experiment->name + "' has no variant '" + variant + "'" + valid);
      }
    }
    const std::vector<std::int64_t> sizes =
        options.size ? std::vector<std::int64_t>{*options.size} : experiment->sizes_by_scale.at(scale);
    // Profile first, so each swap device is made once and removed before the next one.
    std::vector<std::string> profiles = {""};
    if (!experiment->swap_profiles.empty()) profiles = options.profiles.empty() ? experiment->swap_profiles : options.profiles;
    const auto found_repeats = experiment->repeats_by_scale.find(scale);
    const int experiment_repeats = options.repeats.value_or(
        found_repeats != experiment->repeats_by_scale.end() ? found_repeats->second : repeats);
    for (const std::string& profile : profiles) {
      for (const std::int64_t size : sizes) {
        for (const std::string& lang : languages) {
          for (const VariantInfo& variant : experiment->variants(lang)) {
            const bool wanted = options.variants.empty() ||
                                std::find(options.variants.begin(), options.variants.end(), variant.name) != options.variants.end();
            if (!wanted) continue;
            if (experiment->smallest_size_only.count(variant.name) && size != sizes.front()) continue;
            for (int repeat = 1; repeat <= experiment_repeats; ++repeat) {
              plan.push_back({experiment, profile, lang, &variant, size, repeat, experiment_repeats});
            }
          }
        }
      }
    }
  }
  for (const std::string& profile : options.profiles) {
    if (std::find(kSwapProfiles.begin(), kSwapProfiles.end(), profile) == kSwapProfiles.end()) {
      throw UsageError("unknown swap profile '" + profile + "'; valid: " + join(kSwapProfiles));
    }
  }
  if (!options.profiles.empty() &&
      std::none_of(selected.begin(), selected.end(), [](const Experiment* e) { return !e->swap_profiles.empty(); })) {
    throw UsageError("--profile applies to experiments with swap profiles only (such as swap)");
  }

  install_interrupt_handlers();
  become_subreaper();  // a measurement's orphaned workers come back to oomlab, to be ended with it
  const CgroupSupport cgroups = probe_cgroups();
  const nlohmann::json env = environment_block(options.source_dir);
  const std::string machine = env.at("machine_id");
  int failures = 0;
  for (const std::string& name : import_failures) {
    const Experiment& experiment = **std::find_if(selected.begin(), selected.end(), [&](const Experiment* e) { return e->name == name; });
    std::cerr << "error: " << name << "/experiment.py does not import; its Python variants cannot run:\n"
              << experiment.python_error << "\n";
    nlohmann::json record = {{"schema", kRecordSchema}, {"experiment", name}, {"variant", "experiment.py"},
                             {"lang", "py"}, {"size", 0}, {"scale", scale}, {"outcome", "error"},
                             {"reason", "experiment.py does not import"}, {"traceback", experiment.python_error},
                             {"recorded_at", iso_time_now()}, {"env", env}};
    append_record(record_file(options.results_root, machine, name), record);
    ++failures;
  }

  // Every run starts by removing what a killed earlier run left, as its ownership records prove
  // (never a live run's). Cheap when nothing was left: one folder of records is read.
  const CleanupReport leftovers = cleanup_leftovers();
  for (const std::string& removed : leftovers.removed) std::cerr << "oomlab: removed leftover " << removed << "\n";
  for (const std::string& failed : leftovers.failed) std::cerr << "oomlab: could not remove leftover " << failed << "\n";
  const std::string run_started_at = iso_time_now();  // the summary's "this run": records from here on
  std::set<std::filesystem::path> written_files;
  std::unique_ptr<SwapProfile> active_profile;  // its device lives until the plan moves on
  std::string profile_skip_reason;

  for (std::size_t index = 0; index < plan.size(); ++index) {
    const Measurement& m = plan[index];
    if (interrupt_requested()) {
      std::cerr << "oomlab: interrupted; " << index << " of " << plan.size() << " measurements were recorded\n";
      return 128 + interrupt_signal();
    }
    const bool new_profile = index == 0 || plan[index - 1].profile != m.profile || plan[index - 1].experiment != m.experiment;
    if (new_profile) {
      active_profile.reset();  // the previous device is switched off and removed first
      profile_skip_reason = m.profile.empty() ? "" : swap_profile_unavailable_reason(m.profile, cgroups);
      if (!m.profile.empty() && profile_skip_reason.empty()) {
        try {
          std::cerr << "oomlab: setting up swap profile " << m.profile << "\n";
          active_profile = std::make_unique<SwapProfile>(
              m.profile, options.mem_limit_bytes.value_or(m.experiment->mem_limit_bytes_for(scale)),
              m.experiment->swap_bytes_for(scale), options.swap_directory);
        } catch (const std::exception& error) {
          profile_skip_reason = error.what();
        }
      }
    }
    std::cerr << "[" << index + 1 << "/" << plan.size() << "] " << m.experiment->name << " "
              << (m.profile.empty() ? "" : m.profile + " ") << m.lang << " " << m.variant->name << " n=" << m.size
              << " rep " << m.repeat << "/" << m.repeats << " … " << std::flush;
    nlohmann::json record;
    if (!m.profile.empty() && !profile_skip_reason.empty()) {
      record = build_skipped_record(m, scale, "swap profile " + m.profile + ": " + profile_skip_reason, env);
    } else {
      const std::optional<CgroupSettings> limits =
          active_profile ? std::optional<CgroupSettings>(active_profile->cgroup_settings()) : std::nullopt;
      bool interrupted = false;
      record = measure(m, scale, options, cgroups, limits, env, interrupted);
      if (interrupted) {
        std::cerr << "interrupted\n"
                  << "oomlab: interrupted; " << index << " of " << plan.size()
                  << " measurements were recorded, the one under way was discarded\n";
        return 128 + interrupt_signal();
      }
      if (active_profile) record.update(active_profile->description());
    }
    written_files.insert(record_file(options.results_root, machine, m.experiment->name));
    append_record(record_file(options.results_root, machine, m.experiment->name), record);
    if (options.json_output) std::cout << record.dump() << std::endl;
    std::cerr << progress_result(record) << "\n";
    if (counts_as_failure(m, record.at("outcome"))) ++failures;
  }
  std::cerr << "oomlab: " << plan.size() << " measurements, " << failures << " failed; records in "
            << (options.results_root / machine).string() << "\n";
  if (options.summary) print_run_summary(options.source_dir, options.experiments_dir, written_files, scale, run_started_at);
  return failures == 0 ? 0 : 1;
}

}  // namespace oomlab
