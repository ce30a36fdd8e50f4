// Synthetic arrivals by thinning a homogeneous Poisson process at the workload's maximum rate.
#include "sim/synthetic_source.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "core/input_error.hpp"

namespace servesim::sim {

namespace {

void check(bool is_ok, const char* field, const char* expected, double value) {
  if (is_ok) return;
  char text[32];
  std::snprintf(text, sizeof text, "%.15g", value);
  throw input_error("", std::string("/workload/") + field,
                    std::string("expected ") + expected + ", got " + text);
}

bool is_at_least(double value, double low) {
  return std::isfinite(value) && value >= low;
}

const WorkloadSpec& checked(const WorkloadSpec& spec) {
  using Kind = WorkloadSpec::Kind;
  check(is_at_least(spec.rate_rps, 0), "rate_rps", "a rate >= 0 [requests/s]", spec.rate_rps);
  check(is_at_least(spec.synthetic_duration_s, 0), "synthetic_duration_s", "a duration >= 0 [s]",
        spec.synthetic_duration_s);
  if (spec.kind == Kind::diurnal) {
    check(is_at_least(spec.period_s, 0) && spec.period_s > 0, "period_s", "a period > 0 [s]", spec.period_s);
    check(is_at_least(spec.amplitude, 0) && spec.amplitude <= 1, "amplitude",
          "a relative amplitude in [0, 1]", spec.amplitude);
  }
  if (spec.kind == Kind::spike) {
    check(is_at_least(spec.spike_factor, 0), "spike_factor", "a factor >= 0", spec.spike_factor);
    check(is_at_least(spec.spike_start_s, 0), "spike_start_s", "a time >= 0 [s]", spec.spike_start_s);
    check(is_at_least(spec.ramp_s, 0), "ramp_s", "a duration >= 0 [s]", spec.ramp_s);
    check(is_at_least(spec.spike_duration_s, 0), "spike_duration_s", "a duration >= 0 [s]",
          spec.spike_duration_s);
  }
  return spec;
}

double max_rate(const WorkloadSpec& spec) {
  switch (spec.kind) {
    case WorkloadSpec::Kind::diurnal:
      return spec.rate_rps * (1 + spec.amplitude);
    case WorkloadSpec::Kind::spike:
      return spec.rate_rps * std::max(1.0, spec.spike_factor);
    default:
      return spec.rate_rps;
  }
}

}  // namespace

uint32_t draw_request_tokens(const Distribution& distribution, Rng& rng) {
  const double value = std::round(distribution.sample(rng));
  if (!(value >= 1)) return 1;
  return value >= kMaxRequestTokens ? kMaxRequestTokens : static_cast<uint32_t>(value);
}

SyntheticSource::SyntheticSource(const WorkloadSpec& spec, uint64_t seed)
    : spec_(checked(spec)),
      max_rate_rps_(max_rate(spec)),
      duration_s_(spec.synthetic_duration_s),
      rng_(Rng::derive(seed, 3)),
      token_rng_(Rng::derive(seed, 6)),
      token_draw_(spec) {}

double SyntheticSource::rate_rps(double t_s) const {
  const double base = spec_.rate_rps;
  switch (spec_.kind) {
    case WorkloadSpec::Kind::diurnal:
      return base * (1 + spec_.amplitude * std::sin(2 * M_PI * t_s / spec_.period_s));
    case WorkloadSpec::Kind::spike: {
      const double peak = base * spec_.spike_factor;
      const double rise_end_s = spec_.spike_start_s + spec_.ramp_s;
      const double hold_end_s = rise_end_s + spec_.spike_duration_s;
      if (t_s < spec_.spike_start_s || t_s >= hold_end_s + spec_.ramp_s) return base;
      if (t_s < rise_end_s) return base + (peak - base) * (t_s - spec_.spike_start_s) / spec_.ramp_s;
      if (t_s < hold_end_s) return peak;
      return peak + (base - peak) * (t_s - hold_end_s) / spec_.ramp_s;
    }
    default:
      return base;
  }
}

bool SyntheticSource::next(double& t_s) {
  if (is_done_ || max_rate_rps_ <= 0) return false;
  const double mean_gap_s = 1.0 / max_rate_rps_;
  for (;;) {
    t_s_ += rng_.exponential(mean_gap_s);
    if (t_s_ >= duration_s_) {
      is_done_ = true;
      return false;
    }
    if (spec_.kind == WorkloadSpec::Kind::poisson || rng_.uniform() * max_rate_rps_ < rate_rps(t_s_)) {
      t_s = t_s_;
      if (token_draw_.is_on()) tokens_ = token_draw_.next(token_rng_);
      return true;
    }
  }
}

}  // namespace servesim::sim
