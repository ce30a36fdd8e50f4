#include "platforms/model_factory.hpp"

#include <optional>

#include "core/input_error.hpp"
#include "platforms/catalog.hpp"
#include "platforms/registry.hpp"
#include "sim/candidate_llm.hpp"
#include "sim/service_time.hpp"

namespace servesim::platforms {

namespace {
// The event source and the platform that reads it, for the error that refuses another platform.
std::string consumer_of(sim::EventSourceSpec::Type type) {
  switch (type) {
    case sim::EventSourceSpec::Type::kinesis:
      return "a Kinesis event source (aws-lambda: docs/events.md)";
    case sim::EventSourceSpec::Type::pubsub:
      return "a Pub/Sub event source (gcp-cloud-run: docs/events.md)";
    case sim::EventSourceSpec::Type::sqs:
      break;
  }
  return "an SQS event source (aws-lambda: docs/events.md)";
}

// The candidate's model for `scenario` as it is (make_model gives it the candidate's own service).
std::unique_ptr<sim::PlatformModel> make_model_for(const sim::CandidateSpec& candidate,
                                                   const sim::Scenario& scenario) {
  if (const PlatformRegistration* r = find_registration(candidate.platform)) {
    auto model = r->make(candidate, scenario);
    if (scenario.event_source.given && !model->consumes_event_source())
      throw input_error(scenario.file, candidate.pointer + "/platform",
                        "expected a platform that consumes " + consumer_of(scenario.event_source.type) +
                            ", got \"" + candidate.platform + "\"");
    // A language model on a platform without a token-level engine runs each request alone on CPUs: it
    // needs the per-token costs (or a warm service time), not the 50 ms default.
    const sim::ServiceSpec& s = scenario.service;
    if (s.llm.given && !model->token_level() && !sim::uses_token_costs(s) && !s.given.warm &&
        scenario.model.is_null())
      throw input_error(scenario.file, s.llm.pointer + "/cpu_ms_per_output_token",
                        "missing: candidate \"" + candidate.name + "\" (" + candidate.platform +
                            ") serves the language model request by request on CPUs, which needs the "
                            "per-token costs cpu_ms_per_input_token and cpu_ms_per_output_token (or "
                            "service.warm); GPU candidates run it token by token");
    return model;
  }
  // Not registered: Settings names the file, the pointer and the catalogue's platforms; a catalogued
  // platform without a registration has no model yet.
  const Settings settings(candidate, scenario.file);
  throw settings.error(
      "platform", "the catalogue lists " + settings.entry().platform + " but no model implements it yet");
}

}  // namespace

std::unique_ptr<sim::PlatformModel> make_model(const sim::CandidateSpec& candidate,
                                               const sim::Scenario& scenario) {
  // A candidate with its own "llm": its platform model sees its model and the cold start that follows it.
  if (candidate.has_llm) return make_model_for(candidate, sim::scenario_for(scenario, candidate));
  return make_model_for(candidate, scenario);
}

std::vector<sim::CandidateRun> make_candidates(const sim::Scenario& scenario) {
  std::vector<sim::CandidateRun> runs;
  // Candidates with their own "llm" share one copy of the scenario, its service set for each in turn (a copy
  // per candidate is quadratic in their number: 2,000 such candidates took 4.5 s to build, 0.14 s without).
  std::optional<sim::Scenario> own;
  for (const auto& c : scenario.candidates) {
    if (!c.has_llm) {
      runs.push_back(sim::CandidateRun{c.name, make_model_for(c, scenario)});
      continue;
    }
    if (!own) own = scenario;
    own->service = sim::service_for(scenario.service, c);
    runs.push_back(sim::CandidateRun{c.name, make_model_for(c, *own)});
  }
  sim::check_faults(scenario.faults, runs);  // a fault a platform does not model is bad input, found here
  return runs;
}

}  // namespace servesim::platforms
