#include "sim/latency_histogram.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <vector>

#include "sim/rng.hpp"

using servesim::sim::LatencyHistogram;

TEST_CASE("sim::LatencyHistogram: every quantile within 1% of the exact sample quantile") {
  servesim::sim::Rng rng(11);
  LatencyHistogram h;
  std::vector<double> xs;
  for (int i = 0; i < 200000; ++i) {
    // A wide lognormal: 1 ms to several seconds.
    const double x = 0.05 * std::exp(1.2 * rng.normal());
    xs.push_back(x);
    h.add(x);
  }
  std::sort(xs.begin(), xs.end());
  for (double q : {0.01, 0.1, 0.5, 0.9, 0.99, 0.999}) {
    const double exact = xs[static_cast<size_t>(std::ceil(q * xs.size())) - 1];
    CHECK(h.quantile_s(q) == Approx(exact).epsilon(0.0101));
  }
  CHECK(h.max_s() == xs.back());
  CHECK(h.count() == xs.size());
}

TEST_CASE("sim::LatencyHistogram: memory is bounded whatever the number of samples") {
  LatencyHistogram h;
  const auto buckets_before = h.buckets().size();
  for (int i = 0; i < 1000000; ++i) h.add(0.001 + (i % 1000) * 1e-3);
  // Values 1 ms .. 1 s span ln(1000)/ln(1.0202) ~ 346 buckets, independent of the 1 M samples.
  CHECK(buckets_before == 0);
  CHECK(h.buckets().size() <= 350);
  h.clear();
  CHECK(h.count() == 0);
  CHECK(h.buckets().empty());
}
