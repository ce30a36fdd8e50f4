#pragma once
// Latencies of the bare-loop baselines: a plain linear histogram (0.1 ms buckets up to 100 s, clamped there),
// one multiply and one increment per request. Its p99 is within 0.1 ms (under 0.1 % at the latencies here) of
// the exact one; ServeSim's log-bucketed histogram is within 1 %.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace servesim::bench {

class BareLatencyHistogram {
 public:
  static constexpr double kBucketS = 1e-4;
  BareLatencyHistogram() : counts_(1'000'001, 0) {}
  void add(double latency_s) {
    const auto i = static_cast<size_t>(std::min(latency_s * (1 / kBucketS), 1e6));
    ++counts_[i];
    ++count_;
  }
  uint64_t count() const { return count_; }
  // The upper bound of the bucket holding the ceil(q x n)-th smallest latency [s].
  double quantile_s(double q) const {
    const auto rank =
        std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(q * static_cast<double>(count_))));
    uint64_t seen = 0;
    for (size_t i = 0; i < counts_.size(); ++i)
      if ((seen += counts_[i]) >= rank) return static_cast<double>(i + 1) * kBucketS;
    return 0;
  }

 private:
  std::vector<uint64_t> counts_;
  uint64_t count_ = 0;
};

}  // namespace servesim::bench
