#pragma once
// The GPU catalogue (platforms/fleet/gpus.json, compiled in): each GPU's datasheet peak compute per precision
// and memory, its generation, and the GPU latency model's fit to MLPerf Inference results (one efficiency and
// one per-batch overhead per model class and generation, with the measurements they rest on). Read by
// platforms/fleet/gpu_latency.hpp; printed by `servesim catalog gpus`; documented in
// docs/models/gpu-latency.md.
//   const GpuSpec* l4 = gpu_catalog().find("l4");
//   std::optional<double> tflops = l4->peak_tflops_at("int8");  // 242.5
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace servesim::platforms {

struct GpuSpec {
  std::string id;          // "l4"
  std::string name;        // "NVIDIA L4"
  std::string generation;  // turing | ampere | ada | hopper | blackwell
  double memory_gb = 0;
  double memory_bandwidth_gb_per_s = 0;
  std::map<std::string, std::optional<double>> peak_tflops;  // dense, per precision; nullopt: not supported
  std::string status, source;
  // Dense peak at `precision` [TFLOP/s or TOP/s]; nullopt when the GPU has no tensor path for it.
  std::optional<double> peak_tflops_at(const std::string& precision) const;
  // The precisions this GPU supports, in the catalogue's order ("fp32, fp16, int8").
  std::string supported_precisions() const;
};

// One efficiency and one per-batch overhead for a model class on a GPU generation, fitted by
// scripts/fit-gpu-latency.
struct GpuFit {
  double efficiency = 0;   // fraction of the dense peak reached at large batches (see gpus.json's note)
  double overhead_ms = 0;  // [ms] added to every batch
  std::vector<std::string> offline_from, batch1_from;  // GPU ids whose results fixed the two values
};

// The benchmark that stands for a model class in the calibration.
struct GpuBenchmark {
  std::string name;  // MLPerf benchmark: resnet50, bert-99
  double gflops_per_request = 0;
  double weight_mb = 0;
  std::string source;
};

// A generation with no MLPerf fit of its own borrows another generation's fit; its latencies are estimated.
struct GpuStandIn {
  std::string generation;  // whose fit is used
  std::string source;
};

// One published MLPerf result, normalised to one GPU.
struct GpuMeasurement {
  std::string gpu, model_class;
  std::string scenario;  // offline [samples/s per GPU] | single-stream [ms, mean]
  double value = 0;
  std::string role;  // fit: used by the fit; check: only compared with it
  std::string source;
};

struct GpuCatalog {
  std::string as_of;
  std::vector<std::string> precisions, generations;
  std::vector<GpuSpec> gpus;
  std::vector<std::string> calibrated_precisions;            // the fit holds at these precisions
  std::map<std::string, GpuBenchmark> model_classes;         // cnn, transformer
  std::map<std::string, std::map<std::string, GpuFit>> fit;  // [model class][generation]
  std::map<std::string, GpuStandIn> stand_ins;               // [generation without a fit]
  std::vector<GpuMeasurement> measurements;
  nlohmann::json json;  // the whole file, for `servesim catalog gpus --json`

  const GpuSpec* find(const std::string& id) const;
  // The fit of `generation`, or of its stand-in when it has none (see stand_in_for); nullptr for an unknown
  // class.
  const GpuFit* fit_for(const std::string& model_class, const std::string& generation) const;
  // The stand-in of a generation without a fit of its own; nullptr when it has its own fit.
  const GpuStandIn* stand_in_for(const std::string& generation) const;
  std::vector<std::string> ids() const;
};

const GpuCatalog& gpu_catalog();
// Parses and checks the catalogue text; std::logic_error naming the entry for a malformed one.
GpuCatalog parse_gpu_catalog(const std::string& text);

}  // namespace servesim::platforms
