#pragma once
// Serving patterns as evidence beside the platform runs: an edge cache in front of the model (Zipf input
// popularity, optional TTL) and a model cascade (a fast stage that answers most requests, a complex one for
// the rest). Each has an analytical value and a simulated one that must agree.
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "sim/workload.hpp"

namespace servesim::advisor {

struct Popularity {
  double zipf_s = 1.0;          // Zipf exponent: P(item i) ~ 1/i^s, i = 1..catalogue_size [>= 0]
  uint64_t catalogue_size = 1;  // distinct inputs [items]
  double cache_ttl_s = std::numeric_limits<double>::infinity();  // entry lifetime from its insertion [s]
};

// Probabilities of the Zipf(s) law over n items, most popular first.
std::vector<double> zipf_probabilities(double s, uint64_t n);

// Unbounded cache, no TTL, `requests` independent draws: a request hits when its input was drawn before.
// Hit ratio = 1 - E[distinct inputs] / requests, E[distinct] = sum_i (1 - (1 - p_i)^requests).
double cache_hit_ratio_unbounded(double s, uint64_t n, uint64_t requests);
// Unbounded cache whose entries live ttl_s after the miss that inserted them, Poisson arrivals at rate_rps:
// item i alternates a miss, ttl_s of hits (rate_rps p_i ttl_s of them) and an exponential wait for the next
// miss, so its hit ratio is x/(1+x) with x = rate_rps p_i ttl_s; the total weights items by p_i.
double cache_hit_ratio_ttl(double s, uint64_t n, double rate_rps, double ttl_s);

struct CacheSimulation {
  uint64_t requests = 0, hits = 0;
  double hit_ratio() const {
    return requests ? static_cast<double>(hits) / static_cast<double>(requests) : 0;
  }
};
// Streams the workload's arrivals (at most max_requests), draws each request's input from the Zipf law and
// replays an unbounded cache with the TTL.
CacheSimulation simulate_edge_cache(const sim::WorkloadSpec& workload, uint64_t seed,
                                    const Popularity& popularity, uint64_t max_requests = 2'000'000);

struct CascadeStage {
  std::string name;
  double latency_ms = 0;            // mean time of this stage [ms]
  double cost_usd_per_request = 0;  // [USD] per request that reaches the stage
  double stop_probability = 1;      // share of the requests reaching the stage that it answers [0, 1]
};

struct CascadeEstimate {
  double mean_latency_ms = 0;  // summed along each request's path
  double mean_cost_usd = 0;
  std::vector<double> reach_share;  // per stage: share of requests that reach it
};
// Stage k is reached with probability prod_{j<k} (1 - stop_j); the last stage answers all it gets.
CascadeEstimate cascade_analytical(const std::vector<CascadeStage>& stages);
// Draws `requests` paths (one uniform per stage) and averages latency and cost along them.
CascadeEstimate cascade_simulated(const std::vector<CascadeStage>& stages, uint64_t requests, uint64_t seed);

}  // namespace servesim::advisor
