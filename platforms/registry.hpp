#pragma once
// The platform registry: every platform servesim can simulate, with the factory that builds its model from a
// scenario's candidate. The engine, the advisor, the reports and the front ends never name a platform: they
// look it up here and in its catalogue entry (platforms/catalog.hpp: placement, advisor default, tune grid).
// Built-in platforms are listed one line each in platforms/registered_platforms.cpp; a program or a test
// adds its own at run time with register_platform() (see platforms/README.md).
//   const PlatformRegistration* r = platforms::find_registration(candidate.platform);
//   std::unique_ptr<sim::PlatformModel> model = r->make(candidate, scenario);
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "platforms/export.hpp"
#include "sim/platform_model.hpp"
#include "sim/scenario.hpp"

namespace servesim::platforms {

// Where (part of) a candidate runs, for the advisor: one of placement_classes() (platforms/catalog.hpp), and
// which part of the candidate runs there ("" for a whole candidate).
struct PlacementUse {
  std::string placement;
  std::string where;
};

struct PlatformRegistration {
  // The scenario's "platform" value; for a catalogued platform, its catalogue entry's "platform".
  std::string name;
  // Builds the model of one candidate. Reads the candidate's settings through platforms::Settings, so a bad
  // setting is an InputError naming the scenario file and the candidate's JSON pointer.
  std::function<std::unique_ptr<sim::PlatformModel>(const sim::CandidateSpec&, const sim::Scenario&)> make;
  // Only for a composite platform, which has no catalogue entry of its own (a serving topology): the
  // placements of its parts, and the title reports show for it. A catalogued platform leaves both empty: its
  // placement and title are its catalogue entry's.
  std::function<std::vector<PlacementUse>(const sim::CandidateSpec&, const sim::Scenario&)> placements;
  std::string composite_title;
  // The deployment templates `servesim export` can write for a candidate of this platform (platforms/
  // export.hpp); empty: none.
  std::vector<ExportFormat> exports;
  // Only for a platform whose candidates can take a GPU: the catalogue GPU (platforms/fleet/gpus.json id) a
  // candidate runs on ("" when it takes none), and the candidate key a measured GPU latency goes into
  // (app/gpu_profile.hpp): "measured_batch_latency_ms" takes a [[batch size, ms], ...] table, any other key
  // one request's ms (the batch of 1).
  std::function<std::string(const sim::CandidateSpec&, const sim::Scenario&)> candidate_gpu = nullptr;
  std::string measured_gpu_key = "";
  // Its async events wait in a queue whose depth and oldest age the model reports over time
  // (sim::Recorder::queue): a run with an async client gives timeseries.csv the queue columns.
  bool queue_when_async = false;
};

// Every registered platform: the built-in ones in the order of platforms/registered_platforms.cpp (the order
// in which the advisor adds default candidates and `tune --help` lists sweepable keys), then those
// registered at run time. The first call checks them (std::logic_error): a registration needs a factory,
// and a catalogue entry or a placements hook.
const std::vector<PlatformRegistration>& registered_platforms();
const PlatformRegistration* find_registration(const std::string& name);

// Registers a platform at run time, before any scenario uses it (not thread-safe). catalog_json: its
// catalogue entry (the text of a catalogue file; "" for a composite). Throws std::logic_error for a name
// already registered, a malformed entry or one whose "platform" is not `registration.name`.
void register_platform(PlatformRegistration registration, const std::string& catalog_json);

// The placement class of a catalogued platform; "container" for a name the catalogue does not list (it
// fails later, when its model is built).
std::string placement_of(const std::string& platform);
// Where a candidate runs: its platform's placement (placement_with_gpu when the candidate takes a GPU), or a
// composite's parts'.
std::vector<PlacementUse> placements_of(const sim::CandidateSpec& candidate, const sim::Scenario& scenario);

// The built-in registrations (platforms/registered_platforms.cpp).
std::vector<PlatformRegistration> builtin_platforms();

}  // namespace servesim::platforms
