// Candidates serving different models (candidates[i].llm, docs/scenario.md "A model per candidate"): each
// candidate's replicas are sized and timed from its own model, and the others are untouched. Figures worked
// by hand from the presets (sim/llm_presets.cpp) and the H100 SXM datasheet (platforms/fleet/gpus.json:
// 80 GB, 3,350 GB/s).
#include <catch2/catch.hpp>

#include "platforms/fleet/gpu_catalog.hpp"
#include "platforms/fleet/llm_serving.hpp"
#include "reports/run_report.hpp"
#include "sim/candidate_llm.hpp"
#include "support/sim_harness.hpp"

using Catch::Matchers::Contains;
using namespace servesim;

namespace {

// Llama 3.1 8B at bf16 (KV bf16, 8,192-token context) on one H100 node; the second candidate serves
// `second_llm` (none when null) on `second_tp` of the node's GPUs.
nlohmann::json eight_b_and(const nlohmann::json& second_llm, uint32_t second_tp,
                           const std::string& second_node = "p5.48xlarge") {
  nlohmann::json doc = {{"seed", 7},
                        {"workload", {{"type", "poisson"}, {"rate_rps", 2}, {"duration_s", 120}}},
                        {"service",
                         {{"llm",
                           {{"model", "llama-3.1-8b"},
                            {"precision", "bf16"},
                            {"kv_precision", "bf16"},
                            {"max_context_tokens", 8192}}}}},
                        {"slo", {{"p99_ms", 60000}, {"timeout_s", 120}, {"ttft_ms", 2000}, {"tpot_ms", 200}}},
                        {"candidates",
                         {{{"name", "h100-8b"},
                           {"platform", "kubernetes-gpu"},
                           {"node_type", "p5.48xlarge"},
                           {"min_replicas", 1},
                           {"max_replicas", 1},
                           {"max_nodes", 1}},
                          {{"name", "second"},
                           {"platform", "kubernetes-gpu"},
                           {"node_type", second_node},
                           {"llm_tensor_parallel", second_tp},
                           {"min_replicas", 1},
                           {"max_replicas", 1},
                           {"max_nodes", 1}}}}};
  if (!second_llm.is_null()) doc["candidates"][1]["llm"] = second_llm;
  return doc;
}

// The iteration model of candidate i's own model on `tp` H100s, with the efficiencies given (0.5 of the
// dense peak, 0.8 of the bandwidth, 2 ms per iteration) and no all-reduce (no fabric): the roofline alone.
std::shared_ptr<const platforms::LlmTiming> h100_timing(const sim::Scenario& sc, size_t i, uint32_t tp) {
  platforms::LlmReplicaParams r;
  r.tensor_parallel = tp;
  r.compute_efficiency = 0.5;
  r.bandwidth_efficiency = 0.8;
  r.overhead_s = 0.002;
  const sim::Scenario own = sim::scenario_for(sc, sc.candidates[i]);
  return platforms::make_llm_serving(own.service.llm, *platforms::gpu_catalog().find("h100"), r, sc.file)
      .timing;
}

}  // namespace

TEST_CASE("platforms::LlmServing: a 70B candidate's decode step scales with its weight bytes") {
  const sim::Scenario sc =
      test::scenario_from(eight_b_and({{"model", "llama-3.1-70b"}, {"precision", "fp8"}}, 4));
  const auto small = h100_timing(sc, 0, 1);
  const auto large = h100_timing(sc, 1, 4);
  // Batch 1, no context: a step reads the weights once; compute (2 x 8.03e9 FLOP over 989.5 TFLOP/s x 0.5 =
  // 32 us) is far below. 8B at bf16 on 1 GPU: 16.06e9 B / (3,350e9 B/s x 0.8) = 5.9925 ms, + 2 ms.
  // 70B at fp8 on 4 GPUs: 70.6e9 B / (4 x 3,350e9 B/s x 0.8) = 6.5858 ms, + 2 ms.
  const double small_s = small->iteration_s(0, 0, 1, 0), large_s = large->iteration_s(0, 0, 1, 0);
  CHECK(small_s == Approx(16.06e9 / (3350e9 * 0.8) + 0.002).epsilon(1e-9));
  CHECK(large_s == Approx(70.6e9 / (4 * 3350e9 * 0.8) + 0.002).epsilon(1e-9));
  // The bandwidth parts: the bytes per GPU, (70.6 / 4) / 16.06 = 1.0990.
  CHECK((large_s - 0.002) / (small_s - 0.002) == Approx(70.6 / 4 / 16.06).epsilon(1e-9));
  // On 8 GPUs the 70B reads half as much per GPU: 3.2929 ms + 2 ms.
  const sim::Scenario sc8 =
      test::scenario_from(eight_b_and({{"model", "llama-3.1-70b"}, {"precision", "fp8"}}, 8));
  CHECK(h100_timing(sc8, 1, 8)->iteration_s(0, 0, 1, 0) == Approx(70.6e9 / (8 * 3350e9 * 0.8) + 0.002));
}

TEST_CASE("platforms::LlmServing: a 70B candidate's KV capacity comes from its own shape") {
  const sim::Scenario sc =
      test::scenario_from(eight_b_and({{"model", "llama-3.1-70b"}, {"precision", "fp8"}}, 4));
  // KV bytes per token at bf16 = 2 x layers x kv_heads x head_dim x 2 B:
  //   8B:  2 x 32 x 8 x 128 x 2 = 131,072 B;   70B: 2 x 80 x 8 x 128 x 2 = 327,680 B.
  // Room = tp x (80e9 x 0.9 - 1e9) - weights:
  //   8B on 1 GPU:  71e9 - 16.06e9 = 54.94e9 B  -> 419,158 tokens;
  //   70B on 4 GPUs: 284e9 - 70.6e9 = 213.4e9 B -> 651,245 tokens.
  CHECK(h100_timing(sc, 0, 1)->kv_capacity_tokens() == 419158);
  CHECK(h100_timing(sc, 1, 4)->kv_capacity_tokens() == 651245);
}

TEST_CASE("platforms::LlmServing: a candidate's model too large for its GPUs names /candidates/N/llm") {
  // 70B at bf16 (the precision carried over from service.llm): 141.2 GB on one L4 (24 GB).
  const sim::Scenario sc = test::scenario_from(eight_b_and({{"model", "llama-3.1-70b"}}, 1, "g6.xlarge"));
  CHECK_THROWS_WITH(
      platforms::make_candidates(sc),
      Contains("test-scenario.json: /candidates/1/llm: expected the model to fit the GPU memory") &&
          Contains("weights 141.2 GB at bf16"));
}

TEST_CASE("platforms::LlmServing: another candidate's llm leaves a candidate's results byte for byte") {
  // The 8B candidate with a second 8B candidate beside it, then with the second serving the 70B at fp8:
  // the first one's summary.json entry is the same text.
  const sim::Scenario same = test::scenario_from(eight_b_and(nullptr, 4));
  const sim::Scenario mixed =
      test::scenario_from(eight_b_and({{"model", "llama-3.1-70b"}, {"precision", "fp8"}}, 4));
  const auto a = test::simulate(same), b = test::simulate(mixed);
  const auto first_a = reports::summary_json(same, a.results)["candidates"][0];
  const auto first_b = reports::summary_json(mixed, b.results)["candidates"][0];
  CHECK(first_a.dump() == first_b.dump());
  CHECK(first_a["requests"]["served"].get<uint64_t>() > 200);  // about 2 req/s for 120 s, all served
  // The second candidate changed: its model, and its decode steps.
  const auto second_a = reports::summary_json(same, a.results)["candidates"][1];
  const auto second_b = reports::summary_json(mixed, b.results)["candidates"][1];
  CHECK(second_a["model"]["name"] == "llama-3.1-8b");
  CHECK(second_b["model"]["name"] == "llama-3.1-70b");
  CHECK(second_b["model"]["weights_gb"].get<double>() == Approx(70.6));
  CHECK(second_a["llm"]["tpot_ms"]["p50"] != second_b["llm"]["tpot_ms"]["p50"]);
}
