#include "app/gpu_profile.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "app/model_paths.hpp"
#include "app/model_stages.hpp"
#include "core/input_error.hpp"
#include "core/json_fields.hpp"
#include "platforms/catalog.hpp"
#include "platforms/fleet/gpu_catalog.hpp"
#include "platforms/registry.hpp"

namespace servesim::app {

namespace {
// The name in capitals with every character but letters and digits turned into one space, padded with a
// space at each end, so that a model is found as a whole word: " A10 " is not in " A10G ".
std::string words(const std::string& name) {
  std::string out = " ";
  for (const char c : name) {
    const bool alnum = std::isalnum(static_cast<unsigned char>(c)) != 0;
    if (alnum)
      out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    else if (out.back() != ' ')
      out += ' ';
  }
  if (out.back() != ' ') out += ' ';
  return out;
}

bool has(const std::string& w, const char* word) {
  return w.find(std::string(" ") + word + " ") != std::string::npos;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}
}  // namespace

std::string catalogue_gpu(const std::string& driver_name, double memory_mib) {
  const std::string w = words(driver_name);
  // nvidia-smi's names: "Tesla T4", "NVIDIA A10G", "NVIDIA A10", "NVIDIA L4", "NVIDIA L40S",
  // "NVIDIA A100-SXM4-40GB", "NVIDIA A100-SXM4-80GB", "NVIDIA H100 80GB HBM3" (SXM), "NVIDIA H100 PCIe",
  // "NVIDIA H200", "NVIDIA RTX PRO 6000 Blackwell Server Edition".
  if (has(w, "T4")) return "t4";
  if (has(w, "A10G")) return "a10g";
  if (has(w, "A10")) return "a10";
  if (has(w, "L40S")) return "l40s";
  if (has(w, "L4")) return "l4";
  if (has(w, "A100")) {
    if (has(w, "PCIE")) return "";  // the catalogue's A100s are SXM parts
    return memory_mib > 60 * 1024 ? "a100-80gb" : "a100-40gb";
  }
  if (has(w, "H100")) {
    if (has(w, "NVL")) return "";  // a part of its own (94 GB, NVLink bridge), not in the catalogue
    return has(w, "PCIE") ? "h100-pcie" : "h100";
  }
  if (has(w, "H200")) return has(w, "NVL") ? "" : "h200";
  if (has(w, "RTX") && has(w, "PRO") && has(w, "6000") && has(w, "BLACKWELL")) return "rtx-pro-6000";
  return "";
}

nlohmann::json batch_latency_table(const models::ModelProfile& profile) {
  std::vector<models::LatencyPoint> points = profile.latency;
  std::sort(points.begin(), points.end(),
            [](const models::LatencyPoint& a, const models::LatencyPoint& b) { return a.batch < b.batch; });
  nlohmann::json table = nlohmann::json::array();
  for (const auto& point : points)
    if (table.empty() || table.back()[0].get<int>() < point.batch)
      table.push_back(nlohmann::json::array({point.batch, point.p50_s * 1e3}));
  return table;
}

std::string GpuProfileUse::describe() const {
  std::string line = "GPU profile: " + source + " (" + gpu_name + " = " + gpu +
                     "): measured batch latencies for " +
                     (measured.empty() ? std::string("no candidate") : join(measured));
  if (!other_gpu.empty()) line += "; the calibrated model (another GPU): " + join(other_gpu);
  if (!own_table.empty()) line += "; their own measurement: " + join(own_table);
  return line;
}

std::optional<GpuProfileUse> apply_gpu_profile(sim::Scenario& scenario) {
  if (!scenario.model.is_object() || !scenario.model.contains("gpu_profile")) {
    if (scenario.model.is_object() && scenario.model.contains("gpu"))
      throw input_error(scenario.file, "/model/gpu", "expected it only beside model.gpu_profile");
    return std::nullopt;
  }
  core::JsonFields f(scenario.model, scenario.file, "/model");  // its other keys are apply_model's
  GpuProfileUse use;
  use.source = section_path(f, "gpu_profile", scenario.base_dir);
  require_file(f, "gpu_profile", use.source);
  const models::ModelProfile profile =
      under_pointer(scenario.file, "/model/gpu_profile", [&] { return models::load_profile(use.source); });
  if (!profile.on_gpu())
    throw f.error("gpu_profile",
                  "expected a GPU profile (servesim profile MODEL --provider cuda), got one "
                  "measured on the CPU (" +
                      profile.cpu_model + ")");
  use.gpu_name = profile.gpu->name;
  use.gpu = f.has("gpu") ? f.required_text("gpu") : catalogue_gpu(profile.gpu->name, profile.gpu->memory_mib);
  if (use.gpu.empty())
    throw f.error("gpu_profile", "expected a GPU of platforms/fleet/gpus.json, got \"" + profile.gpu->name +
                                     "\", which names none of them: give model.gpu (one of " +
                                     join(platforms::gpu_catalog().ids()) + ")");
  if (!platforms::gpu_catalog().find(use.gpu))
    throw f.error("gpu",
                  "expected one of " + join(platforms::gpu_catalog().ids()) + ", got \"" + use.gpu + "\"");
  const nlohmann::json table = batch_latency_table(profile);
  const nlohmann::json batch1 =
      !table.empty() && table[0][0].get<int>() == 1 ? table[0][1] : nlohmann::json();  // ms, or null
  // The measurement for `candidate` (written into `settings`, its settings or a topology stage's candidate
  // object), or why it takes none.
  auto apply = [&](const sim::CandidateSpec& candidate, nlohmann::json& settings) {
    const platforms::PlatformRegistration* platform = platforms::find_registration(candidate.platform);
    if (!platform || !platform->candidate_gpu) return;
    const std::string gpu = platform->candidate_gpu(candidate, scenario);
    if (gpu.empty()) return;  // this candidate takes no GPU
    const std::string& key = platform->measured_gpu_key;
    const bool takes_table = key == "measured_batch_latency_ms";
    if (candidate.settings.contains(key)) {
      use.own_table.push_back(candidate.name);
    } else if (gpu != use.gpu) {
      use.other_gpu.push_back(candidate.name + " (" + gpu + ")");
    } else if (!takes_table && batch1.is_null()) {
      use.other_gpu.push_back(candidate.name + " (no batch-1 point in the profile)");
    } else {
      settings[key] = takes_table ? table : batch1;
      use.measured.push_back(candidate.name);
    }
  };
  for (sim::CandidateSpec& candidate : scenario.candidates) {
    apply(candidate, candidate.settings);
    // A serving topology's model stages that serve this model ("<topology>/<stage id>").
    for (const ModelStage& stage : model_stages(candidate))
      apply(stage.spec, candidate.settings["stages"][stage.index]["candidate"]);
  }
  return use;
}

}  // namespace servesim::app
