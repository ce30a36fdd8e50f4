// The llm_* engine settings on the fleet platforms with a GPU (platforms/fleet/llm_serving.hpp,
// llm_engine_settings): Cloud Run, Container Apps and Lambda Managed Instances read the same keys as
// kubernetes-gpu, the engine's max_num_seqs and the platform's request concurrency bound the batch together
// (the smaller wins), llm_capacity_policy's admission reaches each engine, and the settings are refused where
// no language model is served token by token.
#include <catch2/catch.hpp>
#include <map>

#include "platforms/registry.hpp"
#include "support/gpu_fleet_candidates.hpp"
#include "support/llm_admission_check.hpp"
#include "support/sim_harness.hpp"

namespace {
using servesim::test::scenario_from;

// Two requests of 100 prompt and 100 output tokens, both at t = 300 s (the one instance, kept warm, is ready
// long before).
nlohmann::json two_at_once(const servesim::test::TempDir& dir) {
  return servesim::test::token_trace(dir, "300,100,100\n300,100,100\n");
}

nlohmann::json settings_doc(const nlohmann::json& workload, const nlohmann::json& candidates) {
  return {{"seed", 5},
          {"workload", workload},
          {"service", {{"llm", {{"model", "llama-3.1-8b"}, {"max_context_tokens", 4096}}}}},
          {"slo", {{"p99_ms", 600000}, {"timeout_s", 600}}},
          {"candidates", candidates}};
}

}  // namespace

TEST_CASE("GPU fleet platforms: llm_max_num_seqs and the platform's concurrency bound the batch") {
  // Two requests reach the one instance at once. Decoding Llama 3.1 8B reads its 16 GB of bf16 weights every
  // step: even at full bandwidth a step takes 16 GB / 2,039 GB/s = 7.8 ms on the A100 (the fastest memory of
  // the three; L40S 864 GB/s: 19 ms, L4 300 GB/s: 53 ms), so 100 tokens take 0.78 s or more. The first token
  // comes after one prefill of 100 tokens (one iteration reading the weights once, tens of ms):
  // - by default (llm_max_num_seqs 256 > concurrency 4) both run in one batch: each one's first token
  //   comes long before either finishes, TTFT (max) < half the latency (min);
  // - llm_max_num_seqs 1: the second waits in the instance's server queue for the first's whole generation,
  //   so its TTFT is at least the first's latency. TTFT max is exact (max_s); the latency quantile is within
  //   1% (LatencyHistogram), hence the 0.99.
  servesim::test::TempDir dir;
  const auto workload = two_at_once(dir);
  SECTION("default: both at once") {
    const auto run = servesim::test::simulate(
        scenario_from(settings_doc(workload, servesim::test::gpu_fleet_candidates({}))));
    REQUIRE(run.results.size() == 3);
    for (const auto& r : run.results) {
      INFO(r.name);
      REQUIRE(r.requests.served == 2);
      CHECK(r.llm.ttft.max_s() < r.latency.quantile_s(0.0) * 0.5);
    }
  }
  SECTION("llm_max_num_seqs 1: one after the other") {
    const auto run = servesim::test::simulate(scenario_from(
        settings_doc(workload, servesim::test::gpu_fleet_candidates({{"llm_max_num_seqs", 1}}))));
    REQUIRE(run.results.size() == 3);
    for (const auto& r : run.results) {
      INFO(r.name);
      REQUIRE(r.requests.served == 2);
      CHECK(r.llm.ttft.max_s() >= r.latency.quantile_s(0.0) * 0.99);
    }
  }
  SECTION("Cloud Run concurrency 1: the platform queues the second, the same order") {
    // The second request finds the one instance's only slot taken and waits in Cloud Run's queue
    // (queue_timeout_s raised from 10 s so that it cannot expire) whatever llm_max_num_seqs says.
    auto candidates = servesim::test::gpu_fleet_candidates({});
    candidates = nlohmann::json::array({candidates[0]});
    candidates[0]["concurrency"] = 1;
    candidates[0]["queue_timeout_s"] = 600;
    const auto run = servesim::test::simulate(scenario_from(settings_doc(workload, candidates)));
    const auto& r = run.results.at(0);
    REQUIRE(r.requests.served == 2);
    CHECK(r.llm.ttft.max_s() >= r.latency.quantile_s(0.0) * 0.99);
  }
}

TEST_CASE("GPU fleet platforms: llm_* settings reach the engine and are refused without one") {
  servesim::test::TempDir dir;
  const auto workload = two_at_once(dir);
  SECTION("chunked prefill off needs the whole context in one iteration's budget") {
    // A 4,096-token context against 2,048 tokens per iteration: a prompt could not be prefilled whole.
    auto doc =
        settings_doc(workload, servesim::test::gpu_fleet_candidates(
                                   {{"llm_chunked_prefill", false}, {"llm_max_num_batched_tokens", 2048}}));
    for (auto& c : doc["candidates"]) {
      nlohmann::json one = doc;
      one["candidates"] = nlohmann::json::array({c});
      INFO(c["name"]);
      CHECK_THROWS_WITH(
          servesim::platforms::make_candidates(scenario_from(one)),
          Catch::Contains("/service/llm/max_context_tokens: expected at most the candidate's "
                          "llm_max_num_batched_tokens (2048) when llm_chunked_prefill is false"));
    }
    // 4,096 tokens per iteration hold it: the two requests are served.
    doc["candidates"] = servesim::test::gpu_fleet_candidates(
        {{"llm_chunked_prefill", false}, {"llm_max_num_batched_tokens", 4096}});
    const auto run = servesim::test::simulate(scenario_from(doc));
    for (const auto& r : run.results) {
      INFO(r.name);
      CHECK(r.requests.served == 2);
    }
  }
  SECTION("efficiencies given by the candidate: estimated latency") {
    const auto run = servesim::test::simulate(scenario_from(
        settings_doc(workload, servesim::test::gpu_fleet_candidates(
                                   {{"llm_compute_efficiency", 0.4}, {"llm_bandwidth_efficiency", 0.6}}))));
    for (const auto& r : run.results) {
      INFO(r.name);
      CHECK(r.requests.served == 2);
      CHECK(r.latency_source == "estimated");
      CHECK_THAT(r.llm.basis, Catch::Contains("efficiencies given by the candidate"));
    }
  }
  SECTION("llm_capacity_policy: vLLM's preemption or TensorRT-LLM's no-evict admission") {
    // Two requests of 2,000 + 1,000 tokens at t = 300 s on instances whose server may use just enough memory
    // for ~5,000 tokens of KV: (16.06 GB of bf16 weights + 1 GB reserve + 5,000 x 131,072 B) / GPU memory
    // (L4 24 GB, A100 80 GB, L40S 48 GB). preempt: both prompts fit (4,000 tokens), both start, and their
    // contexts grow to 6,000 tokens: one is preempted. guaranteed_no_evict: 2 x 3,000 reserved tokens do not
    // fit, the second waits for the first: its TTFT is at least the first's latency, nothing is preempted.
    // (Outputs of 1,000 keep the L4's two generations in a row, ~2 x 80 s, within Cloud Run's 300 s request
    // timeout.)
    servesim::test::TempDir big;
    const auto load = servesim::test::token_trace(big, "300,2000,1000\n300,2000,1000\n");
    const std::map<std::string, double> memory_gb = {{"run-l4", 24}, {"aca-a100", 80}, {"lmi-l40s", 48}};
    for (const std::string policy : {"preempt", "guaranteed_no_evict"}) {
      auto candidates = servesim::test::gpu_fleet_candidates({{"llm_capacity_policy", policy}});
      for (auto& c : candidates)
        c["llm_gpu_memory_utilization"] = (16.06e9 + 1e9 + 5000 * 131072.0) / (memory_gb.at(c["name"]) * 1e9);
      const auto run = servesim::test::simulate(scenario_from(settings_doc(load, candidates)));
      for (const auto& r : run.results) servesim::test::check_two_request_admission(policy, r);
    }
  }
  SECTION("a CPU candidate") {
    auto doc = settings_doc(workload,
                            {{{"name", "run-cpu"}, {"platform", "gcp-cloud-run"}, {"llm_max_num_seqs", 1}}});
    doc["service"]["llm"]["cpu_ms_per_input_token"] = 1;
    doc["service"]["llm"]["cpu_ms_per_output_token"] = 10;
    CHECK_THROWS_WITH(
        servesim::platforms::make_candidates(scenario_from(doc)),
        Catch::Contains("/candidates/0/llm_max_num_seqs: expected only with service.llm on a GPU "
                        "(a language model served token by token), got 1"));
  }
  SECTION("no service.llm") {
    auto candidate = servesim::test::gpu_fleet_candidates({{"llm_gpu_memory_utilization", 0.8}})[0];
    const nlohmann::json doc = {{"workload", {{"type", "poisson"}, {"rate_rps", 1}, {"duration_s", 10}}},
                                {"service", {{"warm", {{"type", "constant"}, {"value_ms", 20}}}}},
                                {"candidates", {candidate}}};
    CHECK_THROWS_WITH(
        servesim::platforms::make_candidates(scenario_from(doc)),
        Catch::Contains("/candidates/0/llm_gpu_memory_utilization: expected only with service.llm "
                        "on a GPU (a language model served token by token), got 0.8"));
  }
}
