#include "calibrate/model_accuracy.hpp"

#include <algorithm>
#include <cmath>

#include "calibrate/calibration.hpp"
#include "calibrate/validation.hpp"
#include "core/median.hpp"
#include "platforms/catalog.hpp"
#include "platforms/fleet/batch_latency.hpp"
#include "platforms/fleet/gpu_catalog.hpp"
#include "platforms/fleet/gpu_latency.hpp"
#include "platforms/fleet/llm_calibration.hpp"
#include "sim/rng.hpp"

namespace servesim::calibrate {

namespace {

using platforms::gpu_catalog;

// The MLPerf rows: offline throughput against the roofline's large-batch limit (peak x efficiency / GFLOP per
// request), single-stream latency against its batch of one; at INT8, the precision the results ran at.
ReferenceGroup gpu_latency_group() {
  const platforms::GpuCatalog& c = gpu_catalog();
  ReferenceGroup g{"gpu-latency",
                   "GPU latency (calibrated roofline)",
                   "MLPerf Inference closed-division results (TensorRT), ResNet-50 and BERT-99",
                   "docs/models/gpu-latency.md",
                   {},
                   {}};
  for (const platforms::GpuMeasurement& row : c.measurements) {
    const platforms::GpuSpec* gpu = c.find(row.gpu);
    if (!gpu) {
      g.not_replayed.emplace_back(row.gpu + " " + row.model_class + " " + row.scenario,
                                  "GPU outside the catalogue");
      continue;
    }
    const platforms::GpuBenchmark& b = c.model_classes.at(row.model_class);
    platforms::GpuWorkload w;
    w.model_class = row.model_class;
    w.precision = "int8";
    w.gflops_per_request = b.gflops_per_request;
    w.weight_bytes = b.weight_mb * 1e6;
    const platforms::GpuLatency m = platforms::gpu_latency(*gpu, w);
    ReferenceRow r;
    r.id = row.gpu + " " + b.name + " " + row.scenario;
    r.role = row.role == "fit" ? "in-sample" : "held-out";
    r.source = row.source;
    r.measured = row.value;
    if (row.scenario == "offline") {
      r.metric = "throughput [samples/s per GPU]";
      r.modelled =
          m.roofline.peak_flops_per_s * m.roofline.efficiency / (m.roofline.gflops_per_request * 1e9);
    } else {
      r.metric = "batch-1 latency [ms]";
      r.modelled = platforms::BatchLatency::roofline(m.roofline, 1).seconds(1) * 1e3;
    }
    g.rows.push_back(std::move(r));
  }
  return g;
}

std::string source_text(const nlohmann::json& source) {
  if (source.is_string()) return source.get<std::string>();
  std::string text;
  for (const char* key : {"repository", "path", "url", "title"})
    if (source.contains(key) && source[key].is_string())
      text += (text.empty() ? "" : " ") + source[key].get<std::string>();
  return text;
}

// Every published figure replayed through the token engine with its generation's fitted efficiencies; the
// "calibrate" entries are those the fit was made on.
ReferenceGroup llm_serving_group() {
  const platforms::LlmCalibration& cal = platforms::llm_calibration();
  ReferenceGroup g{"llm-serving",
                   "Language-model serving (token-level engine)",
                   "published serving benchmarks: MLPerf Inference, TensorRT-LLM, vLLM and NIM",
                   "docs/models/llm-serving.md",
                   {},
                   {}};
  for (const auto& entry : cal.measurements) {
    const std::string id = entry.at("id").get<std::string>();
    const platforms::GpuSpec* gpu = gpu_catalog().find(entry.at("gpu").get<std::string>());
    std::string why;
    std::vector<platforms::LlmCheck> checks;
    if (gpu)
      checks = platforms::model_measurement(entry, cal.replica_for(*gpu), &why);
    else
      why = "GPU outside the catalogue";
    if (checks.empty()) g.not_replayed.emplace_back(id, why);
    for (const platforms::LlmCheck& c : checks)
      g.rows.push_back({c.id, c.role == "calibrate" ? "in-sample" : "held-out", c.metric, c.measured,
                        c.modelled, source_text(entry.at("source"))});
  }
  return g;
}

nlohmann::ordered_json summary_of(const ReferenceGroup& g, const std::string& role,
                                  const AccuracyOptions& o) {
  std::vector<double> abs_pct;
  const ReferenceRow* worst = nullptr;
  for (const ReferenceRow& r : g.rows) {
    if (r.role != role) continue;
    abs_pct.push_back(std::fabs(r.error()) * 100);
    if (!worst || std::fabs(r.error()) > std::fabs(worst->error())) worst = &r;
  }
  nlohmann::ordered_json s;
  s["rows"] = abs_pct.size();
  if (abs_pct.empty()) return s;
  s["median_abs_error_pct"] = core::median(abs_pct);
  // Percentile bootstrap over the rows (each row one draw): the spread of the median that another sample
  // of published figures of the same kind could give. Rows of one setup are not independent, so it is a
  // guide, not a guarantee.
  sim::Rng rng(o.seed);
  std::vector<double> medians, draw(abs_pct.size());
  medians.reserve(o.resamples);
  for (uint32_t k = 0; k < o.resamples; ++k) {
    for (double& d : draw) d = abs_pct[rng.next_u64() % abs_pct.size()];
    medians.push_back(core::median(draw));
  }
  const Interval ci = percentile_interval(std::move(medians));
  s["median_ci95"] = {ci.low, ci.high};
  s["max_abs_error_pct"] = *std::max_element(abs_pct.begin(), abs_pct.end());
  s["worst"] = worst->id + ", " + worst->metric;
  return s;
}

}  // namespace

std::vector<ReferenceGroup> reference_groups() {
  return {gpu_latency_group(), llm_serving_group()};
}

nlohmann::ordered_json model_accuracy(const AccuracyOptions& options) {
  nlohmann::ordered_json out;
  out["resamples"] = options.resamples;
  out["seed"] = options.seed;
  out["groups"] = nlohmann::ordered_json::array();
  for (const ReferenceGroup& g : reference_groups()) {
    nlohmann::ordered_json j;
    j["id"] = g.id;
    j["title"] = g.title;
    j["data"] = g.data;
    j["doc"] = g.doc;
    j["summary"]["in-sample"] = summary_of(g, "in-sample", options);
    j["summary"]["held-out"] = summary_of(g, "held-out", options);
    j["rows"] = nlohmann::ordered_json::array();
    for (const ReferenceRow& r : g.rows)
      j["rows"].push_back({{"id", r.id},
                           {"role", r.role},
                           {"metric", r.metric},
                           {"measured", r.measured},
                           {"modelled", r.modelled},
                           {"error_pct", r.error() * 100},
                           {"source", r.source}});
    j["not_replayed"] = nlohmann::ordered_json::array();
    for (const auto& [id, why] : g.not_replayed) j["not_replayed"].push_back({{"id", id}, {"why", why}});
    out["groups"].push_back(std::move(j));
  }
  // The platform models' rules (scaling, keep-alive, billing, limits) are tested against the platforms'
  // documentation and queueing theory; no public per-request measurement of a platform is bundled.
  const std::vector<std::string>& logs = calibrated_platforms();
  out["platforms"] = nlohmann::ordered_json::array();
  for (const platforms::PlatformEntry& e : platforms::catalog()) {
    std::string against = "its documented rules and prices, and queueing theory (the tests)";
    const bool gpu = std::any_of(e.parameters.begin(), e.parameters.end(), [](const platforms::Parameter& k) {
      return k.key.find("gpu") != std::string::npos;
    });
    if (gpu) against += "; its GPU service times: the gpu-latency and llm-serving groups";
    nlohmann::ordered_json p;
    p["platform"] = e.platform;
    p["title"] = e.title;
    p["checked_against"] = against;
    p["public_measurements"] = "none bundled: its error against real deployments is not known";
    p["calibrate"] = std::find(logs.begin(), logs.end(), e.platform) != logs.end()
                         ? "servesim calibrate fits it to your own logs and reports that error"
                         : "no log reader yet";
    out["platforms"].push_back(std::move(p));
  }
  return out;
}

}  // namespace servesim::calibrate
