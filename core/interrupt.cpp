#include "core/interrupt.hpp"

#include <atomic>
#include <csignal>

namespace servesim::core {
namespace {

std::atomic<int> g_signal{0};
static_assert(std::atomic<int>::is_always_lock_free, "a signal handler may only touch a lock-free atomic");

extern "C" void on_stop_signal(int signal_number) {
  int none = 0;
  if (g_signal.compare_exchange_strong(none, signal_number)) return;
  // Asked twice: the run is not unwinding fast enough for the user; die as the default action would.
  std::signal(signal_number, SIG_DFL);
  std::raise(signal_number);
}

}  // namespace

Interrupted::Interrupted(int signal_number, const std::string& detail)
    : std::runtime_error("interrupted (" + signal_name(signal_number) + "): " + detail),
      signal_number_(signal_number),
      detail_(detail) {}

void install_interrupt_handlers() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

int interrupt_signal() noexcept {
  return g_signal.load(std::memory_order_relaxed);
}

void request_interrupt(int signal_number) noexcept {
  int none = 0;
  g_signal.compare_exchange_strong(none, signal_number);
}

void throw_if_interrupted() {
  if (const int s = interrupt_signal()) throw Interrupted(s);
}

std::string signal_name(int signal_number) {
  if (signal_number == SIGINT) return "SIGINT";
  if (signal_number == SIGTERM) return "SIGTERM";
  return "signal " + std::to_string(signal_number);
}

}  // namespace servesim::core
