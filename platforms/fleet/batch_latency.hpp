#pragma once
// GPU latency of one batch of b requests, tabulated for b = 1..max_batch_size. Either measured (a table of
// [batch size, ms] points, linear in between and beyond) or from the roofline model (Williams, Waterman and
// Patterson, "Roofline", CACM 2009) with a per-batch overhead:
//   t(b) = launch_overhead + max(gflops x b / (peak_flops x eff), (weight_bytes + b x act_bytes) / bw)
// where peak compute and bandwidth are the GPU datasheet's and eff and the overhead come from
// platforms/fleet/gpu_latency.hpp (fitted on MLPerf, or assumed).
#include <cstdint>
#include <utility>
#include <vector>

namespace servesim::platforms {

struct RooflineInputs {
  double gflops_per_request = 0;            // [GFLOP]
  double weight_bytes = 0;                  // [bytes] read once per batch
  double activation_bytes_per_request = 0;  // [bytes]
  double peak_flops_per_s = 1;              // [FLOP/s]
  double memory_bytes_per_s = 1;            // [bytes/s]
  double efficiency = 1;                    // > 0, of the compute peak only
  double launch_overhead_s = 0;             // [s]
};

class BatchLatency {
 public:
  static BatchLatency roofline(const RooflineInputs& in, uint32_t max_batch_size);
  // points: (batch size, latency [s]), sizes strictly increasing, latencies > 0 (checked by the caller).
  static BatchLatency measured(const std::vector<std::pair<double, double>>& points, uint32_t max_batch_size);

  // Latency of a batch of b requests, 1 <= b <= max_batch_size [s].
  double seconds(uint32_t b) const { return table_s_[b]; }
  uint32_t max_batch_size() const { return static_cast<uint32_t>(table_s_.size() - 1); }

 private:
  std::vector<double> table_s_;  // index = batch size; [0] unused
};

}  // namespace servesim::platforms
