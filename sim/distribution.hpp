#pragma once
// A positive random duration (service time, runtime init, model load), read from a scenario.
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <utility>
#include <vector>

#include "sim/rng.hpp"

namespace servesim::sim {

class Distribution {
 public:
  enum class Kind { constant, exponential, lognormal, empirical };

  static Distribution constant(double value_s);
  static Distribution exponential(double mean_s);
  // Lognormal fixed by its mean and 99th percentile (requires mean < p99 <= ~15 x mean).
  static Distribution lognormal(double mean_s, double p99_s);
  // Piecewise-linear inverse CDF through (quantile in [0,1], value_s) points; first q = 0, last q = 1.
  static Distribution empirical(std::vector<std::pair<double, double>> quantiles_s);
  // A histogram: counts[i] observations between bounds[i] and bounds[i + 1] (bounds ascending, one more than
  // counts; some count > 0), uniform within each bucket: the empirical form through the buckets' cumulative
  // shares, jumping over empty buckets.
  static Distribution histogram(const std::vector<double>& bounds_s, const std::vector<double>& counts);
  // The same buckets with a known mean (a Prometheus histogram's _sum / _count): within the buckets the
  // maximum-entropy density with that mean, f(x) proportional to exp(theta x) with one theta for all buckets
  // (theta = 0: uniform), drawn through 16 points per bucket of its exact inverse CDF; theta is solved so
  // that the drawn mean is `mean_s`. Throws std::invalid_argument unless the mean lies strictly between the
  // buckets' lower-bound and upper-bound means.
  static Distribution histogram(const std::vector<double>& bounds_s, const std::vector<double>& counts,
                                double mean_s);

  // Reads {"type": "constant", "value_ms": 40} | {"type": "exponential", "mean_ms": 40} |
  // {"type": "lognormal", "mean_ms": 40, "p99_ms": 90} | {"type": "empirical", "percentiles_ms": {"0": 10,
  // "50": 12, "100": 40}} | {"type": "histogram", "bounds_ms": [0, 10, 20], "counts": [3, 1]} (optionally
  // with "mean_ms": the observations' mean, shaping the density within the buckets). Throws InputError naming
  // file and pointer.
  static Distribution from_json(const nlohmann::json& j, const std::string& file, const std::string& pointer);
  // The same forms with values in tokens instead of milliseconds (a request's prompt or output length):
  // {"type": "constant", "value_tokens": 500} | {"type": "exponential", "mean_tokens": 500} |
  // {"type": "lognormal", "mean_tokens": 2048, "p99_tokens": 7436} |
  // {"type": "empirical", "percentiles_tokens": {"0": 1, "50": 900, "100": 8000}} |
  // {"type": "histogram", "bounds_tokens": [0, 1000, 2000], "counts": [30, 10], "mean_tokens": 650} (the mean
  // optional). sample() then gives
  // tokens (describe() is for durations only).
  static Distribution tokens_from_json(const nlohmann::json& j, const std::string& file,
                                       const std::string& pointer);

  double sample(Rng& rng) const;
  double mean_s() const { return mean_s_; }
  double quantile_s(double q) const;
  // The value at standard normal score z: F^-1(Phi(z)), exactly exp(mu + sigma z) for a lognormal. A
  // standard normal z gives a draw of this distribution; correlated scores give correlated draws (a Gaussian
  // copula, sim/token_draw.hpp).
  double at_normal_score(double z) const;
  Kind kind() const { return kind_; }
  std::string describe() const;  // e.g. "lognormal(mean 40 ms, p99 90 ms)"
  // The same shape with every value multiplied by `factor` (> 0): X' = factor x X.
  Distribution scaled(double factor) const;

 private:
  Kind kind_ = Kind::constant;
  double mean_s_ = 0;
  double p99_s_ = 0;
  double mu_ = 0, sigma_ = 0;  // lognormal parameters of ln(X)
  std::vector<std::pair<double, double>> points_;
};

// Reads a percentile table {"0": v0, ..., "100": v100} (an object; the caller checks that) into sorted
// (quantile, value x scale) points: keys 0..100 with "0" and "100" present, values in [0, max] (`what` says
// what one is, for errors) that do not decrease. Throws InputError naming the file and pointer.
std::vector<std::pair<double, double>> parse_percentiles(const nlohmann::json& table, const std::string& file,
                                                         const std::string& pointer, double scale, double max,
                                                         const std::string& what);

}  // namespace servesim::sim
