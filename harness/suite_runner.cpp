// The measurement plan, the progress lines and the records of `oomlab run`.
#include "suite_runner.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstring>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <memory>
#include <set>
#include <sstream>

#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "availability.hpp"
#include "catalog.hpp"
#include "cgroup.hpp"
#include "child_process.hpp"
#include "environment.hpp"
#include "interrupt.hpp"
#include "orphans.hpp"
#include "outcome.hpp"
#include "proc_memory.hpp"
#include "records.hpp"
#include "repeat_agreement.hpp"
#include "run_summary.hpp"
#include "scratch.hpp"
#include "swap_lock.hpp"
#include "swap_profile.hpp"
#include "cleanup.hpp"

namespace oomlab {
namespace {

constexpr std::uint64_t kMinMemLimitBytes = 16ULL << 20;    // below it even the runtime alone is OOM-killed
constexpr std::uint64_t kMinFreeResultsBytes = 1ULL << 20;  // a few hundred records with timelines

struct Measurement {
  const Experiment* experiment;
  std::string profile;  // swap experiments only
  std::string lang;
  const VariantInfo* variant;
  std::int64_t size;
  int repeat;   // 1-based
  int repeats;
  std::string command;  // the command that reproduces it (see reproduce_command)
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

// The experiments named (or all). A malformed one named on its own is bad usage; under `all` it is
// left out and returned in `malformed`, so the others still run.
std::vector<Experiment*> select_experiments(std::vector<Experiment>& all, const std::vector<std::string>& wanted,
                                            std::vector<const Experiment*>& malformed) {
  std::vector<std::string> known;
  for (const Experiment& experiment : all) {
    if (experiment.metadata_error.empty()) known.push_back(experiment.name);
  }
  std::vector<Experiment*> selected;
  for (const std::string& name : wanted) {
    if (name == "all") {
      for (Experiment& experiment : all) {
        if (experiment.metadata_error.empty()) {
          selected.push_back(&experiment);
        } else if (std::find(malformed.begin(), malformed.end(), &experiment) == malformed.end()) {
          malformed.push_back(&experiment);
        }
      }
      continue;
    }
    auto found = std::find_if(all.begin(), all.end(), [&](const Experiment& e) { return e.name == name; });
    if (found == all.end()) {
      throw UsageError("unknown experiment '" + name + "'; valid: " + join(known) + " (or all)");
    }
    if (!found->metadata_error.empty()) {
      throw UsageError(found->metadata_error + "; experiments that can run: " + join(known));
    }
    selected.push_back(&*found);
  }
  if (selected.empty()) throw UsageError("name at least one experiment; valid: " + join(known) + " (or all)");
  return selected;
}

std::string mib_text(double bytes) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f MiB", bytes / (1024.0 * 1024.0));
  return text;
}

// Flags that are well-formed but out of range, or that do not apply to what was selected.
void check_run_options(const RunOptions& options, const std::vector<Experiment*>& selected) {
  if (options.timeout_seconds && !(*options.timeout_seconds > 0 && *options.timeout_seconds <= kMaxTimeoutSeconds)) {
    throw UsageError("--timeout must be a number of seconds above 0 and at most " +
                     std::to_string(static_cast<int>(kMaxTimeoutSeconds)) + " (a day)");
  }
  if (options.mem_limit_bytes) {
    if (*options.mem_limit_bytes < kMinMemLimitBytes || *options.mem_limit_bytes > kMaxMemoryBytes) {
      throw UsageError("--mem-limit " + std::to_string(*options.mem_limit_bytes) +
                       " bytes is out of range: give 16M to 1024T (K, M, G, T are KiB, MiB, GiB, TiB), e.g. 256M");
    }
    if (std::none_of(selected.begin(), selected.end(), [](const Experiment* e) { return !e->swap_profiles.empty(); })) {
      throw UsageError("--mem-limit applies to experiments with swap profiles only (such as swap); none is selected");
    }
  }
}

// Records must be writable before anything is measured or set up: found after a swap set-up, an
// unwritable folder would lose the run.
void check_results_writable(const std::filesystem::path& results_root, const std::string& machine,
                            const std::vector<Experiment*>& selected) {
  const std::filesystem::path folder = results_root / machine;
  std::error_code error;
  std::filesystem::create_directories(folder, error);
  if (error || ::access(folder.c_str(), W_OK) != 0) {
    throw UsageError("cannot write records to " + folder.string() + ": " +
                     (error ? error.message() : std::string(std::strerror(errno))) + "; give a writable --results DIR");
  }
  struct statvfs space {};
  if (::statvfs(folder.c_str(), &space) == 0) {
    const std::uint64_t free_bytes = static_cast<std::uint64_t>(space.f_bavail) * space.f_frsize;
    if (free_bytes < kMinFreeResultsBytes) {
      throw UsageError("only " + std::to_string(free_bytes) + " bytes free for records in " + folder.string() +
                       " (at least 1 MiB needed); free some space or give another --results DIR");
    }
  }
  for (const Experiment* experiment : selected) {
    const std::filesystem::path file = record_file(results_root, machine, experiment->name);
    if (::access(file.c_str(), F_OK) == 0 && ::access(file.c_str(), W_OK) != 0) {
      struct stat owner {};
      ::stat(file.c_str(), &owner);
      throw UsageError("cannot append to " + file.string() + " (owned by uid " + std::to_string(owner.st_uid) +
                       ", written by an earlier run as another user): give another --results DIR, or chown it to you");
    }
  }
}

// A number as the shortest text that reads back as the same double (2, 0.5, 1e-05).
std::string number_text(double value) {
  char text[32];
  const auto [end, error] = std::to_chars(text, text + sizeof(text), value);
  return error == std::errc() ? std::string(text, end) : std::to_string(value);
}

std::string shell_word(const std::string& text) {
  if (!text.empty() && text.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-:,+=") ==
                           std::string::npos) {
    return text;
  }
  std::string quoted = "'";
  for (const char c : text) quoted += (c == '\'') ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// The command that reproduces one measurement with the same settings: a size of the scale is named
// by the scale (a --size would make the scale `custom`, with the default scale's limit, swap size
// and time cap), and every flag that changes a setting is kept.
std::string reproduce_command(const Measurement& m, const std::string& scale, const RunOptions& options) {
  std::string command = "build/oomlab run " + m.experiment->name;
  if (!m.profile.empty()) command += " --profile " + m.profile;
  command += " --lang " + m.lang + " --variant " + m.variant->name;
  command += scale == "custom" ? " --size " + std::to_string(m.size) : " --scale " + scale;
  command += " --repeat 1";
  if (options.timeout_seconds) command += " --timeout " + number_text(*options.timeout_seconds);
  if (!m.profile.empty() && options.mem_limit_bytes) command += " --mem-limit " + std::to_string(*options.mem_limit_bytes);
  if (!m.profile.empty() && options.swap_directory != kDefaultSwapDirectory) {
    command += " --swap-dir " + shell_word(options.swap_directory.string());
  }
  if (!options.dask_scheduler.empty()) command += " --scheduler " + shell_word(options.dask_scheduler);
  return command;
}

std::string interruption_cause() {
  return interrupt_signal() == SIGPIPE ? "output closed (stdout or stderr), stopped like an interrupt" : "interrupted";
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
      {"command", m.command},
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
    if (child.snapshot_cpu_seconds > 0) record["snapshot_cpu_seconds"] = child.snapshot_cpu_seconds;
    record["timeline"] = child.timeline;
    for (const auto& [field, value] : child.tree_peaks.items()) record[field] = value;
  }
  if (!child.exited && child.term_signal != 0) record["term_signal"] = child.term_signal;
  // Its report arrived but it did not exit within the grace period (a non-daemon thread, say).
  if (child.killed_after_report) record["killed_after_report"] = true;
  if (child.stopped_seconds > 0) record["stopped_seconds"] = child.stopped_seconds;
  record["env"] = env;
  return record;
}

std::string progress_result(const nlohmann::json& record) {
  const std::string outcome = record.at("outcome");
  if (outcome != "ok") return outcome + ": " + record.value("reason", "");
  char text[160];
  std::snprintf(text, sizeof(text), "ok  peak +%s  %.3f s", mib_text(record.at("peak_delta_bytes").get<double>()).c_str(),
                record.at("wall_seconds").get<double>());
  std::string line = text;
  if (const double stopped = record.value("stopped_seconds", 0.0); stopped > 0) {
    std::snprintf(text, sizeof(text), " (stopped %.1f s by Ctrl-Z: its times include it, and the report leaves them out)",
                  stopped);
    line += text;
  }
  return line;
}

nlohmann::json build_skipped_record(const Measurement& m, const std::string& scale, const std::string& reason,
                                    const nlohmann::json& env) {
  return {{"schema", kRecordSchema}, {"experiment", m.experiment->name}, {"variant", m.variant->name},
          {"variant_doc", m.variant->doc}, {"lang", m.lang}, {"size", m.size}, {"size_unit", m.experiment->size_unit},
          {"repeat", m.repeat}, {"repeats", m.repeats}, {"scale", scale}, {"outcome", "skipped"}, {"reason", reason},
          {"swap_profile", m.profile}, {"recorded_at", iso_time_now()}, {"command", m.command}, {"env", env}};
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
                       const std::optional<std::filesystem::path>& zram_mm_stat, const nlohmann::json& env,
                       bool swap_lock_held, bool& interrupted) {
  ChildLimits limits;
  limits.sampler.zram_mm_stat = zram_mm_stat;
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
      // Only a limit needs the cgroup: the `ram` profile (none) runs without one, as env says.
      if (cgroup_settings && cgroup_settings->memory_limit_bytes) {
        return build_skipped_record(m, scale, std::string("cannot create the run's cgroup: ") + error.what(), env);
      }
      // What `oomlab env` says for it (availability_of) when the machine gives no cgroup; the
      // kernel's refusal when making this one failed.
      no_cgroup_reason = cgroups.usable() ? std::string("no tree peak: ") + error.what()
                                          : availability_of(*m.experiment, m.profile, cgroups).tree_peak_reason;
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
  // Where the kernel counts swap per cgroup (v2 memory.stat has pswpin/pswpout from Linux 6.12),
  // the run's own counters; read before the cgroup goes.
  std::optional<std::uint64_t> cgroup_swap_ins, cgroup_swap_outs;
  nlohmann::json cgroup_settings_held = nlohmann::json::object();  // zswap_max_bytes, io_max
  if (cgroup && !m.profile.empty()) {
    cgroup_settings_held = cgroup->settings_read_back();
    cgroup_swap_ins = read_named_counter(cgroup->memory_path() / "memory.stat", "pswpin");
    cgroup_swap_outs = read_named_counter(cgroup->memory_path() / "memory.stat", "pswpout");
  }
  cgroup.reset();  // removed now: leftover workers are killed with it
  end_orphaned_workers();  // and without a cgroup, those that left the child's process group
  const nlohmann::json& report = child.report;
  const Outcome outcome = classify_outcome(child, report, limits.timeout_seconds);
  nlohmann::json record = build_record(m, scale, child, report, outcome, env);
  if (m.experiment->process_tree && !no_cgroup_reason.empty()) {
    record["tree_peak_reason"] = no_cgroup_reason + " (RSS and PSS sums were still sampled)";
  }
  if (child.zram_peak) record.update(zram_pool_fields(*child.zram_peak));
  record.update(cgroup_settings_held);
  if (!m.profile.empty()) {
    if (cgroup_swap_ins && cgroup_swap_outs) {
      record["swap_counter_scope"] = "cgroup";
      record["swap_in_pages"] = *cgroup_swap_ins;
      record["swap_out_pages"] = *cgroup_swap_outs;
    } else {
      // Machine-wide counters (cgroup v1 counts no swap-ins per cgroup): taken under the swap lock,
      // so no other oomlab run swaps meanwhile; other programs on the machine may.
      record["swap_counter_scope"] = swap_lock_held ? "machine_wide_under_lock" : "machine_wide";
      const auto swap_ins_after = read_vmstat_counter("pswpin");
      const auto swap_outs_after = read_vmstat_counter("pswpout");
      if (swap_ins_before && swap_ins_after) record["swap_in_pages"] = *swap_ins_after - *swap_ins_before;
      if (swap_outs_before && swap_outs_after) record["swap_out_pages"] = *swap_outs_after - *swap_outs_before;
    }
  }
  return record;
}

}  // namespace

int run_suite(const RunOptions& options) {
  std::vector<Experiment> all = discover_experiments(options.experiments_dir);
  std::vector<const Experiment*> malformed;
  const std::vector<Experiment*> selected = select_experiments(all, options.experiments, malformed);
  check_run_options(options, selected);
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
    // A --profile that the experiment does not declare is not run for it (out_of_core declares
    // only `none`: `run all --profile zram` must not run it under zram).
    std::vector<std::string> profiles = {""};
    if (!experiment->swap_profiles.empty()) {
      profiles = experiment->swap_profiles;
      if (!options.profiles.empty()) {
        profiles.erase(std::remove_if(profiles.begin(), profiles.end(),
                                      [&](const std::string& profile) {
                                        return std::find(options.profiles.begin(), options.profiles.end(), profile) ==
                                               options.profiles.end();
                                      }),
                       profiles.end());
      }
      if (profiles.empty()) {
        std::cerr << "oomlab: " << experiment->name << " declares no profile " << join(options.profiles, ",")
                  << " (only " << join(experiment->swap_profiles) << "); not run\n";
      }
    }
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
            const bool smallest_only = experiment->smallest_size_only.count(variant.name) > 0;
            if (smallest_only && size != sizes.front()) continue;
            // The claims are judged at a variant's largest size, so that is where repeats give the
            // median and range; below it, one run draws the scaling (memory repeats almost exactly).
            // A --repeat the user gives applies to every size.
            const bool largest_size = size == (smallest_only ? sizes.front() : *std::max_element(sizes.begin(), sizes.end()));
            const int point_repeats = options.repeats || largest_size ? experiment_repeats : 1;
            for (int repeat = 1; repeat <= point_repeats; ++repeat) {
              plan.push_back({experiment, profile, lang, &variant, size, repeat, point_repeats, ""});
              plan.back().command = reproduce_command(plan.back(), scale, options);
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
  if (!options.profiles.empty() && std::none_of(plan.begin(), plan.end(), [](const Measurement& m) { return !m.profile.empty(); })) {
    std::string declared;
    for (const Experiment* experiment : selected) {
      if (!experiment->swap_profiles.empty()) declared += "; " + experiment->name + ": " + join(experiment->swap_profiles);
    }
    throw UsageError("--profile " + join(options.profiles, ",") + " is declared by none of the experiments selected" +
                     (declared.empty() ? " (it applies to experiments with swap profiles only, such as swap)"
                                       : "; they declare" + declared));
  }

  check_results_writable(options.results_root, machine_id(), selected);
  install_interrupt_handlers();
  become_subreaper();  // a measurement's orphaned workers come back to oomlab, to be ended with it
  // Before anything is changed (even a record written): a swap run waits here for another one.
  const bool uses_swap = std::any_of(plan.begin(), plan.end(), [](const Measurement& m) { return !m.profile.empty(); });
  std::unique_ptr<SwapLock> swap_lock;  // declared before the profile, so released after its teardown
  if (uses_swap && ::geteuid() == 0) {
    try {
      swap_lock = std::make_unique<SwapLock>();
    } catch (const SwapLockBusy& busy) {
      throw UsageError(busy.what());
    } catch (const std::exception& error) {
      std::cerr << "oomlab: " << error.what() << "; going on without the swap lock\n";
    }
    if (interrupt_requested()) {
      std::cerr << "oomlab: " << interruption_cause() << " while waiting for the swap lock; nothing was measured\n";
      return 128 + interrupt_signal();
    }
  }
  const bool swap_lock_held = swap_lock && swap_lock->held();
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

  for (const Experiment* experiment : malformed) {
    // `run all` goes on with the others; the run still fails, so the broken file is not missed.
    std::cerr << "error: " << experiment->metadata_error << "; " << experiment->name << " was not run\n";
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

  // Repeats beyond the second run only where the first two disagree, unless --repeat asked for them.
  RepeatAgreement repeats_so_far;
  std::size_t repeats_not_needed = 0;
  const auto point_of = [](const Measurement& m) {
    return m.experiment->name + "/" + m.profile + "/" + m.lang + "/" + m.variant->name + "/" + std::to_string(m.size);
  };

  for (std::size_t index = 0; index < plan.size(); ++index) {
    const Measurement& m = plan[index];
    if (interrupt_requested()) {
      std::cerr << "oomlab: " << interruption_cause() << "; " << index << " of " << plan.size()
                << " measurements were recorded\n";
      return 128 + interrupt_signal();
    }
    const bool new_profile = index == 0 || plan[index - 1].profile != m.profile || plan[index - 1].experiment != m.experiment;
    if (new_profile) {
      active_profile.reset();  // the previous device is switched off and removed first
      // The same answer `oomlab env` gives for this experiment and profile.
      profile_skip_reason = availability_of(*m.experiment, m.profile, cgroups).skip_reason;
      if (!m.profile.empty() && profile_skip_reason.empty()) {
        try {
          std::cerr << "oomlab: setting up swap profile " << m.profile << "\n";
          active_profile = std::make_unique<SwapProfile>(
              m.profile, options.mem_limit_bytes.value_or(m.experiment->mem_limit_bytes_for(scale)),
              m.experiment->swap_bytes_for(scale), options.swap_directory);
        } catch (const std::exception& error) {
          profile_skip_reason = "swap profile " + m.profile + ": " + error.what();
        }
      }
    }
    std::cerr << "[" << index + 1 << "/" << plan.size() << "] " << m.experiment->name << " "
              << (m.profile.empty() ? "" : m.profile + " ") << m.lang << " " << m.variant->name << " n=" << m.size
              << " rep " << m.repeat << "/" << m.repeats << " … " << std::flush;
    if (!std::cerr) request_interrupt(SIGPIPE);  // stderr closed: end now, with teardown
    if (m.repeat > 2 && !options.repeats) {
      if (const auto why = repeats_so_far.settled(point_of(m))) {
        std::cerr << "not needed (" << *why << ")\n";
        ++repeats_not_needed;
        continue;
      }
    }
    nlohmann::json record;
    if (!m.profile.empty() && !profile_skip_reason.empty()) {
      record = build_skipped_record(m, scale, profile_skip_reason, env);
    } else {
      const std::optional<CgroupSettings> limits =
          active_profile ? std::optional<CgroupSettings>(active_profile->cgroup_settings()) : std::nullopt;
      bool interrupted = false;
      const auto zram_mm_stat = active_profile ? active_profile->zram_mm_stat_file() : std::nullopt;
      record = measure(m, scale, options, cgroups, limits, zram_mm_stat, env, swap_lock_held, interrupted);
      if (interrupted) {
        std::cerr << "interrupted\n"
                  << "oomlab: " << interruption_cause() << "; " << index << " of " << plan.size()
                  << " measurements were recorded, the one under way was discarded\n";
        return 128 + interrupt_signal();
      }
      if (active_profile) record.update(active_profile->description());
    }
    repeats_so_far.note(point_of(m), record);
    written_files.insert(record_file(options.results_root, machine, m.experiment->name));
    append_record(record_file(options.results_root, machine, m.experiment->name), record);
    if (options.json_output) std::cout << record.dump() << std::endl;
    std::cerr << progress_result(record) << "\n";
    // A reader that went away (`--json | head -n1`): the record is in the file; stop as after
    // Ctrl-C, so the swap device is switched off and removed on the way out.
    if (!std::cout || !std::cerr) request_interrupt(SIGPIPE);
    if (counts_as_failure(m, record.at("outcome"))) ++failures;
  }
  if (interrupt_requested()) {
    std::cerr << "oomlab: " << interruption_cause() << " after the last measurement was recorded\n";
    return 128 + interrupt_signal();
  }
  std::cerr << "oomlab: " << plan.size() - repeats_not_needed << " measurements";
  if (repeats_not_needed > 0) std::cerr << " (" << repeats_not_needed << " further repeats not needed)";
  std::cerr << ", " << failures << " failed; records in "
            << (options.results_root / machine).string() << "\n";
  if (options.summary) print_run_summary(options.source_dir, options.experiments_dir, written_files, scale, run_started_at);
  return failures == 0 ? 0 : 1;
}

}  // namespace oomlab
