#include "reports/html_text.hpp"

#include <cmath>
#include <cstdio>

namespace servesim::reports {

std::string html_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

namespace {
// Inserts thousands separators into the integer part of a plain decimal string.
std::string group_thousands(const std::string& s) {
  size_t start = (s[0] == '-') ? 1 : 0;
  size_t dot = s.find('.');
  if (dot == std::string::npos) dot = s.size();
  std::string out = s.substr(0, start);
  for (size_t i = start; i < dot; ++i) {
    out += s[i];
    const size_t left = dot - i - 1;
    if (left > 0 && left % 3 == 0) out += ',';
  }
  return out + s.substr(dot);
}
}  // namespace

std::string format_count(double value) {
  if (!std::isfinite(value)) return "–";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.0f", value);
  return group_thousands(buf);
}

std::string format_number(double value, int significant) {
  if (!std::isfinite(value)) return "–";
  if (value == 0) return "0";
  const int magnitude = static_cast<int>(std::floor(std::log10(std::fabs(value))));
  const int decimals = std::max(0, significant - 1 - magnitude);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  std::string s = buf;
  if (s.find('.') != std::string::npos) {  // drop trailing zeros
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  return group_thousands(s);
}

std::string format_usd(double value) {
  if (!std::isfinite(value)) return "–";
  char buf[64];
  std::snprintf(buf, sizeof buf, std::fabs(value) >= 1e5 ? "%.0f" : "%.2f", std::fabs(value));
  return std::string(value < 0 ? "-$" : "$") + group_thousands(buf);
}

std::string format_bytes(double bytes) {
  const char* units[] = {"B", "kB", "MB", "GB", "TB"};
  int u = 0;
  while (std::fabs(bytes) >= 1000 && u < 4) bytes /= 1000, ++u;
  char buf[64];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", bytes, units[u]);
  return buf;
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace servesim::reports
