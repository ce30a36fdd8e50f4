#include "platforms/registry.hpp"

#include <stdexcept>

#include "platforms/catalog.hpp"
#include "sim/candidate_llm.hpp"

namespace servesim::platforms {

namespace {

void check(const PlatformRegistration& r) {
  if (r.name.empty()) throw std::logic_error("platform registry: a platform without a name");
  if (!r.make) throw std::logic_error("platform registry: " + r.name + " has no model factory");
  if (!r.placements && !find_platform(r.name))
    throw std::logic_error("platform registry: " + r.name +
                           " has no placement class (no catalogue entry and no placements hook)");
}

std::vector<PlatformRegistration>& registrations() {
  static std::vector<PlatformRegistration> all = [] {
    auto list = builtin_platforms();
    for (size_t i = 0; i < list.size(); ++i) {
      check(list[i]);
      for (size_t j = 0; j < i; ++j)
        if (list[j].name == list[i].name)
          throw std::logic_error("platform registry: " + list[i].name + " is registered twice");
    }
    return list;
  }();
  return all;
}

}  // namespace

const std::vector<PlatformRegistration>& registered_platforms() {
  return registrations();
}

const PlatformRegistration* find_registration(const std::string& name) {
  for (const auto& r : registrations())
    if (r.name == name) return &r;
  return nullptr;
}

void register_platform(PlatformRegistration registration, const std::string& catalog_json) {
  if (find_registration(registration.name))
    throw std::logic_error("platform registry: " + registration.name + " is already registered");
  if (!registration.make)
    throw std::logic_error("platform registry: " + registration.name + " has no model factory");
  if (!catalog_json.empty()) {
    auto entry = parse_catalog_entry(registration.name + ".json", catalog_json);
    if (entry.platform != registration.name)
      throw std::logic_error("platform registry: " + registration.name + "'s catalogue entry is for " +
                             entry.platform);
    add_catalog_entry(std::move(entry));
  }
  check(registration);
  registrations().push_back(std::move(registration));
}

std::string placement_of(const std::string& platform) {
  const PlatformEntry* e = find_platform(platform);
  return e ? e->placement : "container";
}

std::vector<PlacementUse> placements_of(const sim::CandidateSpec& candidate, const sim::Scenario& scenario) {
  const PlatformRegistration* r = find_registration(candidate.platform);
  if (r && r->placements)
    return candidate.has_llm ? r->placements(candidate, sim::scenario_for(scenario, candidate))
                             : r->placements(candidate, scenario);
  const PlatformEntry* e = find_platform(candidate.platform);
  if (e && !e->placement_with_gpu.empty()) {
    const auto gpu = candidate.settings.find("gpu");
    if (gpu != candidate.settings.end() && !(gpu->is_string() && gpu->get<std::string>() == "none"))
      return {PlacementUse{e->placement_with_gpu, ""}};
  }
  return {PlacementUse{placement_of(candidate.platform), ""}};
}

}  // namespace servesim::platforms
