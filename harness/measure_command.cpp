// `oomlab measure`: the plan of runs (profiles × repeats, then the limit search), one record per run,
// and the summary that says why the tools disagree.
#include "measure_command.hpp"

#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <memory>
#include <sstream>

#include <nlohmann/json.hpp>

#include "build_info.hpp"
#include "cgroup.hpp"
#include "child_process.hpp"
#include "cleanup.hpp"
#include "environment.hpp"
#include "interrupt.hpp"
#include "outcome.hpp"
#include "proc_memory.hpp"
#include "records.hpp"
#include "suite_runner.hpp"
#include "swap_lock.hpp"
#include "swap_profile.hpp"

extern char** environ;

namespace oomlab {
namespace fs = std::filesystem;
namespace {

constexpr std::uint64_t kMiB = 1024 * 1024;
// A run without --timeout may take this long: a job of a day is a job, not a hang.
constexpr double kDefaultTimeoutSeconds = 24 * 3600.0;
// The limit search stops when the bracket is this narrow, or 1/16 of the tree peak if that is wider.
constexpr std::uint64_t kFindLimitToleranceBytes = 8 * kMiB;
// A probe under a limit may take this many times the unlimited run (reclaim and retries slow it),
// and never less than kFindLimitMinimumCapSeconds (start-up noise of very short commands).
constexpr double kFindLimitTimeFactor = 3.0;
constexpr double kFindLimitMinimumCapSeconds = 2.0;

// The path of `program` as a shell would find it, or a UsageError with the message a shell gives.
std::string resolve_program(const std::string& program) {
  const auto executable = [](const fs::path& path) {
    struct stat info {};
    return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) && ::access(path.c_str(), X_OK) == 0;
  };
  if (program.find('/') != std::string::npos) {
    if (!fs::exists(program)) throw UsageError(program + ": No such file or directory");
    if (!executable(program)) throw UsageError(program + ": Permission denied");
    return fs::absolute(program).string();
  }
  const char* path_variable = std::getenv("PATH");
  std::stringstream folders(path_variable ? path_variable : "/usr/local/bin:/usr/bin:/bin");
  std::string folder;
  while (std::getline(folders, folder, ':')) {
    const fs::path candidate = fs::path(folder.empty() ? "." : folder) / program;
    if (executable(candidate)) return fs::absolute(candidate).string();
  }
  throw UsageError(program + ": command not found");
}

// A record file name from the command: its basename, with anything but [A-Za-z0-9._-] made '_'.
std::string default_name(const std::string& program) {
  std::string name = fs::path(program).filename().string();
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') c = '_';
  }
  return name.empty() || name[0] == '.' ? "command" + name : name;
}

std::string shell_quoted(const std::string& word) {
  if (!word.empty() && word.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=:,+@%") ==
                           std::string::npos) {
    return word;
  }
  std::string quoted = "'";
  for (const char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

std::string mib_text(double bytes) {
  char text[32];
  std::snprintf(text, sizeof(text), bytes >= 10 * 1024.0 * kMiB ? "%.1f GiB" : "%.1f MiB",
                bytes >= 10 * 1024.0 * kMiB ? bytes / (1024.0 * kMiB) : bytes / kMiB);
  return text;
}

std::string seconds_text(double seconds) {
  char text[32];
  std::snprintf(text, sizeof(text), seconds < 10 ? "%.3f s" : "%.1f s", seconds);
  return text;
}

double seconds_of(const timeval& time) { return time.tv_sec + time.tv_usec / 1e6; }

// Runs a program (no shell) with the same stdout and stderr, and returns its exit status.
int run_and_wait(const std::vector<std::string>& arguments) {
  std::vector<char*> argv;
  for (const std::string& argument : arguments) argv.push_back(const_cast<char*>(argument.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (::posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0) return -1;
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// One run's conditions: a profile (ram: no limit), its limit, and a time cap.
struct RunConditions {
  std::string profile;
  std::optional<std::uint64_t> mem_limit_bytes;
  double timeout_seconds;
  bool find_limit_probe = false;
};

class MeasurePlan {
 public:
  explicit MeasurePlan(const MeasureOptions& options)
      : options_(options), program_(resolve_program(options.command.front())), cgroups_(probe_cgroups()),
        env_(environment_block(options.source_dir)),
        name_(options.name.empty() ? default_name(options.command.front()) : options.name) {}

  const CgroupSupport& cgroups() const { return cgroups_; }
  void set_swap_lock_held(bool held) { swap_lock_held_ = held; }

  // One run of the command under `conditions`, in `profile`'s cgroup settings (none for ram).
  nlohmann::json run_once(const RunConditions& conditions, const SwapProfile* profile, int repeat, int repeats,
                          bool& interrupted) {
    ChildLimits limits;
    limits.program = program_;
    limits.program_name = options_.command.front();
    limits.report_fd_variable = kProgressFdVariable;
    limits.stdout_to_stderr = options_.json_output;
    limits.timeout_seconds = conditions.timeout_seconds;
    limits.sampler.whole_tree = true;
    limits.sampler.pss_cost_ratio = 100.0;  // 1%: no variant here asks for a sample at its plateau
    if (profile) limits.sampler.zram_mm_stat = profile->zram_mm_stat_file();
    std::unique_ptr<RunCgroup> cgroup;
    if (cgroups_.usable()) {
      CgroupSettings settings = profile ? profile->cgroup_settings() : CgroupSettings{};
      if (conditions.mem_limit_bytes && !profile) {
        settings.memory_limit_bytes = conditions.mem_limit_bytes;  // the limit search: no swap
        settings.swap_limit_bytes = 0;
      }
      cgroup = std::make_unique<RunCgroup>(cgroups_, settings);
      limits.sampler.cgroup = cgroup->memory_path();
      limits.sampler.cgroup_memory = true;
      limits.cgroup_procs_files = cgroup->procs_files();
    }
    const auto swap_ins_before = read_vmstat_counter("pswpin");
    const auto swap_outs_before = read_vmstat_counter("pswpout");
    const std::vector<std::string> arguments(options_.command.begin() + 1, options_.command.end());
    ChildResult child = run_measured_child(arguments, limits);
    interrupted = child.interrupted;
    std::optional<std::uint64_t> tree_peak_bytes;
    std::uint64_t oom_kills_in_tree = 0;
    std::optional<std::uint64_t> cgroup_swap_ins, cgroup_swap_outs;  // where the kernel counts them per cgroup
    nlohmann::json cgroup_settings_held = nlohmann::json::object();  // zswap_max_bytes, io_max
    if (cgroup) {
      cgroup_settings_held = cgroup->settings_read_back();
      cgroup_swap_ins = cgroup->stat_counter("pswpin");
      cgroup_swap_outs = cgroup->stat_counter("pswpout");
      tree_peak_bytes = cgroup_peak_bytes(cgroup->memory_path());
      oom_kills_in_tree = cgroup->oom_kill_count();
      if (oom_kills_in_tree > 0) child.oom_kill_seen = true;
    }
    cgroup.reset();  // removed now: whatever the command left running is killed with it
    const auto swap_ins_after = read_vmstat_counter("pswpin");
    const auto swap_outs_after = read_vmstat_counter("pswpout");

    Outcome outcome = classify_command_outcome(child, conditions.timeout_seconds);
    if (oom_kills_in_tree > 0 && outcome.outcome != "oom_killed") {
      // A worker was killed, the command went on: not a success under this limit, whatever it exited with.
      outcome.reason = (outcome.reason.empty() ? "" : outcome.reason + "; ") + "the OOM killer ended " +
                       std::to_string(oom_kills_in_tree) + " process(es) of the tree while the command went on";
      if (outcome.outcome == "ok") outcome.outcome = "oom_killed";
    }
    nlohmann::json record = {
        {"schema", kRecordSchema},
        {"experiment", "measure"},
        {"variant", name_},
        {"variant_doc", "oomlab measure -- " + joined_command()},
        {"lang", "cmd"},
        {"size", 0},
        {"size_unit", ""},
        {"repeat", repeat},
        {"repeats", repeats},
        {"scale", "measure"},
        {"outcome", outcome.outcome},
        {"recorded_at", iso_time_now()},
        {"command", reproduce_command(conditions)},
        {"measured_command", options_.command},
        {"swap_profile", conditions.profile},
    };
    if (!outcome.reason.empty()) record["reason"] = outcome.reason;
    if (child.exited) record["exit_code"] = child.exit_code;
    if (!child.exited && child.term_signal != 0) record["term_signal"] = child.term_signal;
    if (oom_kills_in_tree > 0) record["oom_kills_in_tree"] = oom_kills_in_tree;
    if (outcome.outcome == "oom_killed" && !child.exited) record["time_to_oom_kill_seconds"] = child.child_wall_seconds;
    if (outcome.outcome != "ok" && child.progress.is_object()) {
      record["progress"] = child.progress;
      const double total = child.progress.value("total", 0.0);
      if (total > 0) record["progress"]["fraction"] = child.progress.value("done", 0.0) / total;
    }
    if (conditions.mem_limit_bytes) record["mem_limit_bytes"] = *conditions.mem_limit_bytes;
    if (child.stopped_seconds > 0) record["stopped_seconds"] = child.stopped_seconds;
    if (conditions.find_limit_probe) record["find_limit_probe"] = true;
    if (profile) record.update(profile->description());
    if (child.spawn_error.empty()) {
      record["wall_seconds"] = child.child_wall_seconds;
      record["child_wall_seconds"] = child.child_wall_seconds;
      // wait4's figures of the command include every descendant it reaped.
      record["user_seconds"] = seconds_of(child.usage.ru_utime);
      record["sys_seconds"] = seconds_of(child.usage.ru_stime);
      record["major_faults"] = child.usage.ru_majflt;
      record["minor_faults"] = child.usage.ru_minflt;
      // What /usr/bin/time -v says: the largest single process of the tree, not the tree.
      record["largest_process_peak_bytes"] = static_cast<std::int64_t>(child.usage.ru_maxrss) * 1024;
      record["sampler_cpu_fraction"] =
          child.child_wall_seconds > 0 ? child.sampler_cpu_seconds / child.child_wall_seconds : 0.0;
      record["timeline"] = child.timeline;
      for (const auto& [field, value] : child.tree_peaks.items()) record[field] = value;
    }
    if (tree_peak_bytes) {
      record["tree_peak_bytes"] = *tree_peak_bytes;
      record["tree_peak_scope"] = "child_lifetime";
      record["tree_peak_source"] = "cgroup";
    } else if (record.contains("rss_sum_peak_bytes") && !record["rss_sum_peak_bytes"].is_null()) {
      // No cgroup: the sampled RSS sum is all there is, and a peak between two samples is missed.
      record["tree_peak_bytes"] = record["rss_sum_peak_bytes"];
      record["tree_peak_scope"] = "child_lifetime";
      record["tree_peak_source"] = "sampled_rss_sum_lower_bound";
      record["tree_peak_reason"] = "no memory cgroup (" + cgroups_.unavailable_reason +
                                   "): the RSS sum sampled every " +
                                   std::to_string(ChildLimits{}.sample_interval.count() / 1000) +
                                   " ms, a lower bound of the true peak";
    }
    if (const auto& sampled = child.cgroup_sampled_peak) {
      // The kernel keeps the peak but not its make-up: the split is the one at the highest sample.
      record["anon_bytes_at_sampled_peak"] = sampled->anon_bytes;
      record["file_bytes_at_sampled_peak"] = sampled->file_bytes;
      record["sampled_charge_peak_bytes"] = sampled->charged_bytes;
      record["sampled_charge_peak_seconds"] = sampled->t_seconds;
      if (profile && profile->name() != "ram" && profile->name() != "none") {
        record["swap_used_peak_bytes"] = sampled->swap_bytes;
      }
    }
    if (child.zram_peak) record.update(zram_pool_fields(*child.zram_peak));
    record.update(cgroup_settings_held);
    if (cgroup_swap_ins && cgroup_swap_outs) {
      record["swap_counter_scope"] = "cgroup";
      record["swap_in_pages"] = *cgroup_swap_ins;
      record["swap_out_pages"] = *cgroup_swap_outs;
    } else {
      record["swap_counter_scope"] = swap_lock_held_ ? "machine_wide_under_lock" : "machine_wide";
      if (swap_ins_before && swap_ins_after) record["swap_in_pages"] = *swap_ins_after - *swap_ins_before;
      if (swap_outs_before && swap_outs_after) record["swap_out_pages"] = *swap_outs_after - *swap_outs_before;
    }
    record["env"] = env_;
    return record;
  }

  fs::path record_file() const {
    return options_.results_root / env_.at("machine_id").get<std::string>() / "measure" / (name_ + ".jsonl");
  }

  std::string joined_command() const {
    std::string joined;
    for (const std::string& word : options_.command) joined += (joined.empty() ? "" : " ") + shell_quoted(word);
    return joined;
  }

 private:
  // `oomlab measure` with the options that reproduce one run.
  std::string reproduce_command(const RunConditions& conditions) const {
    std::ostringstream command;
    command << "build/oomlab measure --name " << name_;
    if (conditions.mem_limit_bytes) command << " --mem-limit " << (*conditions.mem_limit_bytes / kMiB) << "M";
    if (conditions.profile != "ram" && !conditions.find_limit_probe) command << " --profile " << conditions.profile;
    if (options_.swap_bytes) command << " --swap-size " << (*options_.swap_bytes / kMiB) << "M";
    if (options_.timeout_seconds || conditions.find_limit_probe) command << " --timeout " << conditions.timeout_seconds;
    command << " -- " << joined_command();
    return command.str();
  }

  const MeasureOptions& options_;
  std::string program_;
  CgroupSupport cgroups_;
  nlohmann::json env_;
  std::string name_;
  bool swap_lock_held_ = false;
};

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t middle = values.size() / 2;
  return values.size() % 2 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
}

double number_or(const nlohmann::json& record, const char* field, double fallback) {
  const auto found = record.find(field);
  return found != record.end() && found->is_number() ? found->get<double>() : fallback;
}

// The command's running time: its whole wall time less a Ctrl-Z pause (exact here, since the
// record's wall time is the whole command's, from start to reaping).
double running_seconds(const nlohmann::json& record) {
  return number_or(record, "child_wall_seconds", NAN) - number_or(record, "stopped_seconds", 0.0);
}

// One summary row per profile: the median of its repeats (and the range of times).
struct SummaryRow {
  std::string profile;
  std::string outcome;
  double wall_median_seconds = 0, wall_min_seconds = 0, wall_max_seconds = 0;
  double tree_peak_bytes = NAN, anon_bytes = NAN, file_bytes = NAN, swap_bytes = NAN;
  double largest_process_bytes = NAN, rss_sum_bytes = NAN, pss_sum_bytes = NAN;
  std::string tree_peak_source;
};

SummaryRow summarise(const std::string& profile, const std::vector<nlohmann::json>& records) {
  SummaryRow row;
  row.profile = profile;
  std::vector<double> walls, trees, anons, files, swaps, largest, rss_sums, pss_sums;
  for (const auto& record : records) {
    const std::string outcome = record.at("outcome");
    if (row.outcome.empty()) row.outcome = outcome;
    if (row.outcome != outcome) row.outcome = "mixed";
    walls.push_back(running_seconds(record));
    trees.push_back(number_or(record, "tree_peak_bytes", NAN));
    anons.push_back(number_or(record, "anon_bytes_at_sampled_peak", NAN));
    files.push_back(number_or(record, "file_bytes_at_sampled_peak", NAN));
    swaps.push_back(number_or(record, "swap_used_peak_bytes", NAN));
    largest.push_back(number_or(record, "largest_process_peak_bytes", NAN));
    rss_sums.push_back(number_or(record, "rss_sum_peak_bytes", NAN));
    pss_sums.push_back(number_or(record, "pss_sum_peak_bytes", NAN));
    row.tree_peak_source = record.value("tree_peak_source", "");
  }
  row.wall_median_seconds = median(walls);
  row.wall_min_seconds = *std::min_element(walls.begin(), walls.end());
  row.wall_max_seconds = *std::max_element(walls.begin(), walls.end());
  row.tree_peak_bytes = median(trees);
  row.anon_bytes = median(anons);
  row.file_bytes = median(files);
  row.swap_bytes = median(swaps);
  row.largest_process_bytes = median(largest);
  row.rss_sum_bytes = median(rss_sums);
  row.pss_sum_bytes = median(pss_sums);
  return row;
}

std::string bytes_or_dash(double bytes) { return std::isnan(bytes) ? "-" : mib_text(bytes); }

// A table in the style of hyperfine's, on stderr: stdout belongs to the command (or to --json).
void print_summary(const std::string& command, const std::vector<SummaryRow>& rows) {
  std::fprintf(stderr, "\noomlab measure: %s\n", command.c_str());
  std::fprintf(stderr, "  %-8s %-11s %-24s %8s %12s %22s %11s\n", "profile", "outcome", "time (median, range)",
               "vs ram", "tree peak", "anon / file at peak", "swap used");
  double ram_seconds = NAN;
  for (const SummaryRow& row : rows) {
    if (row.profile == "ram" && row.outcome == "ok") ram_seconds = row.wall_median_seconds;
  }
  for (const SummaryRow& row : rows) {
    std::string time = seconds_text(row.wall_median_seconds);
    if (row.wall_max_seconds > row.wall_min_seconds) {
      char range[48];
      std::snprintf(range, sizeof(range), " (%.2f-%.2f)", row.wall_min_seconds, row.wall_max_seconds);
      time += range;
    }
    char ratio[16] = "-";
    if (!std::isnan(ram_seconds) && row.outcome == "ok") std::snprintf(ratio, sizeof(ratio), "%.2fx", row.wall_median_seconds / ram_seconds);
    const std::string split = std::isnan(row.anon_bytes) ? "-" : bytes_or_dash(row.anon_bytes) + " / " + bytes_or_dash(row.file_bytes);
    std::fprintf(stderr, "  %-8s %-11s %-24s %8s %12s %22s %11s\n", row.profile.c_str(), row.outcome.c_str(), time.c_str(),
                 ratio, bytes_or_dash(row.tree_peak_bytes).c_str(), split.c_str(), bytes_or_dash(row.swap_bytes).c_str());
  }
  // Why the tools disagree, from the first row that has every figure (the unlimited run first).
  for (const SummaryRow& row : rows) {
    if (std::isnan(row.tree_peak_bytes) || std::isnan(row.largest_process_bytes)) continue;
    const bool lower_bound = row.tree_peak_source == "sampled_rss_sum_lower_bound";
    std::fprintf(stderr, "  %s tree peak %s (%s); /usr/bin/time would say %s (the largest single process), an RSS sum %s",
                 lower_bound ? "Sampled" : "True", bytes_or_dash(row.tree_peak_bytes).c_str(),
                 lower_bound ? "no memory cgroup here: a lower bound" : "the run's memory cgroup, page cache included",
                 bytes_or_dash(row.largest_process_bytes).c_str(), bytes_or_dash(row.rss_sum_bytes).c_str());
    if (!std::isnan(row.pss_sum_bytes)) std::fprintf(stderr, ", a PSS sum %s", bytes_or_dash(row.pss_sum_bytes).c_str());
    std::fprintf(stderr, " (%s profile).\n", row.profile.c_str());
    break;
  }
}

}  // namespace

int run_measure(const MeasureOptions& options) {
  if (options.command.empty()) throw UsageError("usage: oomlab measure [options] -- CMD [ARGS...]: no command given");
  if (options.repeats < 1) throw UsageError("--repeat must be at least 1");
  for (const char c : options.name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') {
      throw UsageError("--name '" + options.name + "': use letters, digits, '.', '_' and '-' only");
    }
  }
  std::vector<std::string> profiles = options.profiles;
  if (profiles.empty()) profiles = {options.mem_limit_bytes ? "none" : "ram"};
  for (const std::string& profile : profiles) {
    if (std::find(kSwapProfiles.begin(), kSwapProfiles.end(), profile) == kSwapProfiles.end()) {
      throw UsageError("unknown profile '" + profile + "'; valid: ram, none, ssd, hdd, zram");
    }
    if (profile != "ram" && !options.mem_limit_bytes) {
      throw UsageError("--profile " + profile + " runs under a memory limit: give one with --mem-limit (e.g. 2G)");
    }
  }
  if (options.mem_limit_bytes && *options.mem_limit_bytes < 16 * kMiB) {
    throw UsageError("--mem-limit below 16 MiB leaves no room for a program to start");
  }
  MeasurePlan plan(options);  // resolves the command: "not found" is bad usage, before anything runs
  const bool needs_cgroup = options.find_limit || std::any_of(profiles.begin(), profiles.end(), [](const std::string& p) { return p != "ram"; });
  if (needs_cgroup && !plan.cgroups().usable()) {
    throw UsageError("a memory limit needs a memory cgroup, and this machine gives none: " +
                     plan.cgroups().unavailable_reason + " (without --mem-limit, --profile and --find-limit, the tree peak is sampled)");
  }
  for (const std::string& profile : profiles) {
    const std::string why = swap_profile_unavailable_reason(profile, plan.cgroups());
    if (!why.empty()) throw UsageError("profile " + profile + " cannot run here: " + why);
  }

  install_interrupt_handlers();
  // What-ifs under a limit take the swap experiment's lock: its devices take the highest swap
  // priority and its swap counters are machine-wide, so two such runs at once would mix.
  const bool under_limit = std::any_of(profiles.begin(), profiles.end(), [](const std::string& p) { return p != "ram"; });
  std::unique_ptr<SwapLock> swap_lock;  // declared before the profiles, so released after their teardown
  if ((under_limit || options.find_limit) && ::geteuid() == 0) {
    try {
      swap_lock = std::make_unique<SwapLock>();
    } catch (const SwapLockBusy& busy) {
      throw UsageError(busy.what());
    }
    if (interrupt_requested()) return 128 + interrupt_signal();
  }
  plan.set_swap_lock_held(swap_lock && swap_lock->held());
  // Whatever a killed earlier run left, as its ownership records prove (never a live run's).
  for (const std::string& removed : cleanup_leftovers().removed) std::cerr << "oomlab: removed leftover " << removed << "\n";
  const double timeout_seconds = options.timeout_seconds.value_or(kDefaultTimeoutSeconds);
  const fs::path record_file = plan.record_file();
  std::error_code folder_error;
  fs::create_directories(record_file.parent_path(), folder_error);
  if (folder_error || ::access(record_file.parent_path().c_str(), W_OK) != 0) {
    throw UsageError("cannot write records to " + record_file.parent_path().string() +
                     (folder_error ? ": " + folder_error.message() : "") + " (choose another folder with --results DIR)");
  }
  int failures = 0;
  std::vector<SummaryRow> summary;
  std::optional<nlohmann::json> unlimited_run;  // the limit search starts from it
  const auto keep = [&](const nlohmann::json& record) {
    append_record(record_file, record);
    if (options.json_output) std::cout << record.dump() << std::endl;
  };
  const auto interrupted_exit = [&]() {
    std::cerr << "\noomlab: interrupted; the command's processes were killed, records so far are in " << record_file << "\n";
    return 128 + interrupt_signal();
  };

  for (const std::string& profile_name : profiles) {
    std::unique_ptr<SwapProfile> profile;
    if (profile_name != "ram") {
      if (profile_name != "none") std::cerr << "oomlab: setting up swap profile " << profile_name << "\n";
      try {
        profile = std::make_unique<SwapProfile>(profile_name, *options.mem_limit_bytes,
                                                options.swap_bytes.value_or(*options.mem_limit_bytes), options.swap_directory);
      } catch (const std::exception& error) {
        std::cerr << "oomlab: profile " << profile_name << " could not be set up: " << error.what() << "\n";
        ++failures;
        continue;
      }
    }
    std::vector<nlohmann::json> records;
    for (int repeat = 1; repeat <= options.repeats; ++repeat) {
      std::cerr << "[" << profile_name << " " << repeat << "/" << options.repeats << "] " << plan.joined_command() << "\n";
      bool interrupted = false;
      const RunConditions conditions{profile_name,
                                     profile_name == "ram" ? std::nullopt : options.mem_limit_bytes, timeout_seconds};
      nlohmann::json record = plan.run_once(conditions, profile.get(), repeat, options.repeats, interrupted);
      if (interrupted) return interrupted_exit();
      keep(record);
      const std::string outcome = record.at("outcome");
      std::cerr << "  " << outcome << (record.contains("reason") ? ": " + record.at("reason").get<std::string>() : "") << "\n";
      const bool answer_under_limit = profile_name != "ram" && (outcome == "oom_killed" || outcome == "timeout");
      if (outcome != "ok" && !answer_under_limit) ++failures;
      if (profile_name == "ram" && outcome == "ok" && !unlimited_run) unlimited_run = record;
      records.push_back(record);
    }
    summary.push_back(summarise(profile_name, records));
  }

  if (options.find_limit) {
    if (!unlimited_run) {
      std::cerr << "[find-limit] an unlimited run first\n";
      bool interrupted = false;
      const nlohmann::json record = plan.run_once({"ram", std::nullopt, timeout_seconds}, nullptr, 1, 1, interrupted);
      if (interrupted) return interrupted_exit();
      keep(record);
      if (record.at("outcome") == "ok") unlimited_run = record;
    }
    if (!unlimited_run || !unlimited_run->contains("tree_peak_bytes")) {
      std::cerr << "oomlab: --find-limit needs a run that succeeds without a limit; it did not\n";
      ++failures;
    } else {
      const std::uint64_t tree_peak_bytes = unlimited_run->at("tree_peak_bytes");
      const std::uint64_t tolerance_bytes = std::max<std::uint64_t>(kFindLimitToleranceBytes, tree_peak_bytes / 16);
      const double cap_seconds = std::max(kFindLimitMinimumCapSeconds,
                                          kFindLimitTimeFactor * running_seconds(*unlimited_run));
      // Invariant: the command succeeds under `succeeds_bytes` and fails under `fails_bytes` (16 MiB,
      // the smallest limit oomlab sets, is taken as failing without a probe).
      std::uint64_t fails_bytes = 16 * kMiB;
      std::uint64_t succeeds_bytes = (tree_peak_bytes + kMiB - 1) / kMiB * kMiB;
      int probes = 0;
      const auto probe = [&](std::uint64_t limit_bytes, bool& interrupted) {
        ++probes;
        std::cerr << "[find-limit] " << mib_text(static_cast<double>(limit_bytes)) << " … " << std::flush;
        const nlohmann::json record =
            plan.run_once({"none", limit_bytes, cap_seconds, true}, nullptr, 1, 1, interrupted);
        if (interrupted) return false;
        keep(record);
        std::cerr << record.at("outcome").get<std::string>() << "\n";
        return record.at("outcome") == "ok";
      };
      bool interrupted = false;
      // The peak itself is not always enough (the kernel reclaims before the limit): widen until it is.
      while (!probe(succeeds_bytes, interrupted)) {
        if (interrupted) return interrupted_exit();
        fails_bytes = succeeds_bytes;
        succeeds_bytes *= 2;
        if (succeeds_bytes > 4 * tree_peak_bytes + 64 * kMiB) break;
      }
      if (interrupted) return interrupted_exit();
      while (succeeds_bytes - fails_bytes > tolerance_bytes) {
        const std::uint64_t middle_bytes = (fails_bytes + succeeds_bytes) / 2 / kMiB * kMiB;
        if (middle_bytes <= fails_bytes || middle_bytes >= succeeds_bytes) break;
        (probe(middle_bytes, interrupted) ? succeeds_bytes : fails_bytes) = middle_bytes;
        if (interrupted) return interrupted_exit();
      }
      const nlohmann::json answer = {{"find_limit", {{"smallest_limit_bytes", succeeds_bytes},
                                                     {"largest_failing_limit_bytes", fails_bytes},
                                                     {"tolerance_bytes", tolerance_bytes},
                                                     {"probes", probes},
                                                     {"tree_peak_bytes", tree_peak_bytes}}}};
      if (options.json_output) std::cout << answer.dump() << std::endl;
      std::cerr << "oomlab: smallest memory limit (no swap) at which it succeeds: " << mib_text(static_cast<double>(succeeds_bytes))
                << " (it fails at " << mib_text(static_cast<double>(fails_bytes)) << "; " << probes
                << " probes); its tree peak without a limit: " << mib_text(static_cast<double>(tree_peak_bytes)) << "\n";
    }
  }

  if (!summary.empty()) print_summary(plan.joined_command(), summary);
  std::cerr << "  records: " << record_file.string() << "\n";
  if (options.html_file) {
    // The page is drawn by the report's Python (matplotlib), in a process of its own after the runs.
    const std::vector<std::string> page_command = {build_info::python_executable,
                                                   (options.source_dir / "report" / "measure_page.py").string(),
                                                   record_file.string(), "--out", options.html_file->string()};
    if (run_and_wait(page_command) != 0) {
      std::cerr << "oomlab: could not write " << options.html_file->string() << "\n";
      ++failures;
    } else {
      std::cerr << "  page: " << options.html_file->string() << "\n";
    }
  }
  return failures == 0 ? 0 : 1;
}

}  // namespace oomlab
