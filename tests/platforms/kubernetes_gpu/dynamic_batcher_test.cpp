// DynamicBatcher: when a pod's queued requests leave for the GPU, worked by hand from the rule "a batch
// leaves once max_batch_size requests wait, or once the oldest has waited max_queue_delay".
#include "platforms/kubernetes_gpu/dynamic_batcher.hpp"

#include <catch2/catch.hpp>

using servesim::platforms::DynamicBatcher;

TEST_CASE("platforms::DynamicBatcher: a batch leaves when full or when its oldest request is due") {
  // At most 8 per batch; the oldest waits at most 5 ms.
  const DynamicBatcher batcher{.max_batch_size = 8, .max_queue_delay_s = 0.005};
  SECTION("3 requests, the oldest queued at 1.000 s: wait until 1.005 s, then all 3 leave") {
    CHECK(batcher.due_s(1.0) == Approx(1.005).epsilon(1e-12));
    CHECK(batcher.batch_now(3, 1.0, 1.002) == 0);
    CHECK(batcher.batch_now(3, 1.0, batcher.due_s(1.0)) == 3);
  }
  SECTION("a full batch leaves at once; beyond it, 8 leave and the rest wait for the next") {
    CHECK(batcher.batch_now(8, 1.0, 1.0) == 8);
    CHECK(batcher.batch_now(11, 1.0, 1.001) == 8);
  }
  SECTION("without a queue delay every request leaves as soon as the GPU is free") {
    const DynamicBatcher no_delay{.max_batch_size = 4, .max_queue_delay_s = 0};
    CHECK(no_delay.batch_now(1, 2.0, 2.0) == 1);
  }
}
