#include "platforms/fleet/gpu_latency.hpp"

#include <algorithm>
#include <stdexcept>

#include "core/json_fields.hpp"
#include "platforms/fleet/cold_start_path.hpp"

namespace servesim::platforms {

GpuLatency gpu_latency(const GpuSpec& gpu, const GpuWorkload& w) {
  const GpuCatalog& catalog = gpu_catalog();
  const std::optional<double> peak = gpu.peak_tflops_at(w.precision);
  if (!peak)
    throw std::invalid_argument("expected a precision the " + gpu.name + " supports (" +
                                gpu.supported_precisions() + "), got \"" + w.precision + "\"");
  GpuLatency out;
  double efficiency = w.fallback_efficiency, overhead_s = w.fallback_overhead_s;
  bool calibrated = false;
  std::string basis = gpu.name + " at " + w.precision + ", model class " + w.model_class + ": ";
  if (w.model_class == "other") {
    basis += "assumed efficiency and overhead (no fit for this class)";
  } else {
    const GpuFit* fit = catalog.fit_for(w.model_class, gpu.generation);
    if (!fit)
      throw std::invalid_argument("expected model class cnn, transformer or other, got \"" + w.model_class +
                                  "\"");
    efficiency = fit->efficiency;
    overhead_s = fit->overhead_ms / 1e3;
    const GpuStandIn* stand_in = catalog.stand_in_for(gpu.generation);
    const bool fitted_precision =
        std::find(catalog.calibrated_precisions.begin(), catalog.calibrated_precisions.end(), w.precision) !=
        catalog.calibrated_precisions.end();
    // A generation without MLPerf results of its own borrows another's fit: never calibrated.
    calibrated = fitted_precision && !stand_in;
    basis += "efficiency " + core::quote_number(efficiency) + " and overhead " +
             core::quote_number(fit->overhead_ms) + " ms fitted on MLPerf (" +
             (stand_in ? stand_in->generation + ", borrowed: no fit for " + gpu.generation : gpu.generation) +
             ")";
    if (!fitted_precision) basis += ", applied outside the fitted precisions (int8, fp8)";
  }
  const bool overridden = w.peak_tflops_override > 0 || w.bandwidth_gb_per_s_override > 0;
  if (overridden) basis += "; datasheet figures overridden";
  out.roofline = RooflineInputs{
      .gflops_per_request = w.gflops_per_request,
      .weight_bytes = w.weight_bytes,
      .activation_bytes_per_request = w.activation_bytes_per_request,
      .peak_flops_per_s = (w.peak_tflops_override > 0 ? w.peak_tflops_override : *peak) * 1e12,
      .memory_bytes_per_s = (w.bandwidth_gb_per_s_override > 0 ? w.bandwidth_gb_per_s_override
                                                               : gpu.memory_bandwidth_gb_per_s) *
                            1e9,
      .efficiency = efficiency,
      .launch_overhead_s = overhead_s,
  };
  out.latency_source = calibrated && !overridden ? "calibrated" : "estimated";
  out.basis = basis;
  return out;
}

double gpu_single_request_s(const GpuSpec& gpu, GpuWorkload workload, double model_size_mb) {
  if (workload.measured_request_s > 0) return workload.measured_request_s;
  if (workload.weight_bytes < 0) workload.weight_bytes = model_size_mb * 1e6;
  return BatchLatency::roofline(gpu_latency(gpu, workload).roofline, 1).seconds(1);
}

GpuWorkload gpu_workload_from(const Settings& s) {
  GpuWorkload w;
  w.model_class = s.text("model_class");
  w.precision = s.text("precision");
  w.gflops_per_request = s.number("model_gflops_per_request");
  w.weight_bytes = s.number("model_weight_mb") > 0 ? s.number("model_weight_mb") * 1e6 : -1.0;
  w.activation_bytes_per_request = s.number("activation_mb_per_request") * 1e6;
  w.fallback_efficiency = s.number("roofline_efficiency");
  w.fallback_overhead_s = s.number("launch_overhead_ms") / 1e3;
  w.measured_request_s = s.number("measured_request_latency_ms") / 1e3;
  return w;
}

std::string gpu_latency_source(const GpuSpec& gpu, const GpuWorkload& workload) {
  return workload.measured_request_s > 0 ? "measured" : gpu_latency(gpu, workload).latency_source;
}

void check_weights_fit_gpu(const Settings& s, const std::string& key, const GpuSpec& gpu, double weight_mb,
                           const std::string& instead) {
  if (weight_mb > gpu.memory_gb * 1000)
    throw s.error(key, "expected model weights that fit the " + gpu.name + "'s " +
                           core::quote_number(gpu.memory_gb) + " GB (" + instead + "), got " +
                           format_mb(weight_mb));
}

}  // namespace servesim::platforms
