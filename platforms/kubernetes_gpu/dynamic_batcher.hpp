#pragma once
// A pod's dynamic batching rule (docs/models/kubernetes-gpu.md, Serving): the requests queued on a pod leave
// for the GPU as one batch as soon as max_batch_size of them wait, or when the oldest has waited
// max_queue_delay_s; a batch holds at most max_batch_size requests.
//
//   const DynamicBatcher batcher{.max_batch_size = 8, .max_queue_delay_s = 0.005};
//   batcher.batch_now(3, /*oldest_enqueue_s=*/1.0, /*t_s=*/1.002);   // 0: wait until due_s(1.0) = 1.005
#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace servesim::platforms {

struct DynamicBatcher {
  uint32_t max_batch_size = 1;
  double max_queue_delay_s = 0;  // [s]

  // When the batch of the oldest queued request leaves at the latest [s].
  double due_s(double oldest_enqueue_s) const { return oldest_enqueue_s + max_queue_delay_s; }
  // How many of the `queued` requests leave now as one batch; 0: wait until due_s(oldest_enqueue_s) or
  // another arrival.
  uint32_t batch_now(size_t queued, double oldest_enqueue_s, double t_s) const {
    if (queued >= max_batch_size || t_s >= due_s(oldest_enqueue_s))
      return static_cast<uint32_t>(std::min<size_t>(queued, max_batch_size));
    return 0;
  }
};

}  // namespace servesim::platforms
