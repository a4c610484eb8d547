// The parent's signals. Ctrl-C, SIGTERM and SIGHUP only raise a flag: the measurement loop sees it
// within one sampling interval, kills the child's process group, and the run ends cleanly (records
// already written stay, nothing half-written, swap switched off, nothing left running). A closed
// stdout or stderr (EPIPE; SIGPIPE itself is ignored) ends the run the same way.
//
// A signal that was ignored when oomlab started (`nohup oomlab run all &`) stays ignored: the user
// asked for it. Ctrl-Z (SIGTSTP) stops the child's process group with the parent, SIGCONT resumes
// both, and the time that both spent stopped does not count against the time cap.
#pragma once

#include <sys/types.h>

namespace oomlab {

// Installs handlers for SIGINT, SIGTERM, SIGHUP (the flag) and SIGTSTP (stop with the child),
// leaving alone any of them that was ignored at start, and ignores SIGPIPE.
void install_interrupt_handlers();

// True once one of those signals arrived, or request_interrupt() was called.
bool interrupt_requested();

// The signal that arrived (0 if none); the exit code is 128 + it, as a shell expects.
int interrupt_signal();

// Ends the run as if `signal_number` had arrived: used when stdout or stderr is closed (SIGPIPE).
void request_interrupt(int signal_number);

// The process group that Ctrl-Z stops and SIGCONT resumes with the parent (0: none).
void set_stoppable_child_group(pid_t process_group);

// Seconds this process spent stopped by Ctrl-Z since it started (CLOCK_MONOTONIC): the watch loop
// subtracts the part that falls within a measurement from the time it counts against the cap.
double stopped_seconds_total();

// In a forked child before exec (async-signal-safe): every signal the parent handles goes back to
// its disposition at start (SIG_DFL, or SIG_IGN under nohup); SIGPIPE and SIGTSTP to SIG_DFL.
void restore_signals_in_child();

}  // namespace oomlab
