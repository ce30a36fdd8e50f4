#pragma once
// Errors in user input (scenario, trace, model, CLI arguments). The CLI prints what() as one line on stderr
// and exits with status 2. Messages name the file, the field (JSON pointer) or line, and what was expected.
// Part of core/, so every layer throws the same error (it stays in namespace servesim, as it always was).
//
//   throw servesim::input_error("s.json", "/slo/p99_ms", "expected 1..60000, got " +
//   servesim::excerpt(text));
#include <cstdio>
#include <stdexcept>
#include <string>
#include <string_view>

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

// A short, printable quotation of user-supplied text for an error line: control bytes and bytes outside
// ASCII are escaped (\n, \t, \xNN), and text longer than `max_chars` is cut there with
// "... (N bytes)" after it. Error lines quote at most this much of any file or value, so a bad 100 MB value
// or the first line of a file that is not a trace is never echoed whole.
inline std::string excerpt(std::string_view text, size_t max_chars = 40) {
  std::string out;
  const size_t shown = text.size() > max_chars ? max_chars : text.size();
  for (size_t i = 0; i < shown; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n')
      out += "\\n";
    else if (c == '\t')
      out += "\\t";
    else if (c == '\r')
      out += "\\r";
    else if (c < 0x20 || c >= 0x7f) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (shown < text.size()) out += "... (" + std::to_string(text.size()) + " bytes)";
  return out;
}

}  // namespace servesim
