// The signal flag behind interrupt_requested().
#include "interrupt.hpp"

#include <csignal>
#include <initializer_list>

namespace oomlab {
namespace {

volatile std::sig_atomic_t received_signal = 0;

void on_signal(int signal_number) { received_signal = signal_number; }

}  // namespace

void install_interrupt_handlers() {
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: a sleeping loop wakes up at once
  for (const int signal_number : {SIGINT, SIGTERM, SIGHUP}) sigaction(signal_number, &action, nullptr);
}

bool interrupt_requested() { return received_signal != 0; }

int interrupt_signal() { return received_signal; }

}  // namespace oomlab
