#pragma once
// The median of a sample: its middle value, or the mean of the two middle ones when the count is even; 0 for
// an empty sample. What the benchmarks, the report's spike threshold, the model-accuracy summaries and the
// LLM fit tool each computed on their own.
//   double m = core::median({3, 1, 2});   // 2
#include <algorithm>
#include <vector>

namespace servesim::core {

inline double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace servesim::core
