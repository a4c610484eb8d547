// Ctrl-C and SIGTERM in the parent: they only raise a flag. The measurement loop sees it within
// one sampling interval, kills the child's process group, and the run ends cleanly (records already
// written stay, nothing half-written, nothing left running).
#pragma once

namespace oomlab {

// Installs handlers for SIGINT, SIGTERM and SIGHUP that set the flag.
void install_interrupt_handlers();

// True once one of those signals arrived.
bool interrupt_requested();

// The signal that arrived (0 if none); the exit code is 128 + it, as a shell expects.
int interrupt_signal();

}  // namespace oomlab
