#pragma once
// Text helpers the readers share (log readers, nvidia-smi's CSV).
//   core::trimmed("  a b \r\n")   // "a b"
#include <string_view>

namespace servesim::core {

// Space, tab, carriage return or line feed.
inline bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// `text` without the blanks at either end.
inline std::string_view trimmed(std::string_view text) {
  while (!text.empty() && is_blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_blank(text.back())) text.remove_suffix(1);
  return text;
}

}  // namespace servesim::core
