#include "sim/latency_histogram.hpp"

#include <algorithm>
#include <cmath>

namespace servesim::sim {
namespace {
constexpr double kGamma = (1.0 + LatencyHistogram::kRelativeError) / (1.0 - LatencyHistogram::kRelativeError);
constexpr double kMaxS = 1e5;
}  // namespace

LatencyHistogram::LatencyHistogram() : log_gamma_(std::log(kGamma)) {
  const int n = static_cast<int>(std::ceil(std::log(kMaxS / kMinS) / log_gamma_)) + 2;
  counts_.assign(static_cast<size_t>(n), 0);
  lo_ = n;
  hi_ = -1;
}

int LatencyHistogram::bucket_of(double latency_s) const {
  if (!(latency_s > kMinS)) return 0;
  const int i = static_cast<int>(std::ceil(std::log(latency_s / kMinS) / log_gamma_));
  const int last = static_cast<int>(counts_.size()) - 1;
  return i < last ? i : last;
}

double LatencyHistogram::bucket_upper_s(int i) const {
  return kMinS * std::exp(log_gamma_ * i);
}

double LatencyHistogram::bucket_value_s(int i) const {
  if (i == 0) return kMinS;
  return 2.0 * bucket_upper_s(i) / (kGamma + 1.0);
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  for (int i = other.lo_; i <= other.hi_; ++i) counts_[i] += other.counts_[i];
  lo_ = std::min(lo_, other.lo_);
  hi_ = std::max(hi_, other.hi_);
  count_ += other.count_;
  sum_s_ += other.sum_s_;
  max_s_ = std::max(max_s_, other.max_s_);
}

void LatencyHistogram::clear() {
  for (int i = lo_; i <= hi_; ++i) counts_[i] = 0;
  lo_ = static_cast<int>(counts_.size());
  hi_ = -1;
  count_ = 0;
  sum_s_ = 0;
  max_s_ = 0;
}

double LatencyHistogram::quantile_s(double q) const {
  if (count_ == 0) return 0.0;
  const double rank_d = std::ceil(q * static_cast<double>(count_));
  const uint64_t rank = rank_d < 1 ? 1 : static_cast<uint64_t>(rank_d);
  uint64_t seen = 0;
  for (int i = lo_; i <= hi_; ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::min(bucket_value_s(i), max_s_);
  }
  return max_s_;
}

double LatencyHistogram::fraction_at_or_below(double x_s) const {
  if (count_ == 0) return 1.0;
  const int b = bucket_of(x_s);
  uint64_t seen = 0;
  for (int i = lo_; i <= std::min(hi_, b); ++i) seen += counts_[i];
  return static_cast<double>(seen) / static_cast<double>(count_);
}

std::vector<std::pair<double, uint64_t>> LatencyHistogram::buckets() const {
  std::vector<std::pair<double, uint64_t>> out;
  for (int i = lo_; i <= hi_; ++i)
    if (counts_[i]) out.emplace_back(bucket_upper_s(i), counts_[i]);
  return out;
}

}  // namespace servesim::sim
