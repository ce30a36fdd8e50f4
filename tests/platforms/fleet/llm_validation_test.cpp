// The LLM serving model against published measurements (platforms/fleet/llm_measurements.json; the table in
// docs/models/llm-serving.md is scripts/fit-llm-serving's output). Two things must hold:
// - the fit in platforms/fleet/llm_fit.json is the one the calibrate entries give (two figures per GPU
//   generation fix two efficiencies, so each is reproduced within 2%); a changed measurement without a new
//   fit fails here;
// - on the entries kept out of the fit, the median error is within the goal of issue 15 (10%), with
//   a margin of 2 points for the discreteness of the replay (the current figure is in the doc): on the 13
//   checks, and on all held-out figures (the checks and TensorRT-LLM 1.0's 58, role check-newer).
// And trtllm-bench's own batch limits, which the replay of its entries takes, are those of its heuristic
// worked by hand.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "platforms/fleet/gpu_catalog.hpp"
#include "platforms/fleet/llm_calibration.hpp"

namespace {
using namespace servesim::platforms;

LlmReplicaParams fitted(const nlohmann::json& entry) {
  const LlmCalibration& cal = llm_calibration();
  const GpuSpec& gpu = *gpu_catalog().find(entry.at("gpu").get<std::string>());
  REQUIRE(cal.fit_for(gpu) != nullptr);
  return cal.replica_for(gpu);
}
}  // namespace

TEST_CASE("platforms::llm calibration: every fitted generation reproduces its calibrate entries") {
  const LlmCalibration& cal = llm_calibration();
  size_t fitted_entries = 0;
  for (const auto& [generation, fit] : cal.fit) {
    REQUIRE(fit.from.size() >= 2);  // two efficiencies need two figures
    for (const auto& e : cal.measurements) {
      if (std::find(fit.from.begin(), fit.from.end(), e.at("id").get<std::string>()) == fit.from.end())
        continue;
      CHECK(e.at("role") == "calibrate");
      for (const LlmCheck& c : model_measurement(e, fitted(e))) {
        INFO(c.id << ": measured " << c.measured << ", modelled " << c.modelled);
        CHECK(std::fabs(c.error()) < 0.02);
        ++fitted_entries;
      }
    }
  }
  CHECK(fitted_entries ==
        6);  // Llama 3.1 8B, 2048/128 and 128/2048: TensorRT-LLM 1.0 on H100, 0.13 on A100, L40S
}

TEST_CASE("platforms::llm calibration: median error on the held-out entries within the goal") {
  for (const bool newer_too : {false, true}) {
    INFO((newer_too ? "check and check-newer" : "check"));
    std::vector<double> errors;
    for (const auto& e : llm_calibration().measurements) {
      if (e.at("role") != "check" && !(newer_too && e.at("role") == "check-newer")) continue;
      for (const LlmCheck& c : model_measurement(e, fitted(e))) {
        INFO(c.id << " " << c.metric << ": measured " << c.measured << ", modelled " << c.modelled);
        CHECK(c.modelled > 0);
        errors.push_back(std::fabs(c.error()));
      }
    }
    REQUIRE(errors.size() >= (newer_too ? 70u : 10u));
    std::sort(errors.begin(), errors.end());
    CHECK(errors[errors.size() / 2] <= 0.12);
  }
}

TEST_CASE("platforms::llm calibration: trtllm-bench's batch limits follow its heuristic") {
  // Llama 3.1 8B at fp8 on one H100 (80 GB = 74.506 GiB), 128 in / 2,048 out: weights 8.03e9 B = 7.479 GiB,
  // KV 2 x 32 layers x 8 heads x 128 x 1 B = 65,536 B per token. 0.95 x (74.506 - 7.479) GiB / (65,536 B x
  // 2,176 tokens) = 479.4 requests: below 1,024, rounded up to 128s: 512. Tokens 479.4 x (1 + 128 / 2,048) =
  // 509.4: below 4,096, at least 2,048.
  LlmSpec m;
  m.parameters_b = 8.03;
  m.layers = 32;
  m.kv_heads = 8;
  m.head_dim = 128;
  m.precision = m.kv_precision = "fp8";
  const GpuSpec& h100 = *gpu_catalog().find("h100");
  BenchSettings b = trtllm_bench_settings(m, h100, 1, 128, 2048);
  CHECK(b.max_batch == 512);
  CHECK(b.max_tokens == 2048);
  // 2,048 in / 128 out: 479.4 requests again (same total), tokens 479.4 x 17 = 8,150: below 8,192, rounded
  // up to 512s: 8,192.
  b = trtllm_bench_settings(m, h100, 1, 2048, 128);
  CHECK(b.max_batch == 512);
  CHECK(b.max_tokens == 8192);
  // 20,000 / 2,000: 47.4 requests, below 256: max(64, 32 x ceil(47.4 / 32)) = 64; tokens 47.4 x 11 = 522 ->
  // 2,048.
  b = trtllm_bench_settings(m, h100, 1, 20000, 2000);
  CHECK(b.max_batch == 64);
  CHECK(b.max_tokens == 2048);
}

TEST_CASE("platforms::llm calibration: entries without published lengths are not replayed, and say why") {
  for (const auto& e : llm_calibration().measurements) {
    if (e.at("input_tokens").at("value").is_number()) continue;
    std::string why;
    CHECK(model_measurement(e, LlmReplicaParams{}, &why).empty());
    CHECK(why == "token lengths not published");
  }
}

TEST_CASE("platforms::llm calibration: every entry with published lengths is replayed") {
  // An entry with fixed lengths and a known GPU is always replayed (a check-newer entry included), so no
  // published figure can drop out of the reported medians unnoticed.
  size_t newer = 0;
  for (const auto& e : llm_calibration().measurements) {
    if (!e.at("input_tokens").at("value").is_number()) continue;
    std::string why;
    const std::vector<LlmCheck> checks = model_measurement(e, fitted(e), &why);
    INFO(e.at("id").get<std::string>() << ": " << why);
    CHECK_FALSE(checks.empty());
    for (const LlmCheck& c : checks) CHECK(c.modelled > 0);
    if (e.at("role") == "check-newer") ++newer;
  }
  // TensorRT-LLM 1.0: 3 models x 2 GPUs x 10 lengths, less the two 8B H100 cells the Hopper fit is made on.
  CHECK(newer == 58);
}
