#pragma once
// A process-wide request to stop, made by SIGINT or SIGTERM. The signal handler only stores the signal number
// in a lock-free atomic; the simulation loop, the output folder's commit and the sweep's worker loop read it
// and throw Interrupted, so that the stack unwinds and temporary files and folders are removed on the way.
//
//   core::install_interrupt_handlers();       // once, at the start of main()
//   ...                                       // long work that calls core::throw_if_interrupted()
//   catch (const core::Interrupted& e) { return 128 + e.signal_number(); }
#include <stdexcept>
#include <string>

namespace servesim::core {

// Thrown where the work notices a stop request. detail() says what became of the outputs.
class Interrupted : public std::runtime_error {
 public:
  explicit Interrupted(int signal_number, const std::string& detail = "nothing was written");
  int signal_number() const { return signal_number_; }
  const std::string& detail() const { return detail_; }

 private:
  int signal_number_;
  std::string detail_;
};

// SIGINT and SIGTERM record a stop request (system calls are restarted). A second signal while the first is
// being handled ends the process at once, as the default action would (a stuck run can still be stopped).
void install_interrupt_handlers();
// The signal that asked to stop, 0 when none did.
int interrupt_signal() noexcept;
// Records a stop request as the handler does (for tests and for callers that stop on their own).
void request_interrupt(int signal_number) noexcept;
// Throws Interrupted when a stop was requested.
void throw_if_interrupted();
// "SIGINT", "SIGTERM", else "signal N".
std::string signal_name(int signal_number);

}  // namespace servesim::core
