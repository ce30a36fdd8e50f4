#include "app/memory_fit.hpp"

#include <cmath>
#include <cstdio>
#include <utility>
#include <vector>

#include "app/model_stages.hpp"
#include "core/input_error.hpp"
#include "platforms/catalog.hpp"
#include "platforms/registry.hpp"

namespace servesim::app {

namespace {
std::string format_number(const char* pattern, double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, pattern, value);
  return buf;
}
}  // namespace

std::optional<CandidateMemory> candidate_memory(const sim::CandidateSpec& candidate,
                                                const std::string& file) {
  const platforms::Settings settings(candidate, file);  // checks the platform, keys and ranges
  const platforms::PlatformEntry& entry = settings.entry();
  std::vector<std::pair<std::string, double>> keys{{"memory_mb", 1.0}, {"memory_gib", 1024.0}};
  if (const auto* plan = entry.find("plan"); plan && plan->value.is_string())
    keys.emplace_back(settings.text("plan") + "_memory_mb", 1.0);
  for (const auto& [key, mib_per_unit] : keys) {
    const platforms::Parameter* parameter = entry.find(key);
    if (!parameter || !parameter->value.is_number()) continue;
    return CandidateMemory{key, settings.number(key) * mib_per_unit, !settings.is_overridden(key)};
  }
  return std::nullopt;
}

void check_candidates_memory(const sim::Scenario& scenario, double required_mib, const std::string& because) {
  auto check = [&](const sim::CandidateSpec& candidate) {
    const auto memory = candidate_memory(candidate, scenario.file);
    if (!memory || memory->mib >= required_mib) return;
    const bool gib = memory->key == "memory_gib";
    const std::string given =
        gib ? format_number("%g GiB", memory->mib / 1024) : format_number("%.0f MB", memory->mib);
    const std::string least = gib ? format_number("%.3g", std::ceil(required_mib / 1024 * 1000) / 1000)
                                  : format_number("%.0f", std::ceil(required_mib));
    throw input_error(scenario.file, candidate.pointer + "/" + memory->key,
                      given + (memory->is_default ? " (the catalogue default)" : "") +
                          " is below what the model needs: " + because + "; candidate \"" + candidate.name +
                          "\" would be killed out of memory (give " + memory->key + " of at least " + least +
                          ")");
  };
  for (const auto& candidate : scenario.candidates) {
    const auto* registration = platforms::find_registration(candidate.platform);
    if (!registration || registration->composite_title.empty()) {
      check(candidate);
      continue;
    }
    // A serving topology: its model stages that serve the scenario's model (no `service` of their own).
    for (const ModelStage& stage : model_stages(candidate)) check(stage.spec);
  }
}

void check_given_memory(const sim::Scenario& scenario) {
  if (!scenario.service.given.model_memory_mb) return;
  check_candidates_memory(scenario, scenario.service.model_memory_mb,
                          format_number("%g MB (service.model_memory_mb)", scenario.service.model_memory_mb));
}

}  // namespace servesim::app
