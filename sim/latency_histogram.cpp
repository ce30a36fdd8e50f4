#include "sim/latency_histogram.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace servesim::sim {
namespace {
constexpr double kGamma = (1.0 + LatencyHistogram::kRelativeError) / (1.0 - LatencyHistogram::kRelativeError);
constexpr double kMaxS = 1e5;
}  // namespace

LatencyHistogram::LatencyHistogram() : log_gamma_(std::log(kGamma)) {
  const int n = bucket_count();
  counts_.assign(static_cast<size_t>(n), 0);
  lo_ = n;
  hi_ = -1;
}

int LatencyHistogram::bucket_by_log(double latency_s) {
  static const double log_gamma = std::log(kGamma);
  static const int last = bucket_count() - 1;
  if (!(latency_s > kMinS)) return 0;
  const int i = static_cast<int>(std::ceil(std::log(latency_s / kMinS) / log_gamma));
  return i < last ? i : last;
}

int LatencyHistogram::bucket_count() {
  return static_cast<int>(std::ceil(std::log(kMaxS / kMinS) / std::log(kGamma))) + 2;
}

namespace {

// bucket_by_log without a logarithm per call. Positive doubles order like their bit patterns, so the exponent
// with the top kSubBits bits of the mantissa cut the line into slices of ratio at most 1 + 1/256 = 1.0039,
// narrower than a bucket (ratio 1.0202): a slice holds at most one bucket boundary. For each slice the table
// keeps the bucket of its smallest double, and for each bucket the largest double still in it (both found
// with bucket_by_log itself, once per process), so a value's bucket is its slice's or the next one, decided
// by one comparison, as bucket_by_log decides it (which is monotone in the value).
class BucketTable {
 public:
  static constexpr int kSubBits = 8;
  static constexpr int kShift = 52 - kSubBits;

  BucketTable() {
    const int n = LatencyHistogram::bucket_count();
    // upper_[i]: the largest double in bucket i (the last bucket has no bound).
    upper_.resize(static_cast<size_t>(n));
    const double log_gamma = std::log(kGamma);
    for (int i = 0; i + 1 < n; ++i) {
      double c = LatencyHistogram::kMinS * std::exp(log_gamma * i);
      while (LatencyHistogram::bucket_by_log(c) > i) c = std::nextafter(c, 0.0);
      for (double up = std::nextafter(c, kHuge); LatencyHistogram::bucket_by_log(up) <= i;
           up = std::nextafter(c, kHuge))
        c = up;
      upper_[static_cast<size_t>(i)] = c;
    }
    upper_.back() = kHuge;
    first_key_ = key(LatencyHistogram::kMinS);
    last_key_ = key(upper_[static_cast<size_t>(n - 2)]) + 1;
    start_.resize(static_cast<size_t>(last_key_ - first_key_ + 1));
    for (uint64_t k = first_key_; k <= last_key_; ++k)
      start_[k - first_key_] = static_cast<uint16_t>(LatencyHistogram::bucket_by_log(lowest(k)));
  }

  int bucket(double x) const {
    if (!(x > LatencyHistogram::kMinS)) return 0;
    const uint64_t k = key(x);
    if (k > last_key_) return LatencyHistogram::bucket_by_log(x);  // past the last bound (or not finite)
    const int i = start_[k - first_key_];
    return x > upper_[static_cast<size_t>(i)] ? i + 1 : i;
  }

 private:
  static constexpr double kHuge = 1e300;
  static uint64_t key(double x) {
    uint64_t bits;
    std::memcpy(&bits, &x, sizeof bits);
    return bits >> kShift;
  }
  static double lowest(uint64_t k) {
    const uint64_t bits = k << kShift;
    double x;
    std::memcpy(&x, &bits, sizeof x);
    return x;
  }
  std::vector<double> upper_;
  std::vector<uint16_t> start_;
  uint64_t first_key_ = 0, last_key_ = 0;
};

const BucketTable& bucket_table() {
  static const BucketTable table;
  return table;
}

}  // namespace

int LatencyHistogram::bucket_of(double latency_s) const {
  return bucket_table().bucket(latency_s);
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
