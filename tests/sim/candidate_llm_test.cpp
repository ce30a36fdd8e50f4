// candidates[i].llm (sim/candidate_llm.hpp): a candidate's model over service.llm, for it only, and the cold
// start that follows its weights. Figures worked by hand from the presets (sim/llm_presets.cpp).
#include "sim/candidate_llm.hpp"

#include <catch2/catch.hpp>

#include "core/input_error.hpp"

using Catch::Matchers::Contains;
using servesim::InputError;
using namespace servesim::sim;

namespace {

// Llama 3.1 8B at bf16 for the scenario (model_size_mb 16,060 = its weights), two GPU candidates; `own` is
// the second one's "llm" (none when null).
nlohmann::json llm_two_candidates(const nlohmann::json& own, double model_size_mb = 16060) {
  nlohmann::json doc = {
      {"workload", {{"type", "poisson"}, {"rate_rps", 1}, {"duration_s", 10}}},
      {"service",
       {{"llm",
         {{"model", "llama-3.1-8b"},
          {"precision", "bf16"},
          {"kv_precision", "bf16"},
          {"max_context_tokens", 8192}}},
        {"cold_start",
         {{"source", "image"},
          {"package_mb", 4000},
          {"model_size_mb", model_size_mb},
          {"model_load", {{"type", "lognormal"}, {"mean_ms", 45000}, {"p99_ms", 90000}}}}}}},
      {"candidates",
       {{{"name", "l4-8b"}, {"platform", "kubernetes-gpu"}, {"node_type", "g6.xlarge"}},
        {{"name", "h100-70b"}, {"platform", "kubernetes-gpu"}, {"node_type", "p5.48xlarge"}}}}};
  if (!own.is_null()) doc["candidates"][1]["llm"] = own;
  return doc;
}

Scenario parse_llm_candidates(const nlohmann::json& doc) {
  return parse_scenario(doc, "s.json", ".");
}

}  // namespace

TEST_CASE("sim::candidate_llm: a candidate's llm changes only that candidate") {
  const Scenario sc =
      parse_llm_candidates(llm_two_candidates({{"model", "llama-3.1-70b"}, {"precision", "fp8"}}));
  const CandidateSpec& other = sc.candidates[0];
  const CandidateSpec& own = sc.candidates[1];
  CHECK_FALSE(other.has_llm);
  CHECK(llm_of(sc, other).name == "llama-3.1-8b");
  CHECK_FALSE(own.settings.contains("llm"));  // the platform's settings never see it
  const LlmShape& m = llm_of(sc, own);
  CHECK(m.name == "llama-3.1-70b");
  CHECK(m.pointer == "/candidates/1/llm");
  CHECK(m.precision == "fp8");
  CHECK(m.layers == 80);
  CHECK(m.kv_heads == 8);
  CHECK(m.kv_precision == "bf16");      // carried over from service.llm
  CHECK(m.max_context_tokens == 8192);  // likewise (not the preset's 131,072)
  CHECK(candidates_serve_different_models(sc));
  // The other candidate's service is the scenario's, unchanged.
  const ServiceSpec s0 = service_for(sc.service, other);
  CHECK(s0.llm.name == "llama-3.1-8b");
  CHECK(s0.model_size_mb == 16060);
  CHECK(s0.model_load_s.mean_s() == Approx(45.0));
}

TEST_CASE("sim::candidate_llm: the cold start follows the candidate's weights") {
  SECTION("weights = parameters x bytes per weight") {
    const Scenario sc =
        parse_llm_candidates(llm_two_candidates({{"model", "llama-3.1-70b"}, {"precision", "fp8"}}));
    CHECK(llm_weights_mb(sc.service.llm) == Approx(16060));        // 8.03 B x 2 B
    CHECK(llm_weights_mb(sc.candidates[1].llm) == Approx(70600));  // 70.6 B x 1 B
  }
  SECTION("model_size_mb: service.llm's weights replaced by the candidate's; model_load scaled with it") {
    // 16,060 - 16,060 + 70,600 = 70,600 MB; load 45 s x 70,600 / 16,060 = 197.82 s.
    const Scenario sc =
        parse_llm_candidates(llm_two_candidates({{"model", "llama-3.1-70b"}, {"precision", "fp8"}}));
    const ServiceSpec s = service_for(sc.service, sc.candidates[1]);
    CHECK(s.model_size_mb == Approx(70600));
    CHECK(s.model_load_s.mean_s() == Approx(45.0 * 70600 / 16060));
    CHECK(s.model_load_s.quantile_s(0.99) == Approx(90.0 * 70600 / 16060).epsilon(1e-3));
    CHECK(s.package_mb == 4000);  // nothing else of the cold start changes
  }
  SECTION("what the scenario fetches besides the weights is kept") {
    // 20,000 MB = 16,060 of weights + 3,940 of the rest: 3,940 + 70,600 = 74,540 MB.
    const Scenario sc =
        parse_llm_candidates(llm_two_candidates({{"model", "llama-3.1-70b"}, {"precision", "fp8"}}, 20000));
    CHECK(service_for(sc.service, sc.candidates[1]).model_size_mb == Approx(74540));
  }
  SECTION("the same weights (only the KV precision changes): the scenario's cold start") {
    const Scenario sc = parse_llm_candidates(llm_two_candidates({{"kv_precision", "fp8"}}));
    const ServiceSpec s = service_for(sc.service, sc.candidates[1]);
    CHECK_FALSE(candidates_serve_different_models(sc));
    CHECK(s.llm.kv_precision == "fp8");
    CHECK(s.model_size_mb == 16060);
    CHECK(s.model_load_s.mean_s() == Approx(45.0));
  }
  SECTION("the candidate's own model_size_mb wins") {
    const Scenario sc =
        parse_llm_candidates(llm_two_candidates({{"model", "llama-3.1-70b"}, {"model_size_mb", 75000}}));
    CHECK(service_for(sc.service, sc.candidates[1]).model_size_mb == 75000);
  }
  SECTION("no model fetched by the scenario (0): none by the candidate either") {
    const Scenario sc = parse_llm_candidates(llm_two_candidates({{"model", "llama-3.1-70b"}}, 0));
    CHECK(service_for(sc.service, sc.candidates[1]).model_size_mb == 0);
  }
}

TEST_CASE("sim::candidate_llm: bad input names /candidates/N/llm") {
  SECTION("an unknown preset") {
    CHECK_THROWS_WITH(parse_llm_candidates(llm_two_candidates({{"model", "llama-4"}})),
                      Contains("s.json: /candidates/1/llm/model: expected one of llama-3.1-8b"));
  }
  SECTION("an unknown key") {
    CHECK_THROWS_WITH(parse_llm_candidates(llm_two_candidates({{"tensor_parallel", 4}})),
                      Contains("/candidates/1/llm/tensor_parallel"));
  }
  SECTION("not an object") {
    CHECK_THROWS_WITH(parse_llm_candidates(llm_two_candidates("llama-3.1-70b")),
                      Contains("/candidates/1/llm: expected an object of service.llm keys"));
  }
  SECTION("no service.llm to refine") {
    nlohmann::json doc = llm_two_candidates({{"model", "llama-3.1-70b"}});
    doc["service"].erase("llm");
    doc["service"]["warm"] = {{"type", "constant"}, {"value_ms", 20}};
    CHECK_THROWS_WITH(parse_llm_candidates(doc), Contains("/candidates/1/llm: unexpected"));
  }
  SECTION("a model_size_mb below service.llm's weights cannot be split into weights and the rest") {
    CHECK_THROWS_WITH(parse_llm_candidates(llm_two_candidates({{"model", "llama-3.1-70b"}}, 5000)),
                      Contains("/candidates/1/llm/model_size_mb: missing: service.cold_start.model_size_mb "
                               "(5000 MB) is less than service.llm's weights (16060 MB)"));
  }
}

TEST_CASE("sim::candidate_llm: a trace must fit the shortest context of any candidate") {
  const Scenario sc = parse_llm_candidates(llm_two_candidates({{"max_context_tokens", 4096}}));
  CHECK(sc.workload.max_request_tokens == 4096);
  CHECK(sc.workload.max_request_tokens_key == "candidate \"h100-70b\"'s llm.max_context_tokens");
  const Scenario same = parse_llm_candidates(llm_two_candidates(nullptr));
  CHECK(same.workload.max_request_tokens == 8192);
  CHECK(same.workload.max_request_tokens_key == "service.llm.max_context_tokens");
}
