// The text-decoder reference model: its KV-cache contract (shapes), that decoding with the cache gives the
// logits of a full recompute, and that `servesim profile` times prefill and decode as theory bounds them.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "models/model_generator.hpp"
#include "models/onnx_file.hpp"
#include "models/ort_engine.hpp"
#include "models/profiler.hpp"
#include "ort_check.hpp"
#include "test_dir.hpp"

using namespace servesim::models;
using servesim::models::test::ort_available;
using servesim::models::test::scratch;

namespace {

const std::string& small_decoder() {
  static const std::string path = [] {
    GenerateOptions options;
    options.kind = ModelKind::kTextDecoder;
    generate_model(options, scratch("decoder.onnx"));
    return scratch("decoder.onnx");
  }();
  return path;
}

const OutputTensor& output(const RunTimes& run, const std::string& name) {
  for (const auto& out : run.outputs)
    if (out.name == name) return out;
  FAIL("no output " << name);
  throw std::logic_error("unreachable");
}

// One call with the given token ids and cache (values from `cache`, or an empty cache when it is null).
RunTimes call(OrtEngine& engine, const onnx::ModelProto& model, const KvCacheShape& shape,
              const std::vector<float>& ids, std::int64_t past, const RunTimes* cache) {
  std::vector<InputSpec> specs = decoder_inputs(model, shape, static_cast<std::int64_t>(ids.size()), past, 7);
  for (auto& spec : specs) {
    if (spec.name == "input_ids") spec.values = ids;
    if (cache) {
      std::string present = spec.name;
      present.replace(0, 4, "present");  // past_key_L -> present_key_L
      if (spec.name != "input_ids") spec.values = output(*cache, present).values;
    }
  }
  return engine.run({specs, 0, 1, 1, 0, true});
}

}  // namespace

TEST_CASE("models::text-decoder: the graph declares the KV-cache contract") {
  const onnx::ModelProto model = read_onnx(small_decoder()).model;
  const auto shape = kv_cache_shape(model);
  REQUIRE(shape);
  // The small preset: 4 layers, hidden 256 over 4 heads = head_dim 64.
  CHECK(shape->layers == 4);
  CHECK(shape->heads == 4);
  CHECK(shape->head_dim == 64);
  const auto& graph = model.graph();
  REQUIRE(graph.input_size() == 1 + 2 * 4);
  REQUIRE(graph.output_size() == 1 + 2 * 4);
  auto dims = [](const onnx::ValueInfoProto& v) {
    std::vector<std::string> out;
    for (const auto& d : v.type().tensor_type().shape().dim())
      out.push_back(d.has_dim_param() ? d.dim_param() : std::to_string(d.dim_value()));
    return out;
  };
  CHECK(dims(graph.input(0)) == std::vector<std::string>{"batch", "sequence"});
  CHECK(dims(graph.input(1)) == std::vector<std::string>{"batch", "4", "past_sequence", "64"});
  CHECK(dims(graph.output(0)) == std::vector<std::string>{"batch", "sequence", "4096"});
  CHECK(dims(graph.output(1)) == std::vector<std::string>{"batch", "4", "total_sequence", "64"});
  // The other kinds have no cache.
  GenerateOptions cnn;
  generate_model(cnn, scratch("cnn.onnx"));
  CHECK_FALSE(kv_cache_shape(read_onnx(scratch("cnn.onnx")).model));
}

TEST_CASE(
    "models::text-decoder: present = past ++ new tokens, and decoding with the cache matches a "
    "full recompute") {
  if (!ort_available()) return;
  const onnx::ModelProto model = read_onnx(small_decoder()).model;
  const KvCacheShape shape = *kv_cache_shape(model);
  OrtEngine engine;
  engine.load(small_decoder(), {1, true, ""});
  const std::vector<float> prompt{17, 4000, 3, 256, 1024, 9, 77, 2048, 5, 311};  // 10 token ids < 4096

  SECTION("shapes: n = 3 new tokens after a cache of 5 give logits [1, 3, 4096], present [1, 4, 8, 64]") {
    const RunTimes run = engine.run({decoder_inputs(model, shape, 3, 5, 1), 0, 1, 1, 0, false});
    CHECK(output(run, "logits").dims == std::vector<std::int64_t>{1, 3, 4096});
    for (int layer = 0; layer < 4; ++layer) {
      CHECK(output(run, "present_key_" + std::to_string(layer)).dims ==
            std::vector<std::int64_t>{1, 4, 8, 64});
      CHECK(output(run, "present_value_" + std::to_string(layer)).dims ==
            std::vector<std::int64_t>{1, 4, 8, 64});
    }
  }

  SECTION("the cache carries the past: the first 9 tokens, then token 10 with their cache") {
    const RunTimes full = call(engine, model, shape, prompt, 0, nullptr);
    const std::vector<float> head(prompt.begin(), prompt.end() - 1);
    const RunTimes prefill = call(engine, model, shape, head, 0, nullptr);
    const RunTimes step = call(engine, model, shape, {prompt.back()}, 9, &prefill);
    REQUIRE(output(step, "logits").dims == std::vector<std::int64_t>{1, 1, 4096});
    // The last row of the full run's logits [1, 10, 4096] is the decode step's only row. Both sum the same
    // products in float32, in a different order at most: 1e-4 is far above that rounding and far below the
    // logits' spread (random unit-scale weights: differences of order 1).
    const auto& expected = output(full, "logits").values;
    const auto& got = output(step, "logits").values;
    REQUIRE(got.size() == 4096);
    double worst = 0, spread = 0;
    for (std::size_t i = 0; i < got.size(); ++i) {
      worst = std::max(worst, static_cast<double>(std::abs(got[i] - expected[9 * 4096 + i])));
      spread = std::max(spread, static_cast<double>(std::abs(got[i] - got[0])));
    }
    CHECK(worst < 1e-4);
    CHECK(spread > 1e-2);  // the logits are not all alike (the check above would then be empty)
    // The present cache of the step is the full run's: 10 positions, the first 9 from the prefill.
    const auto& full_key = output(full, "present_key_3").values;
    const auto& step_key = output(step, "present_key_3").values;
    REQUIRE(step_key.size() == full_key.size());
    double key_diff = 0;
    for (std::size_t i = 0; i < full_key.size(); ++i)
      key_diff = std::max(key_diff, static_cast<double>(std::abs(full_key[i] - step_key[i])));
    CHECK(key_diff < 1e-4);
  }
}

TEST_CASE("models::text-decoder: profile times prefill per input token and decode per step") {
  if (!ort_available()) return;
  ProfileOptions o;
  o.threads = {1};
  o.warmup = 1;
  o.min_reps = 5;
  o.max_reps = 20;
  o.llm_min_reps = 3;
  o.cache_dir = scratch("cache");
  std::ostringstream warnings;
  const ProfileResult result = profile_model(small_decoder(), o, warnings);
  REQUIRE(result.profile.llm);
  const LlmProfile& llm = *result.profile.llm;
  CHECK(llm.layers == 4);
  REQUIRE(llm.timings.size() == 1);
  const LlmTiming& t = llm.timings.front();
  REQUIRE(t.prefill.size() == 2);
  REQUIRE(t.decode.size() == 2);
  // Loose inequalities from theory only (speed is not tested): prefilling 512 tokens does at least the work
  // of 128 (4x the weight multiplications), so the fitted cost per input token is positive ...
  CHECK(t.prefill.at(1).p50_s > t.prefill.at(0).p50_s);
  CHECK(t.prefill_s_per_token > 0);
  // ... and a decode step after 512 cached tokens reads at most 4x the cache of a step after 128 plus the
  // same weights: step(c) = d0 + d1 c with d0, d1 >= 0 gives step(512) <= 4 step(128). Machine noise is
  // allowed for with 8x.
  CHECK(t.decode.at(1).p50_s < 8 * t.decode.at(0).p50_s);
  CHECK(t.decode_step_s(640) > 0);
  // The profile file keeps the timings.
  const ModelProfile reread = profile_from_json(to_json(result.profile), "p.json");
  REQUIRE(reread.llm);
  CHECK(reread.llm->timings.front().prefill_s_per_token == t.prefill_s_per_token);
  CHECK(reread.llm->timings.front().decode.at(1).tokens == 512);
}

TEST_CASE("models::fit_line: least squares through the points") {
  // y = 2 + 3x through (0, 2), (10, 32); a third point (20, 62) on the same line; with noise +-1 at x = 0
  // and x = 20 the slope is (61 - 3) / 20 = 2.9 from the two ends around the middle point (10, 32):
  // mean x = 10, mean y = (3 + 32 + 61) / 3 = 32, slope = sum (x - 10)(y - 32) / sum (x - 10)^2
  // = ((-10)(-29) + 10 * 29) / 200 = 2.9, intercept = 32 - 29 = 3.
  CHECK(fit_line({{0, 1, 2}, {10, 1, 32}}).slope == Approx(3));
  CHECK(fit_line({{0, 1, 2}, {10, 1, 32}, {20, 1, 62}}).intercept == Approx(2));
  const LineFit noisy = fit_line({{0, 1, 3}, {10, 1, 32}, {20, 1, 61}});
  CHECK(noisy.slope == Approx(2.9));
  CHECK(noisy.intercept == Approx(3));
  CHECK(fit_line({{5, 1, 4}, {5, 1, 6}}).slope == 0);  // one x: flat at the mean
  CHECK(fit_line({{5, 1, 4}, {5, 1, 6}}).intercept == Approx(5));
}
