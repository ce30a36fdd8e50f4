#pragma once
// The bare-loop baseline: the same Lambda accounting as the ServeSim model, in plain C++ with no simulator
// and no abstraction: Poisson-within-second arrivals from a rate trace, most-recently-freed warm reuse,
// keep-alive reclaim, a constant cold-start overhead, 1 ms GB-s billing, cold-start count and peak instances.
// It is what the hardware allows; ServeSim's overhead on top of it is what we optimise.
#include <cstdint>
#include <string>

namespace servesim::bench {

struct BareLambdaResult {
  uint64_t requests = 0, cold_starts = 0, peak_instances = 0;
  double cost_usd = 0;
};

struct BareLambdaConfig {
  std::string trace_path;
  uint64_t seed = 1;
  double memory_gb = 2.0;
  double service_mean_s = 0.045, service_p99_s = 0.120;  // lognormal
  double cold_start_s = 1.5;
  double keep_alive_s = 600;
  double price_usd_per_gb_s = 0.0000166667, price_usd_per_request = 0.2e-6;
};

BareLambdaResult run_bare_lambda(const BareLambdaConfig& config);

}  // namespace servesim::bench
