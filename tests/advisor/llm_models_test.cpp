// Candidates serving different models (candidates[i].llm): the advisor's facts name each one's model and
// the rules judge the smallest (a limit the smallest exceeds, every model exceeds). Weights worked by hand:
// parameters x bytes per weight (sim/llm_presets.cpp).
#include <catch2/catch.hpp>

#include "advisor_scenarios.hpp"

using namespace servesim;

namespace {

// Llama 3.1 70B at fp8 for the scenario (no model_size_mb: the facts take the weights), on an H100 node.
nlohmann::json seventy_b_scenario() {
  return {{"workload", {{"type", "poisson"}, {"rate_rps", 1}, {"duration_s", 60}}},
          {"service",
           {{"llm", {{"model", "llama-3.1-70b"}, {"precision", "fp8"}, {"max_context_tokens", 8192}}}}},
          {"slo", {{"p99_ms", 60000}}},
          {"candidates",
           {{{"name", "h100-70b"},
             {"platform", "kubernetes-gpu"},
             {"node_type", "p5.48xlarge"},
             {"llm_tensor_parallel", 4}}}}};
}

}  // namespace

TEST_CASE("advisor::Facts: candidates serving different models are named, the rules judge the smallest") {
  SECTION("one model: its weights, 70.6 B x 1 B = 70,600 MB > 5,000 MB") {
    const auto sc = test::scenario_from(seventy_b_scenario());
    const auto facts = advisor::derive_facts(sc, advisor::parse_advisor_section(sc));
    CHECK_FALSE(facts.llm_models_differ);
    CHECK(facts.model_size_mb == Approx(70600));
    CHECK(test::answer_at(test::rules_for(seventy_b_scenario()), "q_model") == "yes");
  }
  SECTION("beside Llama 3.2 1B at int4 (1.24 B x 0.5 B = 620 MB): the rules judge the 1B") {
    auto doc = seventy_b_scenario();
    doc["candidates"].push_back({{"name", "l4-1b"},
                                 {"platform", "kubernetes-gpu"},
                                 {"node_type", "g6.xlarge"},
                                 {"llm", {{"model", "llama-3.2-1b"}, {"precision", "int4"}}}});
    const auto sc = test::scenario_from(doc);
    const auto facts = advisor::derive_facts(sc, advisor::parse_advisor_section(sc));
    CHECK(facts.llm_models_differ);
    REQUIRE(facts.llm_candidate_models.size() == 2);
    CHECK(facts.llm_candidate_models[0] == "h100-70b: llama-3.1-70b at fp8 (70.6 GB of weights)");
    CHECK(facts.llm_candidate_models[1] == "l4-1b: llama-3.2-1b at int4 (0.62 GB of weights)");
    CHECK(facts.llm_name == "llama-3.2-1b");
    CHECK(facts.llm_weights_gb == Approx(0.62));
    CHECK(facts.model_size_mb == Approx(620));
    CHECK(test::answer_at(test::rules_for(doc), "q_model") == "no");
  }
}
