#pragma once
// A scenario's measured GPU latencies: "model": {"gpu_profile": PROFILE.json} names a profile that
// `servesim profile MODEL --provider cuda --batch 1,2,4,8 --out PROFILE.json` measured on an NVIDIA GPU.
// Every candidate on that GPU, on a platform that takes a measured GPU latency
// (platforms::PlatformRegistration's candidate_gpu and measured_gpu_key), and every model stage of a serving
// topology that serves the scenario's model on such a platform and GPU (named "<topology>/<stage id>",
// app/model_stages.hpp), then takes it from the profile: the
// batch table where the platform batches, the batch-1 p50 where it serves requests one by one; a candidate's
// own measurement wins, and its latency is labelled measured. Candidates on another GPU keep the calibrated
// GPU model, and the run says so. docs/models/gpu-latency.md ("Measured on your GPU") has the rules.
//
//   const auto use = app::apply_gpu_profile(scenario);  // before app::apply_model
//   if (use) std::puts(use->describe().c_str());
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "models/model_profile.hpp"
#include "sim/scenario.hpp"

namespace servesim::app {

// The GPU of platforms/fleet/gpus.json that a driver's name stands for ("NVIDIA H100 80GB HBM3" -> "h100",
// "Tesla T4" -> "t4", "NVIDIA A100-SXM4-40GB" -> "a100-40gb"), or "" when none does or the name is ambiguous
// (an H100 NVL, say): the scenario then names it (model.gpu).
std::string catalogue_gpu(const std::string& driver_name, double memory_mib);

// [[batch size, p50 ms], ...] of a GPU profile, by batch size (the form of measured_batch_latency_ms).
nlohmann::json batch_latency_table(const models::ModelProfile& profile);

struct GpuProfileUse {
  std::string source;                  // the profile file
  std::string gpu;                     // catalogue id it was measured on
  std::string gpu_name;                // as the driver named it
  std::vector<std::string> measured;   // candidates that take its table
  std::vector<std::string> other_gpu;  // GPU candidates it does not apply to ("name (gpu)", or why not)
  std::vector<std::string> own_table;  // candidates with a measured GPU latency of their own
  std::string describe() const;        // one line for the run's output
};

// Reads model.gpu_profile (and model.gpu, the catalogue id when the driver's name does not say it) and writes
// the table into the matching candidates (std::nullopt without a gpu_profile). Throws InputError naming
// /model/gpu_profile or /model/gpu: a missing or CPU profile, an unknown GPU.
std::optional<GpuProfileUse> apply_gpu_profile(sim::Scenario& scenario);

}  // namespace servesim::app
