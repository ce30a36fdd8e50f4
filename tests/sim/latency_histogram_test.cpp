#include "sim/latency_histogram.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <random>
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

TEST_CASE("sim::LatencyHistogram: the table lookup gives every double the bucket of its definition") {
  // bucket_of reads a table; bucket_by_log is the definition, ceil(log(x / 1 us) / log(g)) clamped. They
  // must agree on every double: checked 64 doubles either side of every bucket's nominal bound
  // 1 us x g^i, on a million log-uniform draws from 0.1 us to 10^6 s, and on the edges.
  LatencyHistogram h;
  const double g = (1 + LatencyHistogram::kRelativeError) / (1 - LatencyHistogram::kRelativeError);
  for (int i = 0; i < LatencyHistogram::bucket_count() + 2; ++i) {
    double lo = LatencyHistogram::kMinS * std::pow(g, i), hi = lo;
    for (int k = 0; k < 64; ++k) {
      INFO("bucket " << i << ", " << k << " doubles from its bound");
      REQUIRE(h.bucket_of(lo) == LatencyHistogram::bucket_by_log(lo));
      REQUIRE(h.bucket_of(hi) == LatencyHistogram::bucket_by_log(hi));
      lo = std::nextafter(lo, 0.0);
      hi = std::nextafter(hi, 1e300);
    }
  }
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> exponent(-7, 6);
  for (int k = 0; k < 1000000; ++k) {
    const double x = std::pow(10.0, exponent(rng));
    if (h.bucket_of(x) != LatencyHistogram::bucket_by_log(x)) FAIL("x = " << x);
  }
  for (const double x :
       {-1.0, 0.0, 1e-9, LatencyHistogram::kMinS, std::nextafter(LatencyHistogram::kMinS, 1.0), 1.0, 1e5, 1e6,
        1e12, std::numeric_limits<double>::quiet_NaN()})
    CHECK(h.bucket_of(x) == LatencyHistogram::bucket_by_log(x));
  CHECK(h.bucket_of(1e12) == LatencyHistogram::bucket_count() - 1);
}
