#include "app/scenario_model.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "app/memory_fit.hpp"
#include "core/input_error.hpp"
#include "models/model_generator.hpp"
#include "models/profiler.hpp"
#include "models/test_dir.hpp"
#include "support/sim_harness.hpp"

using namespace servesim;
using namespace servesim::models;
using namespace servesim::app;
using servesim::models::test::scratch;
using servesim::models::test::scratch_dir;
namespace fs = std::filesystem;

namespace {

// The small text-transformer reference model (0.94 M parameters), generated once per test process.
const std::string& small_transformer() {
  static const std::string path = [] {
    GenerateOptions options;
    options.kind = ModelKind::kTextTransformer;
    generate_model(options, scratch("transformer.onnx"));
    return scratch("transformer.onnx");
  }();
  return path;
}

// Few repetitions: the suite stays fast. Threads 1 and 2 feed the parallel fraction.
ScenarioModelOptions quick() {
  ScenarioModelOptions o;
  o.profile.threads = {1, 2};
  o.profile.warmup = 2;
  o.profile.min_reps = 30;
  o.profile.max_reps = 30;
  o.profile.cache_dir = scratch("cache");
  return o;
}

nlohmann::json scenario_doc(const nlohmann::json& model, const nlohmann::json& candidates) {
  return {{"name", "m"},
          {"workload", {{"type", "poisson"}, {"rate_rps", 5}, {"duration_s", 200}}},
          {"model", model},
          {"service", {{"cold_start", {{"runtime_init", {{"type", "constant"}, {"value_ms", 300}}}}}}},
          {"candidates", candidates}};
}

const nlohmann::json kLambda2048 = {{{"platform", "aws-lambda"}, {"memory_mb", 2048}}};

// A hand-made profile: t1 = 100 ms, t2 = 62.5 ms (S2 = 1.6, p = 0.75), peak RSS 200 MB.
ModelProfile hand_profile() {
  ModelProfile p;
  p.engine = "onnxruntime";
  p.engine_version = "1.30.0";
  p.model_path = "hand.onnx";
  p.sha256 = std::string(64, 'a');
  p.model_bytes = 250'000'000;
  p.load_s = 1.2;
  p.load_optimized_s = 0.4;
  p.first_inference_s = 0.15;
  p.latency = {{1, 1, 100, 0.101, 0.100, 0.110, 0.130}, {1, 2, 100, 0.063, 0.0625, 0.070, 0.080}};
  p.peak_rss_mb = 200;
  return p;
}

std::string saved_hand_profile() {
  const std::string path = scratch("hand-profile.json");
  save_profile(hand_profile(), path);
  return path;
}

sim::Scenario parse(const nlohmann::json& doc) {
  return sim::parse_scenario(doc, "s.json", scratch_dir().string());
}

std::string error_of(const nlohmann::json& doc) {
  try {
    sim::Scenario sc = parse(doc);
    apply_model(sc, quick());
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("app::apply_model: a profiled ONNX model gives the scenario's service times") {
  sim::Scenario sc = parse(scenario_doc({{"onnx", small_transformer()}}, kLambda2048));
  std::ostringstream warnings;
  ScenarioModelOptions options = quick();
  options.warnings = &warnings;
  const auto model = apply_model(sc, options);
  REQUIRE(model);
  const ModelProfile& p = model->profile;
  const LatencyPoint& t1 = *p.find(1, 1);
  const LatencyPoint& t2 = *p.find(1, 2);
  const sim::ServiceSpec& s = sc.service;

  SECTION("warm: an empirical distribution through the measured percentiles, on 1 vCPU") {
    CHECK(s.reference_vcpu == 1.0);
    CHECK(s.warm_s.kind() == sim::Distribution::Kind::empirical);
    CHECK(s.warm_s.quantile_s(0.5) == Approx(t1.p50_s).epsilon(1e-12));
    CHECK(s.warm_s.quantile_s(0.9) == Approx(t1.p90_s).epsilon(1e-12));
    CHECK(s.warm_s.quantile_s(0.99) == Approx(t1.p99_s).epsilon(1e-12));
    // Its mean lies within the measured p50..p99 range, give or take 3%.
    CHECK(s.warm_s.mean_s() >= 0.97 * t1.p50_s);
    CHECK(s.warm_s.mean_s() <= 1.03 * t1.p99_s);
  }
  SECTION("parallel fraction from the measured 1 -> 2 thread speed-up, by hand") {
    const double s2 = t1.p50_s / t2.p50_s;
    CHECK(s.parallel_fraction == Approx(std::clamp(2 * (1 - 1 / s2), 0.0, 1.0)).margin(1e-12));
  }
  SECTION("cold start: model bytes, measured load, the scenario's runtime init") {
    CHECK(s.model_size_mb == Approx(static_cast<double>(fs::file_size(small_transformer())) / 1e6));
    CHECK(s.model_load_s.mean_s() == Approx(p.load_s + std::max(0.0, p.first_inference_s - t1.p50_s)));
    CHECK(s.runtime_init_s.mean_s() == Approx(0.3));
    CHECK(model->required_memory_mib == Approx(p.peak_rss_mb + kRuntimeOverheadMib));
    CHECK(p.peak_rss_mb > 10);
  }
  SECTION("the second use reads the cache") {
    sim::Scenario again = parse(scenario_doc({{"onnx", small_transformer()}}, kLambda2048));
    const auto cached = apply_model(again, options);
    CHECK(cached->from_cache);
    CHECK(again.service.warm_s.quantile_s(0.5) == s.warm_s.quantile_s(0.5));
    CHECK_THAT(cached->describe(again.service), Catch::Contains("cached profile"));
  }
  SECTION("the memory check rejects a 128 MB Lambda: the model's process alone is larger") {
    REQUIRE(p.peak_rss_mb + kRuntimeOverheadMib > 128);
    sim::Scenario small = parse(
        scenario_doc({{"onnx", small_transformer()}}, {{{"platform", "aws-lambda"}, {"memory_mb", 128}}}));
    CHECK_THROWS_WITH(
        apply_model(small, options),
        Catch::Contains("s.json: /candidates/0/memory_mb: 128 MB is below what the model needs") &&
            Catch::Contains("would be killed out of memory"));
  }
}

TEST_CASE("app::apply_model: the simulated median on 2 vCPU is the measured 2-thread latency") {
  // 5 requests/s of a ~ms model on a 3,538 MB Lambda (2 vCPU): almost every request is warm, and the scaling
  // law turns the 1-thread distribution into t1 ((1 - p) + p / 2), which is the measured t2 unless p clamps.
  sim::Scenario sc = parse(
      scenario_doc({{"onnx", small_transformer()}}, {{{"platform", "aws-lambda"}, {"memory_mb", 3538}}}));
  const auto model = apply_model(sc, quick());
  const auto run = servesim::test::simulate(sc);
  const auto& r = run.results.at(0);
  REQUIRE(r.requests.served > 800);
  const double expected_s = service_time_s(model->profile, 2.0);
  CHECK(r.latency.quantile_s(0.5) == Approx(expected_s).epsilon(0.05));
}

TEST_CASE("app::apply_model: a saved profile, explicit service values and the load figure") {
  const std::string profile = saved_hand_profile();

  SECTION("a saved profile: p = 0.75 from S2 = 1.6; load plain = 1.2 s + 0.05 s first-inference extra") {
    sim::Scenario sc = parse(scenario_doc({{"profile", profile}}, kLambda2048));
    const auto model = apply_model(sc, quick());
    CHECK(model->from_profile);
    CHECK(sc.service.parallel_fraction == Approx(0.75));
    CHECK(sc.service.warm_s.quantile_s(0.5) == Approx(0.100));
    CHECK(sc.service.warm_s.quantile_s(0.0) == Approx(0.090));             // p50 - (p90 - p50)
    CHECK(sc.service.warm_s.quantile_s(1.0) == Approx(0.130 + 0.02 / 9));  // p99 + (p99 - p90) / 9
    CHECK(sc.service.model_load_s.mean_s() == Approx(1.25));
    CHECK(sc.service.model_size_mb == Approx(250));
  }
  SECTION("\"load\": \"optimized\" takes the optimized-model figure") {
    sim::Scenario sc = parse(scenario_doc({{"profile", profile}, {"load", "optimized"}}, kLambda2048));
    apply_model(sc, quick());
    CHECK(sc.service.model_load_s.mean_s() == Approx(0.45));
  }
  SECTION("what the service section gives wins; the model fills the rest") {
    auto doc = scenario_doc({{"profile", profile}}, kLambda2048);
    doc["service"]["warm"] = {{"type", "constant"}, {"value_ms", 20}};
    doc["service"]["cold_start"]["model_size_mb"] = 5;
    sim::Scenario sc = parse(doc);
    apply_model(sc, quick());
    CHECK(sc.service.warm_s.mean_s() == Approx(0.020));
    CHECK(sc.service.model_size_mb == Approx(5));
    CHECK(sc.service.parallel_fraction == Approx(0.75));
    CHECK(sc.service.model_load_s.mean_s() == Approx(1.25));
  }
  SECTION("a given reference_vcpu: the 1-vCPU timings are converted to it") {
    auto doc = scenario_doc({{"profile", profile}}, kLambda2048);
    doc["service"]["reference_vcpu"] = 2;
    sim::Scenario sc = parse(doc);
    apply_model(sc, quick());
    CHECK(sc.service.warm_s.quantile_s(0.5) == Approx(0.0625));  // t1 ((1 - p) + p / 2) = t2
    CHECK(sc.service.model_load_s.mean_s() == Approx(1.25 * 0.625));
  }
}

TEST_CASE("app::apply_model: a missing model with \"generate\" is generated once into the cache") {
  // The scenario names a file that is not there (an installed, read-only scenario before scripts/make-models)
  // and how to make it: the run generates the same seeded model `servesim models generate` writes, into the
  // cache folder, and profiles that; a second run reuses it without a word.
  const std::string cache = scratch("generate-cache");
  fs::remove_all(cache);
  ScenarioModelOptions options = quick();
  options.profile.cache_dir = cache;
  const nlohmann::json section = {
      {"onnx", "absent/model.onnx"},
      {"generate", {{"kind", "text-transformer"}, {"size", "small"}, {"seed", 1}}}};
  std::ostringstream notes;
  options.warnings = &notes;
  sim::Scenario sc = parse(scenario_doc(section, kLambda2048));
  const auto model = apply_model(sc, options);
  REQUIRE(model);
  const std::string generated = cache + "/models/text-transformer-small-seed1.onnx";
  CHECK(model->source == generated);
  CHECK_THAT(notes.str(),
             Catch::Contains("absent/model.onnx not found: generated text-transformer (small, seed "
                             "1) into " +
                             generated));
  auto bytes = [](const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  CHECK(bytes(generated) == bytes(small_transformer()));  // GenerateOptions' defaults: small, seed 1

  std::ostringstream again_notes;
  options.warnings = &again_notes;
  sim::Scenario again = parse(scenario_doc(section, kLambda2048));
  CHECK(apply_model(again, options)->source == generated);
  CHECK(again_notes.str().find("generated") == std::string::npos);

  // An existing file wins over "generate"; a bad generate section names its key.
  sim::Scenario present =
      parse(scenario_doc({{"onnx", small_transformer()}, {"generate", section["generate"]}}, kLambda2048));
  CHECK(apply_model(present, options)->source == small_transformer());
  CHECK_THAT(
      error_of(scenario_doc({{"onnx", "absent.onnx"}, {"generate", {{"kind", "llama"}}}}, kLambda2048)),
      Catch::Contains("s.json: /model/generate/kind: expected one of image-cnn, text-transformer"));
}

TEST_CASE("app::apply_model: bad model sections are InputErrors naming the scenario and the pointer") {
  const std::string profile = saved_hand_profile();
  auto expect = [](const nlohmann::json& model, const std::string& message) {
    CHECK_THAT(error_of(scenario_doc(model, kLambda2048)), Catch::Contains(message));
  };
  SECTION("a missing model file") {
    expect({{"onnx", "nope.onnx"}}, "s.json: /model/onnx: cannot open '" + scratch("nope.onnx") + "'");
    expect({{"profile", "nope.json"}}, "s.json: /model/profile: cannot open");
  }
  SECTION("unknown keys, both or neither source, a bad load figure") {
    expect({{"onnx", small_transformer()}, {"thread", 2}}, "s.json: /model/thread: unknown key");
    expect({{"onxx", "m.onnx"}},
           "s.json: /model: expected {\"onnx\": \"MODEL.onnx\"}, {\"profile\": \"PROFILE.json\"} or "
           "{\"gpu_profile\"");
    expect({{"onnx", small_transformer()}, {"profile", profile}}, "s.json: /model: expected one of");
    expect({{"profile", profile}, {"load", "fast"}}, "s.json: /model/load: expected one of plain, optimized");
    expect({{"profile", profile}, {"engine", "ort"}}, "s.json: /model/engine: unknown key");
    expect("m.onnx", "s.json: /model: expected an object");
  }
  SECTION("a file that is not an ONNX model, or not a profile") {
    const std::string junk = scratch("junk.onnx");
    std::ofstream(junk) << "not a model";
    expect({{"onnx", junk}}, "s.json: /model/onnx: " + junk);
    expect({{"profile", junk}}, "s.json: /model/profile: " + junk + ": line 1: not valid JSON");
  }
  SECTION("\"optimized\" without that figure; a profile without a 1-thread point") {
    ModelProfile p = hand_profile();
    p.load_optimized_s.reset();
    p.latency = {{1, 2, 100, 0.063, 0.0625, 0.070, 0.080}};
    save_profile(p, scratch("partial.json"));
    expect({{"profile", scratch("partial.json")}, {"load", "optimized"}},
           "s.json: /model: the model profile");
    p.latency.push_back({1, 1, 100, 0.101, 0.100, 0.110, 0.130});
    save_profile(p, scratch("partial.json"));
    expect({{"profile", scratch("partial.json")}, {"load", "optimized"}},
           "s.json: /model/load: expected \"plain\": the profile has no optimized-model load time");
  }
}

TEST_CASE("app::check_memory: every candidate's memory, read from its settings or the catalogue") {
  const ModelProfile p = hand_profile();  // peak RSS 200 MB: needs 264 MB
  auto check = [&](const nlohmann::json& candidates) {
    const sim::Scenario sc = parse(scenario_doc({{"profile", "x"}}, candidates));
    check_memory(sc, p);
  };
  CHECK_NOTHROW(check({{{"platform", "aws-lambda"}, {"memory_mb", 264}}}));
  CHECK_THROWS_WITH(check({{{"platform", "aws-lambda"}, {"memory_mb", 263}}}),
                    "s.json: /candidates/0/memory_mb: 263 MB is below what the model needs: 200.0 MB peak "
                    "resident memory measured (onnxruntime) + 64 MB runtime overhead = 264.0 MB; candidate "
                    "\"aws-lambda-0\" would be killed out of memory (give memory_mb of at least 264)");
  CHECK_THROWS_WITH(check({{{"platform", "aws-lambda"}}}), Catch::Contains("128 MB (the catalogue default)"));
  CHECK_THROWS_WITH(check({{{"platform", "gcp-cloud-run"}, {"memory_gib", 0.25}}}),
                    Catch::Contains("/candidates/0/memory_gib: 0.25 GiB is below") &&
                        Catch::Contains("memory_gib of at least 0.258"));
  CHECK_NOTHROW(check({{{"platform", "gcp-cloud-run"}, {"memory_gib", 0.5}}}));
  CHECK_NOTHROW(check({{{"platform", "azure-functions"}, {"plan", "flex"}, {"flex_memory_mb", 512}}}));
  // A topology's model stages that serve the scenario's model are checked at their own pointer; a stage with
  // its own `service` serves another model and is not.
  const nlohmann::json small_lambda = {{"platform", "aws-lambda"}, {"memory_mb", 128}};
  CHECK_THROWS_WITH(check({{{"name", "t"},
                            {"platform", "topology"},
                            {"stages", {{{"id", "fast"}, {"kind", "model"}, {"candidate", small_lambda}}}}}}),
                    Catch::Contains("s.json: /candidates/0/stages/0/candidate/memory_mb: 128 MB is below") &&
                        Catch::Contains("candidate \"t/fast\""));
  CHECK_NOTHROW(check({{{"name", "t"},
                        {"platform", "topology"},
                        {"stages",
                         {{{"id", "fast"},
                           {"kind", "model"},
                           {"candidate", small_lambda},
                           {"service", {{"warm", {{"type", "constant"}, {"value_ms", 5}}}}}}}}}}));
  // Platforms (and plans) without a memory key are not checked.
  CHECK_NOTHROW(check({{{"platform", "fixed-pool"}},
                       {{"platform", "kubernetes-gpu"}},
                       {{"platform", "azure-functions"}, {"plan", "consumption"}}}));
  const auto flex = candidate_memory(
      parse(scenario_doc({{"profile", "x"}}, {{{"platform", "azure-functions"}, {"plan", "flex"}}}))
          .candidates.at(0),
      "s.json");
  REQUIRE(flex);
  CHECK(flex->key == "flex_memory_mb");
  CHECK(flex->mib == 2048);
  CHECK(flex->is_default);
}

TEST_CASE("app::apply_model: the scenario reader accepts a model section instead of service.warm") {
  auto doc = scenario_doc({{"profile", "p.json"}}, kLambda2048);
  doc.erase("service");
  CHECK_NOTHROW(parse(doc));
  doc.erase("model");
  CHECK_THROWS_WITH(parse(doc),
                    "s.json: /service/warm: missing (give the warm service time, or a \"model\" section)");
  doc["service"] = {{"reference_vcpu", 1}};
  CHECK_THROWS_WITH(parse(doc),
                    "s.json: /service/warm: missing (give the warm service time, or a \"model\" section)");
  // Without apply_model, nothing is filled in: the given flags say what the file had.
  doc["model"] = {{"profile", "p.json"}};
  const sim::Scenario sc = parse(doc);
  CHECK_FALSE(sc.service.given.warm);
  CHECK(sc.service.given.reference_vcpu);
  CHECK(sc.model["profile"] == "p.json");
}

TEST_CASE("app::apply_model: a language model's profile fills service.llm's per-token CPU costs") {
  // Hand-made 1-thread timings (no engine needed):
  //   prefill 128 tokens 10 ms, 512 tokens 46 ms: slope 36 ms / 384 = 0.09375 ms per token,
  //     intercept 10 - 128 x 0.09375 = -2 ms;
  //   decode after 128 tokens 1.0 ms, after 512 tokens 1.8 ms: slope 0.8 ms / 384 per token of context,
  //     intercept 1.0 - 128 x 0.8 / 384 = 0.73333 ms.
  ModelProfile p = hand_profile();
  LlmProfile llm{4, 4, 64, {}};
  LlmTiming t;
  t.threads = 1;
  t.prefill = {{128, 5, 0.010}, {512, 5, 0.046}};
  t.decode = {{128, 50, 0.0010}, {512, 50, 0.0018}};
  const LineFit prefill = fit_line(t.prefill), decode = fit_line(t.decode);
  t.prefill_fixed_s = prefill.intercept;
  t.prefill_s_per_token = prefill.slope;
  t.decode_fixed_s = decode.intercept;
  t.decode_s_per_context_token = decode.slope;
  llm.timings.push_back(t);
  p.llm = llm;
  const std::string path = scratch("llm-profile.json");
  save_profile(p, path);
  // Defaults 256 input and 63 output tokens:
  //   input:  (-2 + 256 x 0.09375) ms / 256 = 22 ms / 256 = 0.0859375 ms per token
  //   output: one step at 256 + (63 + 1) / 2 = 288 cached tokens = 0.73333 + 288 x 0.8 / 384 = 1.33333 ms
  nlohmann::json doc = scenario_doc({{"profile", path}}, {{{"platform", "aws-lambda"}, {"memory_mb", 1769}}});
  doc["service"]["llm"] = {
      {"model", "qwen2.5-0.5b"}, {"default_input_tokens", 256}, {"default_output_tokens", 63}};

  SECTION("both costs measured, and the simulated service time is theirs") {
    sim::Scenario sc = parse(doc);
    const auto model = apply_model(sc, quick());
    CHECK(model->llm_costs_measured);
    CHECK(sc.service.llm.cpu_s_per_input_token == Approx(0.0859375e-3));
    CHECK(sc.service.llm.cpu_s_per_output_token == Approx(1.333333e-3));
    CHECK_THAT(model->describe(sc.service), Catch::Contains("(measured)"));
    // A synthetic workload has no token counts: each request costs 256 x 0.0859375 + 63 x 1.33333 = 22 + 84
    // = 106 ms on 1 vCPU (1,769 MB), at least, and the CPU candidate's latencies are measured ones.
    const auto run = servesim::test::simulate(sc);
    const auto& r = run.results.at(0);
    REQUIRE(r.requests.served > 800);
    CHECK(r.latency_source == "measured");
    CHECK(r.latency.quantile_s(0.5) >= 0.106 * 0.99);
  }
  SECTION("a cost the scenario gives is kept") {
    doc["service"]["llm"]["cpu_ms_per_input_token"] = 0.5;
    sim::Scenario sc = parse(doc);
    const auto model = apply_model(sc, quick());
    CHECK(sc.service.llm.cpu_s_per_input_token == Approx(0.5e-3));
    CHECK(sc.service.llm.cpu_s_per_output_token == Approx(1.333333e-3));
    CHECK(model->llm_costs_measured);
  }
  SECTION("a profile without prefill/decode timings leaves them to the scenario") {
    doc["model"] = {{"profile", saved_hand_profile()}};
    sim::Scenario sc = parse(doc);
    const auto model = apply_model(sc, quick());
    CHECK_FALSE(model->llm_costs_measured);
    CHECK(sc.service.llm.cpu_s_per_output_token == 0);
  }
}
