#pragma once
// The GPU latency model shared by the GPU platforms (kubernetes-gpu, gcp-cloud-run with a GPU): a
// precision-aware roofline (Williams, Waterman and Patterson, "Roofline", CACM 2009) with a per-batch
// overhead,
//   latency(b) = max(b x gflops / (peak[precision] x efficiency), (weights + b x activations) / bandwidth)
//                + overhead
// where peak and bandwidth are the GPU's datasheet figures (platforms/fleet/gpus.json) and efficiency and
// overhead are fitted per model class and GPU generation on MLPerf Inference results
// (docs/models/gpu-latency.md). What the latency rests on is said with it:
//   calibrated: model class cnn or transformer at a precision the fit was made at (int8, fp8);
//   estimated:  any other class or precision, or a datasheet figure overridden by the user.
//   GpuLatency m = gpu_latency(*gpu_catalog().find("l4"), GpuWorkload{.model_class = "cnn", ...});
//   BatchLatency table = BatchLatency::roofline(m.roofline, 8);
#include <string>

#include "platforms/catalog.hpp"
#include "platforms/fleet/batch_latency.hpp"
#include "platforms/fleet/gpu_catalog.hpp"

namespace servesim::platforms {

// Model classes with a fit; "other" uses the fallback efficiency and overhead (estimated).
inline const char* const kGpuModelClasses[] = {"cnn", "transformer", "other"};

struct GpuWorkload {
  std::string model_class = "other";        // cnn | transformer | other
  std::string precision = "fp16";           // one of gpus.json's precisions
  double gflops_per_request = 0;            // [GFLOP]
  double weight_bytes = 0;                  // [bytes] read once per batch
  double activation_bytes_per_request = 0;  // [bytes]
  double fallback_efficiency = 0.5;         // for model class "other" [fraction]
  double fallback_overhead_s = 0.001;       // for model class "other" [s]
  double peak_tflops_override = 0;          // > 0: replaces the datasheet peak (then estimated)
  double bandwidth_gb_per_s_override = 0;   // > 0: replaces the datasheet bandwidth (then estimated)
  // > 0: one request alone on the GPU, measured (measured_request_latency_ms, e.g. a GPU profile's batch-1
  // p50); replaces the roofline for one request, and the latency is measured [s].
  double measured_request_s = 0;
};

struct GpuLatency {
  RooflineInputs roofline;
  std::string latency_source;  // calibrated | estimated
  std::string basis;           // one line: GPU, precision, class and where efficiency and overhead come from
};

// Throws std::invalid_argument with a one-line reason (the caller names the file and the key) for a
// precision the GPU does not support or an unknown model class.
GpuLatency gpu_latency(const GpuSpec& gpu, const GpuWorkload& workload);

// The GPU workload keys that every GPU platform's catalogue carries (model_class, precision,
// model_gflops_per_request, model_weight_mb, activation_mb_per_request, roofline_efficiency,
// launch_overhead_ms, measured_request_latency_ms). model_weight_mb 0 gives weight_bytes -1: the scenario's
// model file (see below).
GpuWorkload gpu_workload_from(const Settings& s);

// One request alone on `gpu` (a platform that does not batch: Cloud Run, Container Apps): the model's batch
// of 1 [s]. A workload weight_bytes below 0 stands for the scenario's model file, model_size_mb.
// A measured time (measured_request_s) wins.
double gpu_single_request_s(const GpuSpec& gpu, GpuWorkload workload, double model_size_mb);
// "measured" with a measured request time, else gpu_latency's calibrated or estimated.
std::string gpu_latency_source(const GpuSpec& gpu, const GpuWorkload& workload);

// A model served whole by every GPU (no sharding: a batch's requests run on each GPU with all the weights)
// must fit one GPU's memory: refused otherwise, naming `key` (the setting that chose the GPU) and what to do
// instead. A language model (service.llm) has its own check with the KV cache (llm_timing.hpp).
void check_weights_fit_gpu(const Settings& s, const std::string& key, const GpuSpec& gpu, double weight_mb,
                           const std::string& instead);

}  // namespace servesim::platforms
