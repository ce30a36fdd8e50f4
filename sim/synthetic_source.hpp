#pragma once
// Private to sim/: synthetic arrivals (poisson, diurnal, spike) as an exact non-homogeneous Poisson process.
#include <cstdint>

#include "sim/arrival_source.hpp"
#include "sim/rng.hpp"
#include "sim/token_draw.hpp"

namespace servesim::sim {

// Candidates come from a homogeneous Poisson process at the maximum rate and are kept with probability
// rate(t)/max (thinning, Lewis & Shedler 1979), which is exact for any bounded rate. For `poisson` the rate
// is constant and every candidate is kept: interarrival times are exponential with mean 1/rate_rps. start_s,
// duration_s and time_compression are trace options and do not apply here. With the workload's "tokens" each
// arrival's token counts come from a TokenDraw (independent, correlated, or trace pairs).
class SyntheticSource final : public ArrivalSource {
 public:
  // Throws InputError for a rate, period, amplitude or duration out of range.
  SyntheticSource(const WorkloadSpec& spec, uint64_t seed);

  bool next(double& t_s) override;
  double duration_s() const override { return duration_s_; }
  RequestTokens tokens() const override { return tokens_; }

  // Arrival rate at time t [requests/s].
  double rate_rps(double t_s) const;

 private:
  WorkloadSpec spec_;
  double max_rate_rps_;
  double duration_s_;
  double t_s_ = 0;
  bool is_done_ = false;
  Rng rng_;
  // Token counts come from their own stream, so that drawing them leaves the arrival times unchanged.
  Rng token_rng_;
  TokenDraw token_draw_;
  RequestTokens tokens_;  // of the arrival next() returned last
};

}  // namespace servesim::sim
