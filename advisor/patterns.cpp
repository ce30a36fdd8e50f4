#include "advisor/patterns.hpp"

#include <algorithm>
#include <cmath>

#include "sim/arrival_source.hpp"
#include "sim/rng.hpp"

namespace servesim::advisor {

std::vector<double> zipf_probabilities(double s, uint64_t n) {
  std::vector<double> p(n);
  double sum = 0;
  for (uint64_t i = 0; i < n; ++i) sum += (p[i] = std::pow(static_cast<double>(i + 1), -s));
  for (auto& x : p) x /= sum;
  return p;
}

double cache_hit_ratio_unbounded(double s, uint64_t n, uint64_t requests) {
  if (requests == 0) return 0;
  const double r = static_cast<double>(requests);
  double distinct = 0;
  for (double p : zipf_probabilities(s, n))
    distinct += -std::expm1(r * std::log1p(-std::min(p, 1.0 - 1e-16)));
  if (n == 1) distinct = 1;
  return 1.0 - distinct / r;
}

double cache_hit_ratio_ttl(double s, uint64_t n, double rate_rps, double ttl_s) {
  double hit = 0;
  for (double p : zipf_probabilities(s, n)) {
    if (std::isinf(ttl_s)) {
      hit += p;  // every item is eventually cached for good
      continue;
    }
    const double x = rate_rps * p * ttl_s;
    hit += p * x / (1.0 + x);
  }
  return hit;
}

CacheSimulation simulate_edge_cache(const sim::WorkloadSpec& workload, uint64_t seed,
                                    const Popularity& popularity, uint64_t max_requests) {
  const auto p = zipf_probabilities(popularity.zipf_s, popularity.catalogue_size);
  std::vector<double> cdf(p.size());
  double acc = 0;
  for (size_t i = 0; i < p.size(); ++i) cdf[i] = (acc += p[i]);
  // Inputs are drawn from their own stream so that the arrivals stay those of the platform runs.
  sim::Rng rng(seed ^ 0x9e3779b97f4a7c15ULL);
  std::vector<double> inserted_s(p.size(), -1.0);  // < 0: not cached
  const auto source = sim::make_arrival_source(workload, seed);
  CacheSimulation out;
  double t = 0;
  while (out.requests < max_requests && source->next(t)) {
    const double u = rng.uniform() * acc;
    const size_t item = std::min<size_t>(
        static_cast<size_t>(std::upper_bound(cdf.begin(), cdf.end(), u) - cdf.begin()), p.size() - 1);
    ++out.requests;
    if (inserted_s[item] >= 0 && t - inserted_s[item] < popularity.cache_ttl_s)
      ++out.hits;
    else
      inserted_s[item] = t;
  }
  return out;
}

CascadeEstimate cascade_analytical(const std::vector<CascadeStage>& stages) {
  CascadeEstimate e;
  double reach = 1.0;
  for (size_t k = 0; k < stages.size(); ++k) {
    e.reach_share.push_back(reach);
    e.mean_latency_ms += reach * stages[k].latency_ms;
    e.mean_cost_usd += reach * stages[k].cost_usd_per_request;
    reach *= k + 1 == stages.size() ? 0.0 : 1.0 - stages[k].stop_probability;
  }
  return e;
}

CascadeEstimate cascade_simulated(const std::vector<CascadeStage>& stages, uint64_t requests, uint64_t seed) {
  CascadeEstimate e;
  e.reach_share.assign(stages.size(), 0.0);
  sim::Rng rng(seed);
  for (uint64_t r = 0; r < requests; ++r) {
    for (size_t k = 0; k < stages.size(); ++k) {
      e.reach_share[k] += 1;
      e.mean_latency_ms += stages[k].latency_ms;
      e.mean_cost_usd += stages[k].cost_usd_per_request;
      if (k + 1 == stages.size() || rng.uniform() < stages[k].stop_probability) break;
    }
  }
  const double n = requests ? static_cast<double>(requests) : 1.0;
  e.mean_latency_ms /= n;
  e.mean_cost_usd /= n;
  for (auto& x : e.reach_share) x /= n;
  return e;
}

}  // namespace servesim::advisor
