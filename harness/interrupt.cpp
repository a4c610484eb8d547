// The signal flag behind interrupt_requested(), and Ctrl-Z handling for the parent and its child.
#include "interrupt.hpp"

#include <signal.h>
#include <time.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <initializer_list>

namespace oomlab {
namespace {

volatile std::sig_atomic_t received_signal = 0;
volatile std::sig_atomic_t stoppable_group = 0;
// Nanoseconds stopped; lock-free, so the SIGTSTP handler may add to it.
std::atomic<long long> stopped_nanoseconds{0};
static_assert(std::atomic<long long>::is_always_lock_free);

constexpr int kFlagSignals[] = {SIGINT, SIGTERM, SIGHUP};
// Whether each of kFlagSignals and SIGTSTP was ignored at start (nohup), so a child inherits that too.
bool ignored_at_start[NSIG] = {};
bool handlers_installed = false;

long long monotonic_nanoseconds() {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);  // async-signal-safe
  return static_cast<long long>(now.tv_sec) * 1'000'000'000LL + now.tv_nsec;
}

void on_flag_signal(int signal_number) { received_signal = signal_number; }

// Ctrl-Z: stop the child's group, then this process, the way the default action would; on SIGCONT
// resume the child's group. Every call here is async-signal-safe.
void on_stop_signal(int) {
  const int saved_errno = errno;
  const pid_t group = stoppable_group;
  if (group > 0) ::kill(-group, SIGSTOP);
  const long long stopped_at = monotonic_nanoseconds();
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  sigemptyset(&default_action.sa_mask);
  struct sigaction ours {};
  ::sigaction(SIGTSTP, &default_action, &ours);
  sigset_t just_tstp;
  sigemptyset(&just_tstp);
  sigaddset(&just_tstp, SIGTSTP);
  ::sigprocmask(SIG_UNBLOCK, &just_tstp, nullptr);
  ::raise(SIGTSTP);  // stops here until SIGCONT
  ::sigaction(SIGTSTP, &ours, nullptr);
  if (group > 0) ::kill(-group, SIGCONT);
  stopped_nanoseconds += monotonic_nanoseconds() - stopped_at;
  errno = saved_errno;
}

bool is_ignored(int signal_number) {
  struct sigaction current {};
  ::sigaction(signal_number, nullptr, &current);
  return current.sa_handler == SIG_IGN;
}

void install(int signal_number, void (*handler)(int)) {
  if (ignored_at_start[signal_number]) return;
  struct sigaction action {};
  action.sa_handler = handler;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: a sleeping loop wakes up at once
  ::sigaction(signal_number, &action, nullptr);
}

}  // namespace

void install_interrupt_handlers() {
  if (!handlers_installed) {
    // Only the first look is the state at start: later ones would see our own handlers.
    for (const int signal_number : kFlagSignals) ignored_at_start[signal_number] = is_ignored(signal_number);
    ignored_at_start[SIGTSTP] = is_ignored(SIGTSTP);
    handlers_installed = true;
  }
  for (const int signal_number : kFlagSignals) install(signal_number, on_flag_signal);
  install(SIGTSTP, on_stop_signal);
  // A closed stdout or stderr (`oomlab run … --json | head -n1`) must not kill the parent between
  // swapon and swapoff: writes fail with EPIPE instead, and the runner ends the run with teardown.
  ::signal(SIGPIPE, SIG_IGN);
}

bool interrupt_requested() { return received_signal != 0; }

int interrupt_signal() { return received_signal; }

void request_interrupt(int signal_number) {
  if (received_signal == 0) received_signal = signal_number;
}

void set_stoppable_child_group(pid_t process_group) { stoppable_group = process_group; }

double stopped_seconds_total() { return static_cast<double>(stopped_nanoseconds.load()) / 1e9; }

void restore_signals_in_child() {
  struct sigaction action {};
  sigemptyset(&action.sa_mask);
  action.sa_handler = SIG_DFL;
  // Ours go back to the default; one ignored at start (nohup) stays ignored, as it was before we ran.
  if (handlers_installed) {
    for (const int signal_number : {SIGINT, SIGTERM, SIGHUP, SIGTSTP}) {
      if (!ignored_at_start[signal_number]) ::sigaction(signal_number, &action, nullptr);
    }
  }
  ::sigaction(SIGPIPE, &action, nullptr);
}

}  // namespace oomlab
