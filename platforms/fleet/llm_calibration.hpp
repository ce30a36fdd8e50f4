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

// Replays one measurement's setup (model shape, GPU, tensor parallelism, precision, lengths, load) through
// LlmEngine with `replica`'s efficiencies and overhead (its tensor_parallel and interconnect are taken from
// the entry), and returns each published figure beside the modelled one. Empty when the entry cannot be
// replayed: token lengths not published, beam search, or a GPU or precision outside the catalogue; `why`
// says which.
std::vector<LlmCheck> model_measurement(const nlohmann::json& entry, const LlmReplicaParams& replica,
                                        std::string* why = nullptr);

}  // namespace servesim::platforms
