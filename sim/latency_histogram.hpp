#pragma once
// Log-bucketed latency histogram with bounded memory and at most 1% relative error on every quantile
// (the DDSketch construction: buckets (g^(i-1), g^i] with g = (1+a)/(1-a), a = 0.01, reported at 2
// g^i/(g+1)). Range 1 microsecond to ~1 day; values outside are clamped into the first or last bucket.
#include <cstdint>
#include <vector>

namespace servesim::sim {

class LatencyHistogram {
 public:
  static constexpr double kRelativeError = 0.01;
  static constexpr double kMinS = 1e-6;

  LatencyHistogram();
  void add(double latency_s) {
    const int i = bucket_of(latency_s);
    ++counts_[i];
    lo_ = i < lo_ ? i : lo_;
    hi_ = i > hi_ ? i : hi_;
    ++count_;
    sum_s_ += latency_s;
    if (latency_s > max_s_) max_s_ = latency_s;
  }
  void merge(const LatencyHistogram& other);
  void clear();  // O(touched buckets)

  uint64_t count() const { return count_; }
  double mean_s() const { return count_ ? sum_s_ / static_cast<double>(count_) : 0.0; }
  double max_s() const { return max_s_; }
  // q in [0, 1]; the smallest value with at least ceil(q*n) observations at or below it (within 1%).
  double quantile_s(double q) const;
  // Share of observations at or below x_s (within the bucket resolution).
  double fraction_at_or_below(double x_s) const;
  // Non-empty buckets as (upper bound [s], count) for the CSV export.
  std::vector<std::pair<double, uint64_t>> buckets() const;

  // The bucket of a value: ceil(log(latency / kMinS) / log(g)), clamped to [0, buckets - 1]. bucket_of reads
  // it from a table built once per process from bucket_by_log, the definition (the same bucket for every
  // double, tested), without a logarithm per call.
  int bucket_of(double latency_s) const;
  static int bucket_by_log(double latency_s);
  static int bucket_count();
  double bucket_upper_s(int i) const;
  double bucket_value_s(int i) const;

 private:
  std::vector<uint64_t> counts_;
  double log_gamma_;
  int lo_, hi_;
  uint64_t count_ = 0;
  double sum_s_ = 0;
  double max_s_ = 0;
};

}  // namespace servesim::sim
