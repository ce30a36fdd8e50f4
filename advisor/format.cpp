#include "advisor/format.hpp"

#include <cmath>
#include <cstdio>

#include "sim/slo.hpp"

namespace servesim::advisor {

std::string num(double value) {
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buf[64];
  if (std::fabs(value) >= 1e4 && std::fabs(value) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", std::fabs(value));
    std::string digits = buf, out;
    for (size_t i = 0; i < digits.size(); ++i) {
      if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
      out += digits[i];
    }
    return (value < 0 ? "-" : "") + out;
  }
  std::snprintf(buf, sizeof buf, "%.4g", value);
  return buf;
}

std::string pct(double share, double threshold) {
  return sim::percent_text(share, threshold);
}

std::string usd(double value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, value >= 1 ? "$%.2f" : "$%.3g", value);
  return buf;
}

}  // namespace servesim::advisor
