#include "bare_lambda_loop.hpp"

#include <algorithm>
#include <boost/iostreams/filter/bzip2.hpp>
#include <boost/iostreams/filtering_stream.hpp>
#include <cmath>
#include <deque>
#include <fstream>
#include <queue>
#include <vector>

#include "sim/rng.hpp"

namespace servesim::bench {

BareLambdaResult run_bare_lambda(const BareLambdaConfig& c) {
  std::ifstream file(c.trace_path, std::ios::binary);
  boost::iostreams::filtering_istream in;
  in.push(boost::iostreams::bzip2_decompressor());
  in.push(file);

  // Lognormal from mean and p99, as in sim::Distribution.
  const double z = 2.3263478740408408;
  const double sigma = z - std::sqrt(z * z - 2.0 * std::log(c.service_p99_s / c.service_mean_s));
  const double mu = std::log(c.service_mean_s) - sigma * sigma / 2;

  sim::Rng rng(c.seed);
  BareLambdaResult r;
  std::priority_queue<double, std::vector<double>, std::greater<>> busy_until;  // completion times
  std::deque<double> idle_since;                                                // MRU at the back
  std::vector<double> times;
  uint64_t rate = 0;
  double second = 0;
  while (in >> rate) {
    // rate sorted uniforms in [second, second + 1) by normalised exponential spacings.
    times.resize(rate);
    double sum = 0;
    for (uint64_t i = 0; i < rate; ++i) times[i] = sum += rng.exponential(1.0);
    sum += rng.exponential(1.0);
    for (uint64_t i = 0; i < rate; ++i) {
      const double t = second + times[i] / sum;
      while (!busy_until.empty() && busy_until.top() <= t) {
        idle_since.push_back(busy_until.top());
        busy_until.pop();
      }
      while (!idle_since.empty() && idle_since.front() + c.keep_alive_s <= t) idle_since.pop_front();
      const double service_s = std::exp(mu + sigma * rng.normal());
      double billed_s = service_s;
      if (!idle_since.empty()) {
        idle_since.pop_back();
      } else {
        ++r.cold_starts;
        billed_s += c.cold_start_s;
      }
      busy_until.push(t + billed_s);
      r.peak_instances = std::max<uint64_t>(r.peak_instances, busy_until.size() + idle_since.size());
      r.cost_usd += std::ceil(billed_s * 1000 - 1e-9) / 1000 * c.memory_gb * c.price_usd_per_gb_s +
                    c.price_usd_per_request;
      ++r.requests;
    }
    second += 1;
  }
  return r;
}

}  // namespace servesim::bench
