#include "platforms/fleet/batch_latency.hpp"

#include <algorithm>

namespace servesim::platforms {

BatchLatency BatchLatency::roofline(const RooflineInputs& in, uint32_t max_batch_size) {
  BatchLatency out;
  out.table_s_.assign(max_batch_size + 1, 0.0);
  for (uint32_t b = 1; b <= max_batch_size; ++b) {
    const double compute_s = in.gflops_per_request * 1e9 * b / (in.peak_flops_per_s * in.efficiency);
    const double memory_s = (in.weight_bytes + b * in.activation_bytes_per_request) / in.memory_bytes_per_s;
    out.table_s_[b] = in.launch_overhead_s + std::max(compute_s, memory_s);
  }
  return out;
}

BatchLatency BatchLatency::measured(const std::vector<std::pair<double, double>>& points,
                                    uint32_t max_batch_size) {
  BatchLatency out;
  out.table_s_.assign(max_batch_size + 1, 0.0);
  for (uint32_t b = 1; b <= max_batch_size; ++b) {
    if (points.size() == 1) {
      out.table_s_[b] = points[0].second;
      continue;
    }
    // The segment holding b, or the first/last segment when b lies outside the table.
    size_t i = 1;
    while (i + 1 < points.size() && points[i].first < b) ++i;
    const auto& [b0, t0] = points[i - 1];
    const auto& [b1, t1] = points[i];
    const double t = t0 + (t1 - t0) * (b - b0) / (b1 - b0);
    out.table_s_[b] = std::max(t, 1e-9);
  }
  return out;
}

}  // namespace servesim::platforms
