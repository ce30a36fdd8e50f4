#pragma once
// The LLM serving model's calibration (docs/models/llm-serving.md): published measurements
// (platforms/fleet/llm_measurements.json, compiled in), the efficiencies fitted on the "calibrate" ones per
// GPU generation (platforms/fleet/llm_fit.json, written by scripts/fit-llm-serving), and the replay of one
// measurement's setup through the engine, for the fit and for the side-by-side check.
//   const LlmCalibration& cal = llm_calibration();
//   LlmReplicaParams r = cal.replica_for(*gpu_catalog().find("h100"));   // fitted efficiencies
//   std::vector<LlmCheck> c = model_measurement(entry, r);              // measured vs modelled
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "platforms/fleet/gpu_catalog.hpp"
#include "platforms/fleet/llm_timing.hpp"

namespace servesim::platforms {

struct LlmGenerationFit {
  double compute_efficiency = 0;
  double bandwidth_efficiency = 0;
  std::vector<std::string> from;  // ids of the measurements the two values were fitted on
};

struct LlmCalibration {
  std::string as_of;
  double overhead_ms = 0;                       // per iteration (estimated, not fitted)
  std::map<std::string, LlmGenerationFit> fit;  // by GPU generation
  nlohmann::json measurements;                  // llm_measurements.json's "entries"
  // The fitted efficiencies for the GPU's generation (nullptr: none fitted for it).
  const LlmGenerationFit* fit_for(const GpuSpec& gpu) const;
  // A replica on `gpu` with the fit's efficiencies and overhead; without a fit for its generation, the
  // estimated fallbacks (compute 0.5, bandwidth 0.8).
  LlmReplicaParams replica_for(const GpuSpec& gpu) const;
};

const LlmCalibration& llm_calibration();
LlmCalibration parse_llm_calibration(const std::string& fit_json, const std::string& measurements_json);

// One published figure and the model's value for the same setup.
struct LlmCheck {
  std::string id, role;  // role: calibrate | check
  std::string metric;    // what is compared, with its unit
  double measured = 0, modelled = 0;
  double error() const { return modelled / measured - 1; }
};

// trtllm-bench chooses the engine's max batch size and max tokens per iteration itself from the model, the
// GPUs and the dataset's lengths (TensorRT-LLM tensorrt_llm/bench/build/tuning.py, calc_engine_setting and
// finetune_setting, read at commit 04cba882; the versions behind the published tables are not confirmed to
// match): the requests that fit 95 % of the memory left by the weights at in + out tokens each (KV bytes per
// token with at least one KV head per GPU), capped at 4,096, rounded up (to 32 below 256, at least 64; to 128
// below 1,024; else to 256); tokens = that batch x (1 + in / out), capped at 32,768, rounded up (to 256 below
// 4,096, at least 2,048; to 512 below 8,192; else to 1,024). Its memory is in GiB (total_memory / 1024^3):
// the catalogue's GB are converted; weights and KV count 1 byte at fp8, else 2.
struct BenchSettings {
  uint32_t max_batch = 0, max_tokens = 0;
};
BenchSettings trtllm_bench_settings(const LlmSpec& model, const GpuSpec& gpu, uint32_t tensor_parallel,
                                    uint32_t input, uint32_t output);

// Replays one measurement's setup (model shape, GPU, tensor parallelism, precision, lengths, load) through
// LlmEngine with `replica`'s efficiencies and overhead (its tensor_parallel and interconnect are taken from
// the entry; a TensorRT-LLM entry is admitted as TensorRT-LLM does by default, GUARANTEED_NO_EVICT, and a
// trtllm-bench entry without stated limits takes trtllm_bench_settings), and returns each published figure
// beside the modelled one. Empty when the entry cannot be replayed: token lengths not published, beam search,
// or a GPU or precision outside the catalogue; `why` says which.
std::vector<LlmCheck> model_measurement(const nlohmann::json& entry, const LlmReplicaParams& replica,
                                        std::string* why = nullptr);

}  // namespace servesim::platforms
