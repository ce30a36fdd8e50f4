#include "platforms/fleet/startup_probe.hpp"

#include <algorithm>
#include <cmath>

#include "core/json_fields.hpp"

namespace servesim::platforms {

StartupProbe::Verdict StartupProbe::judge(double ready_after_s) const {
  const double deadline_s = initial_delay_s + failure_threshold * period_s;
  if (ready_after_s > deadline_s) return {false, deadline_s};
  // The first probe at or after the readiness (1e-9: a readiness on the grid is caught by that probe).
  const double k = std::max(1.0, std::ceil((ready_after_s - initial_delay_s) / period_s - 1e-9));
  return {true, initial_delay_s + k * period_s};
}

StartupProbe StartupProbe::from(const Settings& s, const std::string& key, const Limits& limits) {
  StartupProbe p;
  const nlohmann::json& v = s.structured(key);
  if (v.is_null()) return p;
  const std::string shape =
      "expected null or an object of initial_delay_s, period_s, failure_threshold, timeout_s";
  if (!v.is_object()) throw s.error(key, shape + ", got " + core::quote_json(v));
  p.enabled = true;
  auto number = [&](const std::string& field, double min, double max, bool whole, double fallback) {
    if (!v.contains(field)) return fallback;
    const nlohmann::json& x = v.at(field);
    if (!x.is_number() || !std::isfinite(x.get<double>()) || x.get<double>() < min || x.get<double>() > max ||
        (whole && x.get<double>() != std::floor(x.get<double>())))
      throw s.error_at(key, "/" + field,
                       "expected " + std::string(whole ? "a whole number " : "") + core::quote_number(min) +
                           ".." + core::quote_number(max) + ", got " + core::quote_json(x));
    return x.get<double>();
  };
  for (const auto& [field, x] : v.items()) {
    (void)x;
    if (field != "initial_delay_s" && field != "period_s" && field != "failure_threshold" &&
        field != "timeout_s")
      throw s.error_at(key, "/" + core::JsonFields::escape(field),
                       "unknown key (expected initial_delay_s, period_s, failure_threshold, timeout_s)");
  }
  p.initial_delay_s = number("initial_delay_s", 0, limits.initial_delay_max_s, false, 0);
  p.period_s = number("period_s", 1, limits.period_max_s, false, 10);
  p.failure_threshold = static_cast<uint32_t>(number("failure_threshold", 1, 1e6, true, 3));
  p.timeout_s = number("timeout_s", 1, p.period_s, false, std::min(1.0, p.period_s));
  if (limits.budget_max_s > 0 && p.failure_threshold * p.period_s > limits.budget_max_s)
    throw s.error_at(key, "/failure_threshold",
                     "expected failure_threshold x period_s of at most " +
                         core::quote_number(limits.budget_max_s) + " s, got " +
                         core::quote_number(p.failure_threshold * p.period_s) + " s");
  return p;
}

}  // namespace servesim::platforms
