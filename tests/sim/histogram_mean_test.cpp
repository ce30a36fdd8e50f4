// A histogram distribution with a known mean (Prometheus' _sum / _count): within the buckets the
// maximum-entropy density with that mean, f(x) ~ exp(theta x) with one theta for all buckets
// (sim::Distribution::histogram), against closed forms for one bucket and the uniform case.
#include <catch2/catch.hpp>
#include <cmath>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "core/input_error.hpp"
#include "sim/distribution.hpp"

using servesim::sim::Distribution;

namespace {

// The mean position u in [0, 1] of the density ~ exp(t u): 1 / (1 - e^-t) - 1 / t (1/2 at t = 0).
double tilted_mean(double t) {
  return std::abs(t) < 1e-9 ? 0.5 : 1.0 / (1.0 - std::exp(-t)) - 1.0 / t;
}

// The t whose tilted_mean is m (0 < m < 1), by bisection.
double tilt_for_mean(double m) {
  double lo = -500, hi = 500;
  for (int i = 0; i < 200; ++i) ((tilted_mean((lo + hi) / 2) < m) ? lo : hi) = (lo + hi) / 2;
  return (lo + hi) / 2;
}

}  // namespace

TEST_CASE("sim::Distribution::histogram with a mean: one bucket is a truncated exponential") {
  // One bucket [0, 1000] with mean 300: the maximum-entropy density on [0, 1000] with mean 300 is
  // ~ exp(t x / 1000) with 1 / (1 - e^-t) - 1 / t = 0.3, so its median is 1000 ln(1 + (e^t - 1) / 2) / t.
  const Distribution d = Distribution::histogram({0, 1000}, {5}, 300);
  CHECK(d.mean_s() == Approx(300).epsilon(1e-6));
  const double t = tilt_for_mean(0.3);
  CHECK(t < 0);
  const double median = 1000 * std::log1p(std::expm1(t) / 2) / t;
  CHECK(d.quantile_s(0.5) == Approx(median).epsilon(0.01));  // 16 points per bucket: near the exact law
  CHECK(d.quantile_s(0.0) == Approx(0));
  CHECK(d.quantile_s(1.0) == Approx(1000));
}

TEST_CASE("sim::Distribution::histogram with a mean: the buckets' midpoint mean is the uniform case") {
  // Shares 0.2, 0.6, 0.2 on (0, 100], (200, 500], (500, 1000] (an empty bucket between): the uniform mean is
  // 0.2 x 50 + 0.6 x 350 + 0.2 x 750 = 370, so theta = 0 and every quantile is the uniform one.
  const Distribution d = Distribution::histogram({0, 100, 200, 500, 1000}, {10, 0, 30, 10}, 370);
  CHECK(d.mean_s() == Approx(370).epsilon(1e-9));
  CHECK(d.quantile_s(0.1) == Approx(50).epsilon(1e-6));
  CHECK(d.quantile_s(0.5) == Approx(350).epsilon(1e-6));
  CHECK(d.quantile_s(0.9) == Approx(750).epsilon(1e-6));
  // The bucket shares stay the counts' whatever the mean: 20% at or below 100, 80% at or below 500.
  const Distribution low = Distribution::histogram({0, 100, 200, 500, 1000}, {10, 0, 30, 10}, 300);
  CHECK(low.mean_s() == Approx(300).epsilon(1e-6));
  CHECK(low.quantile_s(0.2) == Approx(100).epsilon(1e-9));
  CHECK(low.quantile_s(0.8) == Approx(500).epsilon(1e-9));
  // A lower mean moves mass towards each bucket's lower end: the median falls below the uniform's 350.
  CHECK(low.quantile_s(0.5) < 350);
}

TEST_CASE("sim::Distribution::histogram with a mean: draws average the mean") {
  // 100,000 draws: the sample mean's standard error is below sd / 316 (sd < 500 here): within 5 SE.
  const Distribution d = Distribution::histogram({0, 500, 1000, 2000, 5000}, {10, 40, 40, 10}, 1100);
  servesim::sim::Rng rng(7);
  double sum = 0, sq = 0;
  const int n = 100000;
  for (int i = 0; i < n; ++i) {
    const double x = d.sample(rng);
    sum += x;
    sq += x * x;
  }
  const double mean = sum / n, sd = std::sqrt(sq / n - mean * mean);
  CHECK(std::abs(mean - 1100) < 5 * sd / std::sqrt(n));
}

TEST_CASE("sim::Distribution::histogram with a mean: a mean the buckets cannot have is refused") {
  // Shares 0.5 / 0.5 on [0, 100] and [100, 200]: means between 0.5 x 0 + 0.5 x 100 = 50 and 150 only.
  CHECK_THROWS_AS(Distribution::histogram({0, 100, 200}, {1, 1}, 50), std::invalid_argument);
  CHECK_THROWS_AS(Distribution::histogram({0, 100, 200}, {1, 1}, 160), std::invalid_argument);
  const auto j = nlohmann::json::parse(
      R"({"type": "histogram", "bounds_tokens": [0, 100, 200], "counts": [1, 1], "mean_tokens": 160})");
  try {
    Distribution::tokens_from_json(j, "s.json", "/workload/tokens/input");
    FAIL("no error");
  } catch (const servesim::InputError& e) {
    CHECK(
        std::string(e.what()) ==
        "s.json: /workload/tokens/input/mean_tokens: expected a mean strictly between the buckets' lower and "
        "upper bounds' means (50 and 150 tokens), got 160");
  }
  // Given in milliseconds, restated in milliseconds.
  const auto ms = nlohmann::json::parse(
      R"({"type": "histogram", "bounds_ms": [0, 100, 200], "counts": [1, 1], "mean_ms": 20})");
  CHECK_THROWS_WITH(Distribution::from_json(ms, "s.json", "/service/warm"),
                    Catch::Contains("(50 and 150 milliseconds), got 20"));
  CHECK(Distribution::from_json(
            nlohmann::json::parse(
                R"({"type": "histogram", "bounds_ms": [0, 100, 200], "counts": [1, 1], "mean_ms": 90})"),
            "s.json", "/service/warm")
            .mean_s() == Approx(0.09).epsilon(1e-6));
}
