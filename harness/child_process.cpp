// fork + exec of a measurement child, the watch loop, and the end of its process group.
#include "child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/mman.h>
#include <linux/magic.h>
#include <linux/sched.h>
#include <sys/prctl.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <optional>

extern char** environ;

#include "cgroup.hpp"
#include "interrupt.hpp"
#include "measured_run.hpp"
#include "proc_memory.hpp"
#include "report_channel.hpp"
#include "rss_sampler.hpp"

namespace oomlab {
namespace {

constexpr int kReportFd = 3;
constexpr int kTreeSampleRequestFd = 4;
constexpr int kTreeSampleAckFd = 5;
// How long a child may take to exit once its report has arrived, before the parent ends it.
constexpr std::chrono::seconds kExitGrace{2};
constexpr int kReportPipeBytes = 1 << 20;

// The parent's CPU time in nanoseconds of the scheduler's own clock: getrusage's user/system split
// is scaled from ticks, too coarse for the few hundred microseconds a short child costs to watch.
double cpu_seconds_of_self() {
  timespec cpu{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
  return cpu.tv_sec + cpu.tv_nsec / 1e9;
}

// In the new child, before exec: a process group of its own, death with the parent, default
// signal handling, the cgroups joined, and `pipe_fd` moved to `target_fd`. Everything it needs was
// prepared before the child was made (argv and envp included), and only async-signal-safe calls
// are made here: the child shares the parent's memory until it execs (see spawn_child).
struct ExecPlan {
  std::string program;  // the path execve() is given
  std::string program_name;
  bool stdout_to_stderr = false;
  std::vector<std::string> arguments;
  std::vector<std::string> cgroup_procs_files;
  bool born_in_cgroup = false;  // clone3 put the child in its (one, v2) cgroup: nothing to join
  std::vector<std::string> environment;
  std::vector<std::pair<int, int>> extra_fds;  // (fd now, fd in the child)
  std::vector<char*> argv, envp;               // pointers into the above, made by point_into()
  sigset_t parent_signal_mask{};               // restored in the child just before exec

  void point_into() {
    argv = {const_cast<char*>(program_name.c_str())};
    for (const std::string& argument : arguments) argv.push_back(const_cast<char*>(argument.c_str()));
    argv.push_back(nullptr);
    envp.clear();
    for (const std::string& entry : environment) envp.push_back(const_cast<char*>(entry.c_str()));
    envp.push_back(nullptr);
  }
};

[[noreturn]] void exec_self(const ExecPlan& plan, int pipe_fd, int target_fd, pid_t parent) {
  ::setpgid(0, 0);
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  // A parent killed before the line above sends no signal: the child would run on outside the
  // run's cgroup, which it has not joined yet, and no cleanup would find it.
  if (::getppid() != parent) ::_exit(126);
  restore_signals_in_child();
  // Move every source above the targets first, so no dup2 overwrites a source not yet moved.
  constexpr int kAboveTargets = 100;
  ::dup2(::fcntl(pipe_fd, F_DUPFD_CLOEXEC, kAboveTargets), target_fd);
  int moved[4];
  const std::size_t extra = std::min<std::size_t>(plan.extra_fds.size(), 4);
  for (std::size_t i = 0; i < extra; ++i) moved[i] = ::fcntl(plan.extra_fds[i].first, F_DUPFD_CLOEXEC, kAboveTargets);
  for (std::size_t i = 0; i < extra; ++i) ::dup2(moved[i], plan.extra_fds[i].second);
  // A variant's or an experiment module's print() must not end up in oomlab's stdout (one JSON
  // record per line with --json): the child's stdout is the parent's stderr. Answers and reports
  // travel on their own pipe. A measured command keeps its stdout unless --json wants it.
  if (plan.stdout_to_stderr) ::dup2(STDERR_FILENO, STDOUT_FILENO);
  for (const std::string& procs_file : plan.born_in_cgroup ? std::vector<std::string>{} : plan.cgroup_procs_files) {
    // "0" moves the writing process itself.
    const int fd = ::open(procs_file.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0 || ::write(fd, "0", 1) != 1) {
      static const char kReport[] = "{\"outcome\":\"error\",\"reason\":\"the child could not join its cgroup\"}\n";
      [[maybe_unused]] const ssize_t ignored = ::write(target_fd, kReport, sizeof(kReport) - 1);
      ::_exit(125);
    }
    ::close(fd);
  }
  ::sigprocmask(SIG_SETMASK, &plan.parent_signal_mask, nullptr);  // handlers are default by now
  ::execve(plan.program.c_str(), plan.argv.data(), plan.envp.data());
  // The parent checked the program before it forked; this is a race (removed since) or a refusal.
  static const char kReport[] = "{\"outcome\":\"error\",\"reason\":\"exec failed\"}\n";
  [[maybe_unused]] const ssize_t ignored = ::write(target_fd, kReport, sizeof(kReport) - 1);
  ::_exit(127);
}

ExecPlan make_plan(const std::vector<std::string>& arguments, const ChildLimits& limits) {
  ExecPlan plan;
  plan.program = limits.program.empty() ? "/proc/self/exe" : limits.program;
  plan.program_name = limits.program_name;
  plan.stdout_to_stderr = limits.stdout_to_stderr;
  plan.arguments = arguments;
  plan.cgroup_procs_files = limits.cgroup_procs_files;
  std::vector<std::string> inherited;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string text = *entry;
    const std::string name = text.substr(0, text.find('='));
    // Only the harness sets these, and only for the run they describe: a caller's stale one would
    // make a child reset a foreign cgroup's peak or write to someone else's file descriptors.
    if (name == kCgroupEnvironmentVariable || name == kTreeSampleFdsVariable) continue;
    inherited.push_back(text);
  }
  std::vector<std::string> harness_entries = limits.extra_environment;
  if (!limits.report_fd_variable.empty()) {
    harness_entries.push_back(limits.report_fd_variable + "=" + std::to_string(kReportFd));
  }
  plan.environment = merged_environment(inherited, harness_entries);
  return plan;
}

struct SpawnRequest {
  const ExecPlan* plan;
  int pipe_fd;        // becomes target_fd in the child
  int close_in_child; // the parent's end of that pipe
  int target_fd;
  pid_t parent;       // the parent's pid, taken before the child was made
};

int child_entry(void* raw) {
  const auto* request = static_cast<const SpawnRequest*>(raw);
  ::close(request->close_in_child);
  exec_self(*request->plan, request->pipe_fd, request->target_fd, request->parent);
}

// On cgroup v2, the child can be born in its cgroup (clone3's CLONE_INTO_CGROUP, Linux 5.7). Moving
// it there afterwards, by a write to cgroup.procs, takes the kernel's cgroup_threadgroup_rwsem for
// writing and waits out an RCU grace period: 18 ms of each `oomlab measure -- true` on this machine
// (v1, where there is no other way), most of what oomlab adds to a short command. No CLONE_VM here:
// glibc 2.36 has no clone3 wrapper, and a raw clone3 child that shares the parent's memory cannot
// leave the parent's stack frame. So the child is a copy-on-write fork, still paused-until-exec
// (CLONE_VFORK). Nothing when the run has no single v2 cgroup or the kernel refuses (then the
// caller spawns as below); otherwise the pid, or -1 with errno.
std::optional<pid_t> spawn_into_cgroup(ExecPlan& plan, int pipe_fd, int close_in_child, int target_fd) {
  if (plan.cgroup_procs_files.size() != 1) return std::nullopt;
  const std::string directory = std::filesystem::path(plan.cgroup_procs_files.front()).parent_path();
  struct statfs filesystem {};
  if (::statfs(directory.c_str(), &filesystem) != 0 || filesystem.f_type != CGROUP2_SUPER_MAGIC) return std::nullopt;
  const int cgroup_fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (cgroup_fd < 0) return std::nullopt;
  clone_args arguments{};
  arguments.flags = CLONE_VFORK | CLONE_INTO_CGROUP;
  arguments.exit_signal = SIGCHLD;
  arguments.cgroup = static_cast<std::uint64_t>(cgroup_fd);
  const pid_t parent = ::getpid();
  const long pid = ::syscall(SYS_clone3, &arguments, sizeof(arguments));
  if (pid == 0) {
    plan.born_in_cgroup = true;  // the child's own copy
    ::close(close_in_child);
    exec_self(plan, pipe_fd, target_fd, parent);
  }
  const int saved_errno = errno;
  ::close(cgroup_fd);
  if (pid < 0 && (saved_errno == ENOSYS || saved_errno == EINVAL || saved_errno == E2BIG || saved_errno == EOPNOTSUPP)) {
    return std::nullopt;  // a kernel before 5.7, or one that refuses it for this cgroup
  }
  errno = saved_errno;
  return static_cast<pid_t>(pid);
}

// Starts the child as posix_spawn does: clone(CLONE_VM | CLONE_VFORK) on a stack of its own, the
// parent paused until the child has exec'd. A fork() would make every page of the parent
// copy-on-write, and the parent would pay a page copy for each page it writes while it watches:
// most of the watching cost of a child that lives a few milliseconds. Signals are held back around
// it, so no handler of the parent runs in the child while they share memory.
// Parent: -1 with errno on failure.
pid_t clone_child(ExecPlan& plan, int pipe_fd, int close_in_child, int target_fd) {
  if (const std::optional<pid_t> pid = spawn_into_cgroup(plan, pipe_fd, close_in_child, target_fd)) return *pid;
  constexpr std::size_t kStackBytes = 256 * 1024;
  void* stack = ::mmap(nullptr, kStackBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stack == MAP_FAILED) return -1;
  SpawnRequest request{&plan, pipe_fd, close_in_child, target_fd, ::getpid()};
  const pid_t pid = ::clone(child_entry, static_cast<char*>(stack) + kStackBytes, CLONE_VM | CLONE_VFORK | SIGCHLD, &request);
  const int saved_errno = errno;
  ::munmap(stack, kStackBytes);
  errno = saved_errno;
  return pid;
}

// Starts the child in a process group of its own and makes that group the one Ctrl-Z stops with
// the parent (the caller clears it once the child is reaped). Signals stay held until the group is
// registered: a Ctrl-Z that came between the child's start and its registration would stop the
// parent alone, and the child would run on, its time counted against the cap. -1 with errno.
pid_t spawn_child(ExecPlan& plan, int pipe_fd, int close_in_child, int target_fd) {
  plan.point_into();
  sigset_t all;
  sigfillset(&all);
  ::sigprocmask(SIG_SETMASK, &all, &plan.parent_signal_mask);
  const pid_t pid = clone_child(plan, pipe_fd, close_in_child, target_fd);
  const int saved_errno = errno;
  if (pid > 0) {
    ::setpgid(pid, pid);  // also done in the child; whichever runs first wins the race
    set_stoppable_child_group(pid);
  }
  ::sigprocmask(SIG_SETMASK, &plan.parent_signal_mask, nullptr);  // a Ctrl-Z held back arrives now
  errno = saved_errno;
  return pid;
}

void drain(int fd, std::string& into) {
  char buffer[65536];
  while (true) {
    const ssize_t count = ::read(fd, buffer, sizeof(buffer));
    if (count > 0) {
      into.append(buffer, static_cast<std::size_t>(count));
    } else if (count < 0 && errno == EINTR) {
      continue;
    } else {
      return;  // EAGAIN (nothing yet) or EOF
    }
  }
}

}  // namespace

std::vector<std::string> merged_environment(const std::vector<std::string>& inherited,
                                            const std::vector<std::string>& harness_entries) {
  const auto name_of = [](const std::string& entry) { return entry.substr(0, entry.find('=')); };
  std::vector<std::string> merged;
  for (const std::string& entry : inherited) {
    const std::string name = name_of(entry);
    const bool overridden = std::any_of(harness_entries.begin(), harness_entries.end(),
                                        [&](const std::string& ours) { return name_of(ours) == name; });
    if (!overridden) merged.push_back(entry);
  }
  for (const std::string& entry : harness_entries) {
    const std::string name = name_of(entry);
    merged.erase(std::remove_if(merged.begin(), merged.end(),
                                [&](const std::string& earlier) { return name_of(earlier) == name; }),
                 merged.end());  // the last one wins
    merged.push_back(entry);
  }
  return merged;
}

ChildResult run_measured_child(const std::vector<std::string>& arguments, const ChildLimits& limits) {
  ChildResult result;
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    result.spawn_error = std::string("pipe: ") + std::strerror(errno);
    return result;
  }
  ExecPlan plan = make_plan(arguments, limits);
  // The sample-request pipes of a tree run: the child writes requests, the parent answers.
  int request_fds[2] = {-1, -1}, ack_fds[2] = {-1, -1};
  if (limits.tree_sample_requests && ::pipe2(request_fds, O_CLOEXEC) == 0 && ::pipe2(ack_fds, O_CLOEXEC) == 0) {
    plan.extra_fds = {{request_fds[1], kTreeSampleRequestFd}, {ack_fds[0], kTreeSampleAckFd}};
    plan.environment = merged_environment(plan.environment, {std::string(kTreeSampleFdsVariable) + "=" +
                                                             std::to_string(kTreeSampleRequestFd) + "," +
                                                             std::to_string(kTreeSampleAckFd)});
  }
  const auto oom_kills_before = read_vmstat_counter("oom_kill");
  const auto started_at = std::chrono::steady_clock::now();
  // Read before the start: a Ctrl-Z held back during it stops us as soon as the child is made.
  const double stopped_seconds_before = stopped_seconds_total();
  // dup2 clears FD_CLOEXEC on the copy, so the report pipe survives the exec as fd 3.
  const pid_t pid = spawn_child(plan, pipe_fds[1], pipe_fds[0], kReportFd);
  if (pid < 0) {
    result.spawn_error = std::string("clone: ") + std::strerror(errno);
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    return result;
  }
  // From here on the parent's CPU time is the watching (sampling, polling), not the start itself.
  const double parent_cpu_before = cpu_seconds_of_self();
  ::close(pipe_fds[1]);
  if (request_fds[1] >= 0) ::close(request_fds[1]);
  if (ack_fds[0] >= 0) ::close(ack_fds[0]);
  ::fcntl(pipe_fds[0], F_SETFL, O_NONBLOCK);
  // The report pipe is read at each sample, not the moment something arrives: a wake-up costs the
  // parent more than a sample does (see ChildLimits::sample_interval), and a child writes a progress
  // note every 20 ms at most. A pipe of 1 MiB (the unprivileged maximum) holds what comes between two
  // samples, so the child never waits for the parent; where it cannot be enlarged, the parent wakes
  // for each write as before.
  const bool report_read_at_samples = ::fcntl(pipe_fds[0], F_SETPIPE_SZ, kReportPipeBytes) >= kReportPipeBytes;

  std::string report_text;  // everything the child writes to its report pipe (see report_channel.hpp)
  RssSampler sampler(pid, started_at, limits.sampler);
  const auto deadline = started_at + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                         std::chrono::duration<double>(limits.timeout_seconds));
  // One ppoll per sample both waits and watches: it returns early when the child exits (its pidfd
  // becomes readable) or writes its report. Two syscalls per sample keep the watcher's cost low.
  // (glibc 2.36's <sys/pidfd.h> lacks C linkage for C++, hence the raw syscall.)
  const int pid_fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  int status = 0;
  bool kill_sent = false;
  bool report_closed = false;
  bool outcome_seen = false;  // the report's key has arrived (maybe not yet its whole line)
  std::optional<std::chrono::steady_clock::time_point> report_arrived_at;
  // Samples follow a fixed schedule (start + k * interval), so a late wake-up does not stretch
  // every later interval.
  auto next_sample = std::chrono::steady_clock::now();
  double parent_cpu_at_last_wait = parent_cpu_before;
  double snapshot_cpu_seconds = 0;  // see the tree-sample requests below
  // Everything the report pipe holds now: progress notes, and once, the final report.
  const auto read_report = [&] {
    const std::size_t scanned = report_text.size();
    drain(pipe_fds[0], report_text);
    // Only the final report has an "outcome": look for it in what just came (progress notes come
    // every 20 ms, so parsing everything on each read would grow with the run), then confirm.
    // The report may come in pieces: once its key was seen, parse until it is whole.
    constexpr std::size_t kKeyLength = sizeof("\"outcome\"") - 1;
    if (!outcome_seen) {
      outcome_seen = report_text.find("\"outcome\"", scanned > kKeyLength ? scanned - kKeyLength : 0) != std::string::npos;
    }
    if (outcome_seen && !report_arrived_at && read_messages(report_text).report.is_object()) {
      report_arrived_at = std::chrono::steady_clock::now();
    }
  };
  while (true) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= next_sample) {
      sampler.sample();
      while (next_sample <= now) next_sample += limits.sample_interval;
      if (report_read_at_samples) read_report();
    }
    const auto wait_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(next_sample - now).count();
    const timespec wait{wait_ns / 1000000000, wait_ns % 1000000000};
    // The report pipe (unless it is read at samples; a closed pipe polls as "hung up" forever, so it
    // is no longer watched), the tree-sample requests, the child's exit (poll skips negative fds).
    const bool watch_report = !report_read_at_samples && !report_closed;
    pollfd watched[3] = {{watch_report ? pipe_fds[0] : -1, POLLIN, 0},
                         {request_fds[0], POLLIN, 0},
                         {pid_fd, POLLIN, 0}};
    // The wake-up at the child's exit, the reaping and the last read follow any parent that waits
    // for a child, watching or not: the watcher's cost ends where the last wait begins.
    parent_cpu_at_last_wait = cpu_seconds_of_self();
    ::ppoll(watched, 3, &wait, nullptr);
    if (watched[0].revents & POLLIN) read_report();
    if (watched[0].revents & (POLLHUP | POLLERR)) report_closed = true;
    if (watched[1].revents & POLLIN) {
      char requests[64];
      const ssize_t count = ::read(request_fds[0], requests, sizeof(requests));
      if (count > 0) {
        // A full snapshot (PSS walks every page table of the tree) that the child asked for while it
        // holds a plateau and waits for the answer: counted apart from the periodic watching.
        const double cpu_before_snapshot = cpu_seconds_of_self();
        sampler.sample_everything();
        snapshot_cpu_seconds += cpu_seconds_of_self() - cpu_before_snapshot;
        [[maybe_unused]] const ssize_t answered = ::write(ack_fds[1], requests, static_cast<std::size_t>(count));
      }
    }
    if (watched[1].revents & (POLLHUP | POLLERR)) {
      ::close(request_fds[0]);
      request_fds[0] = -1;
    }
    if (pid_fd < 0 || watched[2].revents != 0) {
      const pid_t reaped = ::wait4(pid, &status, WNOHANG, &result.usage);
      if (reaped == pid) break;
      if (reaped < 0 && errno != EINTR) break;
    }
    if (!kill_sent && interrupt_requested()) {
      result.interrupted = true;
      ::kill(-pid, SIGKILL);
      kill_sent = true;
    }
    // Time spent stopped by Ctrl-Z is not running time: the deadline moves by it.
    const auto stopped = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(stopped_seconds_total() - stopped_seconds_before));
    if (!kill_sent && report_arrived_at && std::chrono::steady_clock::now() > *report_arrived_at + stopped + kExitGrace) {
      // The result is in; what keeps the child alive (a non-daemon thread, an atexit hook) is not the
      // variant's work, and must not turn an ok into a timeout.
      result.killed_after_report = true;
      ::kill(-pid, SIGKILL);
      kill_sent = true;
    }
    if (!kill_sent && std::chrono::steady_clock::now() > deadline + stopped) {
      result.timed_out = true;
      ::kill(-pid, SIGKILL);
      kill_sent = true;
    }
  }
  set_stoppable_child_group(0);
  if (pid_fd >= 0) ::close(pid_fd);
  for (const int fd : {request_fds[0], ack_fds[1]}) {
    if (fd >= 0) ::close(fd);
  }
  const auto ended_at = std::chrono::steady_clock::now();
  // Whatever the child left running in its group (forgotten workers) goes with it.
  ::kill(-pid, SIGKILL);
  drain(pipe_fds[0], report_text);
  ::close(pipe_fds[0]);

  result.child_wall_seconds = std::chrono::duration<double>(ended_at - started_at).count();
  result.stopped_seconds = stopped_seconds_total() - stopped_seconds_before;
  result.snapshot_cpu_seconds = snapshot_cpu_seconds;
  result.sampler_cpu_seconds = std::max(0.0, parent_cpu_at_last_wait - parent_cpu_before - snapshot_cpu_seconds);
  result.exited = WIFEXITED(status);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.term_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  const auto oom_kills_after = read_vmstat_counter("oom_kill");
  result.oom_kill_seen = oom_kills_before && oom_kills_after && *oom_kills_after > *oom_kills_before;

  ChildMessages messages = read_messages(report_text);
  result.report = std::move(messages.report);
  result.progress = std::move(messages.progress);
  double run_start = 0, run_end = 0;
  if (result.report.is_object()) {
    run_start = result.report.value("run_start_monotonic_seconds", 0.0);
    run_end = result.report.value("run_end_monotonic_seconds", 0.0);
  }
  result.timeline = sampler.timeline(limits.timeline_max_points, run_start, run_end);
  result.tree_peaks = sampler.tree_peaks(run_start, run_end);
  result.cgroup_sampled_peak = sampler.cgroup_sampled_peak();
  result.zram_peak = sampler.zram_peak();
  result.sample_count = sampler.sample_count();
  return result;
}

std::string capture_child_answer(const std::vector<std::string>& arguments, int& exit_code, double timeout_seconds) {
  ExecPlan plan = make_plan(arguments, ChildLimits{});
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    exit_code = -1;
    return "";
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                               std::chrono::duration<double>(timeout_seconds));
  const double stopped_seconds_before = stopped_seconds_total();
  const pid_t pid = spawn_child(plan, pipe_fds[1], pipe_fds[0], kReportFd);
  if (pid < 0) {
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    exit_code = -1;
    return "";
  }
  ::close(pipe_fds[1]);
  std::string output;
  bool timed_out = false;
  while (true) {
    // As for a measurement child, time stopped by Ctrl-Z does not count against the cap.
    const auto stopped = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(stopped_seconds_total() - stopped_seconds_before));
    const auto left_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline + stopped - std::chrono::steady_clock::now()).count();
    if (left_ms <= 0) {
      timed_out = true;
      break;
    }
    pollfd answer{pipe_fds[0], POLLIN, 0};
    const int ready = ::poll(&answer, 1, static_cast<int>(std::min<long long>(left_ms, 1000)));
    if (ready <= 0) continue;  // EINTR or nothing yet: the deadline decides
    char buffer[65536];
    const ssize_t count = ::read(pipe_fds[0], buffer, sizeof(buffer));
    if (count == 0) break;  // the child closed it: done
    if (count < 0 && errno != EINTR) break;
    if (count > 0) output.append(buffer, static_cast<std::size_t>(count));
  }
  ::close(pipe_fds[0]);
  if (timed_out) ::kill(-pid, SIGKILL);
  int status = 0;
  // The answer is in (the pipe closed): an interpreter whose shutdown hangs (a thread an import
  // started) gets the same grace as a measurement child, then is ended.
  const auto grace_ends = std::chrono::steady_clock::now() + kExitGrace;
  bool reaped = false;
  while (!timed_out && !reaped && std::chrono::steady_clock::now() < grace_ends) {
    const pid_t answer = ::waitpid(pid, &status, WNOHANG);
    reaped = answer == pid || (answer < 0 && errno != EINTR);
    if (!reaped) ::usleep(10000);
  }
  const bool killed_after_answer = !timed_out && !reaped;
  if (!reaped) ::kill(-pid, SIGKILL);
  while (!reaped && ::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  set_stoppable_child_group(0);
  ::kill(-pid, SIGKILL);  // anything its group started and left behind
  exit_code = timed_out             ? kChildTimedOut
              : killed_after_answer ? 0  // it answered; only its shutdown hung
              : WIFEXITED(status)   ? WEXITSTATUS(status)
                                    : 128 + WTERMSIG(status);
  return timed_out ? "" : output;
}

}  // namespace oomlab
