#include "platforms/fleet/gpu_catalog.hpp"

#include <algorithm>
#include <stdexcept>

namespace servesim::platforms {

const std::string& embedded_gpu_catalog();  // generated at build time from platforms/fleet/gpus.json

namespace {

const char* kFile = "platforms/fleet/gpus.json";

[[noreturn]] void bad(const std::string& where, const std::string& what) {
  throw std::logic_error(std::string(kFile) + ": " + where + ": " + what);
}

double positive(const nlohmann::json& j, const std::string& key, const std::string& where) {
  if (!j.contains(key) || !j.at(key).is_number() || j.at(key).get<double>() <= 0)
    bad(where + "/" + key, "expected a number > 0");
  return j.at(key).get<double>();
}

std::string text(const nlohmann::json& j, const std::string& key, const std::string& where) {
  if (!j.contains(key) || !j.at(key).is_string() || j.at(key).get<std::string>().empty())
    bad(where + "/" + key, "expected a non-empty string");
  return j.at(key).get<std::string>();
}

bool listed(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

}  // namespace

std::optional<double> GpuSpec::peak_tflops_at(const std::string& precision) const {
  const auto it = peak_tflops.find(precision);
  return it == peak_tflops.end() ? std::nullopt : it->second;
}

std::string GpuSpec::supported_precisions() const {
  std::string out;
  for (const auto& precision : gpu_catalog().precisions)
    if (peak_tflops_at(precision)) out += (out.empty() ? "" : ", ") + precision;
  return out;
}

const GpuSpec* GpuCatalog::find(const std::string& id) const {
  for (const auto& g : gpus)
    if (g.id == id) return &g;
  return nullptr;
}

const GpuStandIn* GpuCatalog::stand_in_for(const std::string& generation) const {
  const auto s = stand_ins.find(generation);
  return s == stand_ins.end() ? nullptr : &s->second;
}

const GpuFit* GpuCatalog::fit_for(const std::string& model_class, const std::string& generation) const {
  const auto c = fit.find(model_class);
  if (c == fit.end()) return nullptr;
  const GpuStandIn* stand_in = stand_in_for(generation);
  const auto g = c->second.find(stand_in ? stand_in->generation : generation);
  return g == c->second.end() ? nullptr : &g->second;
}

std::vector<std::string> GpuCatalog::ids() const {
  std::vector<std::string> out;
  for (const auto& g : gpus) out.push_back(g.id);
  return out;
}

GpuCatalog parse_gpu_catalog(const std::string& file_text) {
  GpuCatalog c;
  c.json = nlohmann::json::parse(file_text);
  const auto& j = c.json;
  c.as_of = text(j, "as_of", "");
  c.precisions = j.at("precisions").get<std::vector<std::string>>();
  c.generations = j.at("generations").get<std::vector<std::string>>();
  for (const auto& g : j.at("gpus")) {
    GpuSpec s;
    s.id = text(g, "id", "/gpus");
    const std::string where = "/gpus/" + s.id;
    s.name = text(g, "name", where);
    s.generation = text(g, "generation", where);
    if (!listed(c.generations, s.generation))
      bad(where + "/generation", "unknown generation " + s.generation);
    s.memory_gb = positive(g, "memory_gb", where);
    s.memory_bandwidth_gb_per_s = positive(g, "memory_bandwidth_gb_per_s", where);
    for (const auto& precision : c.precisions) {
      const auto& peaks = g.at("peak_tflops");
      if (!peaks.contains(precision))
        bad(where + "/peak_tflops", "no entry for " + precision + " (null if none)");
      if (peaks.at(precision).is_null())
        s.peak_tflops[precision] = std::nullopt;
      else
        s.peak_tflops[precision] = positive(peaks, precision, where + "/peak_tflops");
    }
    s.status = text(g, "status", where);
    if (s.status != "documented" && s.status != "unconfirmed")
      bad(where + "/status", "bad status " + s.status);
    s.source = text(g, "source", where);
    if (c.find(s.id)) bad(where, "listed twice");
    c.gpus.push_back(std::move(s));
  }
  const auto& cal = j.at("calibration");
  c.calibrated_precisions = cal.at("precisions").get<std::vector<std::string>>();
  for (const auto& [name, b] : cal.at("model_classes").items()) {
    const std::string where = "/calibration/model_classes/" + name;
    c.model_classes[name] =
        GpuBenchmark{text(b, "benchmark", where), positive(b, "gflops_per_request", where),
                     positive(b, "weight_mb", where), text(b, "source", where)};
  }
  for (const auto& m : cal.at("measurements")) {
    GpuMeasurement r{
        text(m, "gpu", "/calibration/measurements"),      text(m, "class", "/calibration/measurements"),
        text(m, "scenario", "/calibration/measurements"), positive(m, "value", "/calibration/measurements"),
        text(m, "role", "/calibration/measurements"),     text(m, "source", "/calibration/measurements")};
    if (!c.find(r.gpu)) bad("/calibration/measurements", "unknown gpu " + r.gpu);
    if (!c.model_classes.count(r.model_class))
      bad("/calibration/measurements", "unknown class " + r.model_class);
    c.measurements.push_back(std::move(r));
  }
  if (cal.contains("stand_ins"))
    for (const auto& [generation, s] : cal.at("stand_ins").items()) {
      const std::string where = "/calibration/stand_ins/" + generation;
      if (!listed(c.generations, generation)) bad(where, "unknown generation " + generation);
      c.stand_ins[generation] = GpuStandIn{text(s, "generation", where), text(s, "source", where)};
      if (!listed(c.generations, c.stand_ins[generation].generation) ||
          cal.at("stand_ins").contains(c.stand_ins[generation].generation))
        bad(where + "/generation", "expected a generation with a fit of its own");
    }
  for (const auto& [name, per_generation] : cal.at("fit").items()) {
    if (!c.model_classes.count(name)) bad("/calibration/fit", "unknown class " + name);
    for (const auto& generation : c.generations) {
      const std::string where = "/calibration/fit/" + name + "/" + generation;
      if (c.stand_ins.count(generation)) {
        if (per_generation.contains(generation)) bad(where, "a fit and a stand-in at once");
        continue;
      }
      if (!per_generation.contains(generation)) bad(where, "missing");
      const auto& f = per_generation.at(generation);
      c.fit[name][generation] = GpuFit{positive(f, "efficiency", where), f.at("overhead_ms").get<double>(),
                                       f.at("offline_from").get<std::vector<std::string>>(),
                                       f.at("batch1_from").get<std::vector<std::string>>()};
    }
  }
  return c;
}

const GpuCatalog& gpu_catalog() {
  static const GpuCatalog catalog = parse_gpu_catalog(embedded_gpu_catalog());
  return catalog;
}

}  // namespace servesim::platforms
