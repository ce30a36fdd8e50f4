#pragma once
// Errors in user input (scenario, trace, model, CLI arguments). The CLI prints what() as one line on stderr
// and exits with status 2. Messages name the file, the field (JSON pointer) or line, and what was expected.
#include <stdexcept>
#include <string>

namespace servesim {

class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// "<file>: <pointer>: expected <what>, got <value>"; pointer may be empty.
inline InputError input_error(const std::string& file, const std::string& pointer,
                              const std::string& message) {
  std::string text = file;
  if (!pointer.empty()) text += (text.empty() ? "" : ": ") + pointer;
  text += (text.empty() ? "" : ": ") + message;
  return InputError(text);
}

}  // namespace servesim
