// The token-level LLM replica (platforms/fleet/llm_timing.hpp, llm_engine.hpp), against arithmetic worked
// by hand: KV bytes per token and capacity, the batch-1 decode step as bytes / bandwidth, one request's
// time to first token and end-to-end time, the throughput gain of continuous batching when decode is
// bandwidth-bound, a burst of prompts prefilled one behind another, preemption only when KV demand exceeds
// the capacity, TensorRT-LLM's no-evict admission, and Little's law on a steady load.
#include "platforms/fleet/llm_engine.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "llm_test_setup.hpp"
#include "platforms/fleet/gpu_catalog.hpp"
#include "platforms/fleet/llm_timing.hpp"
#include "sim/rng.hpp"

namespace {
using namespace servesim::platforms;
using servesim::test_llm::h100;
using servesim::test_llm::ideal;
using servesim::test_llm::llama8b;

struct Log : LlmEngine::Sink {
  std::vector<double> first, done, arrival;
  void first_token(const LlmRequest&, double t) override { first.push_back(t); }
  void finished(const LlmRequest& r, double, double t) override {
    done.push_back(t);
    arrival.push_back(r.arrival_s);
  }
};

// Runs the engine alone until it is idle (requests given up front), returns the end time.
double run(LlmEngine& e, Log& log, double t = 0) {
  for (double end = e.start(t); end != LlmEngine::kNever; end = e.start(t)) {
    t = end;
    e.complete(log);
  }
  return t;
}

}  // namespace

TEST_CASE("platforms::LlmTiming: KV bytes per token and the capacity of an H100") {
  // 2 (K and V) x 32 layers x 8 KV heads x 128 x 2 bytes (fp16) = 131,072 bytes per token.
  const LlmSpec m = llama8b();
  CHECK(m.kv_bytes_per_token() == 131072.0);
  CHECK(m.weight_bytes() == 16e9);  // 8e9 parameters x 2 bytes
  // H100 SXM 80 GB: 80e9 x 0.9 - 1e9 reserve - 16e9 weights = 55e9 bytes; / 131,072 = 419,616 tokens.
  const LlmTiming t(m, h100(), ideal());
  CHECK(t.kv_capacity_tokens() == 419616);
  // At fp8 KV the same memory holds twice the tokens.
  LlmSpec m8 = m;
  m8.kv_precision = "fp8";
  CHECK(LlmTiming(m8, h100(), ideal()).kv_capacity_tokens() == 839233);  // 55e9 / 65,536
}

TEST_CASE("platforms::LlmTiming: a model that does not fit is refused with the figures") {
  LlmSpec m = llama8b();
  m.parameters_b = 70;  // 140 GB at fp16: more than one 80 GB GPU
  CHECK_THROWS_WITH(LlmTiming(m, h100(), ideal()),
                    Catch::Contains("expected the model to fit the GPU memory") && Catch::Contains("140 GB"));
  LlmReplicaParams two = ideal();
  two.tensor_parallel = 2;  // 2 x 71 GB usable = 142 GB: 2 GB left, less than 8192 x 327,680 B = 2.7 GB
  m.layers = 80;
  CHECK_THROWS(LlmTiming(m, h100(), two));
  two.tensor_parallel = 4;  // 284 GB - 140 GB = 144 GB of KV
  CHECK(LlmTiming(m, h100(), two).kv_capacity_tokens() == static_cast<uint64_t>(144e9 / 327680.0));
}

TEST_CASE("platforms::LlmTiming: a batch-1 decode step reads the weights and the context once") {
  const LlmTiming t(llama8b(), h100(), ideal());
  // (16e9 + 1000 x 131,072) bytes / 3.35e12 B/s = 4.8153 ms; the compute, 2 x 8e9 FLOP + attention, is
  // 0.016 ms at 989.5 TFLOP/s: bandwidth-bound.
  CHECK(t.iteration_s(0, 0, 1, 1000) == Approx((16e9 + 1000 * 131072.0) / 3.35e12).epsilon(1e-12));
  // A 2,000-token prefill is compute-bound: 2 x 8e9 x 2000 + 4 x 32 x 32 x 128 x (2000 x 1000) FLOP
  // = 3.2e13 + 1.048576e12 at 989.5e12 FLOP/s = 33.40 ms (the weights take 4.8 ms to read).
  CHECK(t.iteration_s(2000, 2000 * 1000.0, 0, 0) ==
        Approx((3.2e13 + 4.0 * 32 * 32 * 128 * 2e6) / 989.5e12).epsilon(1e-12));
}

TEST_CASE("platforms::LlmEngine: one request alone: TTFT is the prefill, then one step per token") {
  const LlmTiming t(llama8b(), h100(), ideal());
  LlmEngine e(t, LlmEngineLimits{.block_tokens = 1});
  e.add(LlmRequest{.arrival_s = 0, .input = 1000, .output = 101});
  Log log;
  const double end = run(e, log);
  // Prefill of 1,000 tokens: attention pairs 1000 x 500; compute 1.6e13 + 4 x 32 x 32 x 128 x 5e5 FLOP.
  const double ttft = (1.6e13 + 4.0 * 32 * 32 * 128 * 5e5) / 989.5e12;
  REQUIRE(log.first.size() == 1);
  CHECK(log.first[0] == Approx(ttft).epsilon(1e-9));
  // The prefill samples token 1; tokens 2..101 take 100 decode steps, step k reading 1000 + k context tokens.
  double decode = 0;
  for (int k = 0; k < 100; ++k) decode += (16e9 + (1000.0 + k) * 131072) / 3.35e12;
  CHECK(end == Approx(ttft + decode).epsilon(1e-9));
  CHECK(log.done.size() == 1);
  CHECK(e.in_flight() == 0);
  CHECK(e.kv_used_tokens() == 0);
  CHECK(e.iterations() == 101);
}

TEST_CASE("platforms::LlmEngine: a burst of prompts at t = 0 is prefilled one behind another") {
  // What the first wave of a closed-loop benchmark meets (docs/models/llm-serving.md, "Where it is off"):
  // 4 prompts of 1,000 tokens arrive together and the budget per iteration is 1,000 tokens, so iteration k
  // prefills prompt k alone. Each prefill takes T = (1.6e13 + 4 x 32 x 32 x 128 x 5e5) / 989.5e12 s (as
  // above); with one output token a request ends with its prefill. First tokens at T, 2T, 3T, 4T: mean 2.5 T.
  const LlmTiming t(llama8b(), h100(), ideal());
  LlmEngine e(t, LlmEngineLimits{.max_batched_tokens = 1000, .block_tokens = 1});
  for (int i = 0; i < 4; ++i) e.add(LlmRequest{.arrival_s = 0, .input = 1000, .output = 1});
  Log log;
  run(e, log);
  const double prefill_s = (1.6e13 + 4.0 * 32 * 32 * 128 * 5e5) / 989.5e12;
  REQUIRE(log.first.size() == 4);
  double sum_s = 0;
  for (size_t k = 0; k < 4; ++k) {
    CHECK(log.first[k] == Approx(static_cast<double>(k + 1) * prefill_s).epsilon(1e-9));
    sum_s += log.first[k];
  }
  CHECK(sum_s / 4 == Approx(2.5 * prefill_s).epsilon(1e-9));
  CHECK(e.iterations() == 4);
}

TEST_CASE("platforms::LlmEngine: continuous batching multiplies decode throughput while bandwidth-bound") {
  // 64 requests of 100 + 1,000 tokens at once: each decode step reads the 16 GB of weights once for all 64
  // (plus at most 64 x 1,100 x 131,072 B = 9.2 GB of KV), so 64 requests take far less than 64 x one.
  const LlmTiming t(llama8b(), h100(), ideal());
  Log one_log, many_log;
  LlmEngine one(t, LlmEngineLimits{});
  one.add(LlmRequest{.input = 100, .output = 1000});
  const double alone = run(one, one_log);
  LlmEngine many(t, LlmEngineLimits{});
  for (int i = 0; i < 64; ++i) many.add(LlmRequest{.input = 100, .output = 1000});
  const double together = run(many, many_log);
  REQUIRE(many_log.done.size() == 64);
  // Bounds from the step formula: a step reads 16e9 + 64 x ctx x 131,072 bytes with ctx between 100 and
  // 1,100: between 4.97 ms and 7.53 ms per step (4.78 ms alone), so 64 requests take 1.0x to 1.6x one.
  CHECK(together > alone);
  CHECK(together < 1.6 * alone);
  CHECK(many.preemptions() == 0);  // 70,400 tokens of KV needed, 419,616 held
}

TEST_CASE("platforms::LlmEngine: preemption only when KV demand exceeds the capacity") {
  const LlmTiming t(llama8b(), h100(), ideal());
  const uint64_t cap = t.kv_capacity_tokens();  // 419,616 tokens
  // Requests of 4,000 + 4,000 tokens need 8,000 tokens each at their end. 52 of them need 416,000 < cap:
  // never preempted. 60 need 480,000 > cap: some must be.
  for (const int n : {52, 60}) {
    LlmEngine e(t, LlmEngineLimits{.max_batched_tokens = 1 << 20, .block_tokens = 1});
    for (int i = 0; i < n; ++i) e.add(LlmRequest{.input = 4000, .output = 4000});
    Log log;
    run(e, log);
    CHECK(log.done.size() == static_cast<size_t>(n));
    if (static_cast<uint64_t>(n) * 8000 <= cap)
      CHECK(e.preemptions() == 0);
    else
      CHECK(e.preemptions() > 0);
    CHECK(e.kv_used_tokens() == 0);
  }
}

TEST_CASE("platforms::LlmEngine: guaranteed_no_evict reserves whole lives and never preempts") {
  // TensorRT-LLM's default capacity policy: a request enters only when its prompt + output blocks fit beside
  // those reserved by the running ones. 60 requests of 4,000 + 4,000 tokens (500 blocks of 16 each) on
  // 419,616 tokens (26,226 blocks): floor(26,226 / 500) = 52 run at once, the other 8 wait until those end.
  // vLLM's admission takes all 60 at once (their prompts fit) and preempts later.
  const LlmTiming t(llama8b(), h100(), ideal());
  for (const bool no_evict : {true, false}) {
    LlmEngine e(t, LlmEngineLimits{.max_batched_tokens = 1 << 20, .guaranteed_no_evict = no_evict});
    for (int i = 0; i < 60; ++i) e.add(LlmRequest{.input = 4000, .output = 4000});
    const double prefilled = e.start(0);
    CHECK(e.running_seqs() == (no_evict ? 52u : 60u));
    Log log;
    e.complete(log);
    run(e, log, prefilled);
    REQUIRE(log.done.size() == 60);
    if (no_evict) {
      CHECK(e.preemptions() == 0);
      // The first 52 finish together; the last 8 produce their first token only after that.
      const double first_wave_end = log.done[51];
      CHECK(log.done[0] == first_wave_end);
      for (size_t i = 52; i < 60; ++i) CHECK(log.first[i] > first_wave_end);
    } else {
      CHECK(e.preemptions() > 0);
    }
    CHECK(e.kv_used_tokens() == 0);
  }
}

TEST_CASE("platforms::LlmEngine: Little's law on a steady load") {
  // Poisson arrivals at 5 requests/s of 500 + 200 tokens on one H100 (realistic efficiencies): the
  // time-averaged number in the system equals the arrival rate x the mean time in the system (Little's law,
  // L = lambda W), whatever the scheduler does.
  LlmReplicaParams real;
  const LlmTiming t(llama8b(), h100(), real);
  LlmEngine e(t, LlmEngineLimits{});
  servesim::sim::Rng rng = servesim::sim::Rng::derive(7, 1);
  const double rate = 5, horizon = 2000;
  double next_arrival = 0, now = 0, area = 0;
  uint64_t arrivals = 0;
  Log log;
  while (true) {
    const double t_engine = e.running() ? e.iteration_end_s() : LlmEngine::kNever;
    const bool arrive = next_arrival < horizon && next_arrival <= t_engine;
    const double t_next = arrive ? next_arrival : t_engine;
    if (t_next == LlmEngine::kNever) break;
    area += static_cast<double>(e.in_flight()) * (t_next - now);
    now = t_next;
    if (arrive) {
      e.add(LlmRequest{.arrival_s = now, .input = 500, .output = 200});
      ++arrivals;
      next_arrival = now + rng.exponential(1.0 / rate);
    } else {
      e.complete(log);
    }
    e.start(now);
  }
  REQUIRE(log.done.size() == arrivals);
  double sum_w = 0;
  for (size_t i = 0; i < log.done.size(); ++i) sum_w += log.done[i] - log.arrival[i];
  const double lambda = static_cast<double>(arrivals) / now;
  CHECK(area / now == Approx(lambda * sum_w / static_cast<double>(arrivals)).epsilon(1e-9));
  CHECK(e.preemptions() == 0);
}
