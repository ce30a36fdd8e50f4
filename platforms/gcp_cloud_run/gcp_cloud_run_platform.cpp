// The registration of gcp-cloud-run (one line in platforms/registered_platforms.cpp): its name and the
// factory that builds its model from a candidate's settings, checked against
// platforms/gcp_cloud_run/gcp-cloud-run.json.
#include "platforms/catalog.hpp"
#include "platforms/fleet/llm_serving.hpp"
#include "platforms/gcp_cloud_run/cloud_run_export.hpp"
#include "platforms/gcp_cloud_run/cloud_run_model.hpp"
#include "platforms/gcp_cloud_run/pubsub_push_source.hpp"
#include "platforms/registry.hpp"

namespace servesim::platforms {

PlatformRegistration gcp_cloud_run_platform() {
  PlatformRegistration r;
  r.name = "gcp-cloud-run";
  r.make = [](const sim::CandidateSpec& candidate, const sim::Scenario& scenario) {
    const Settings settings(candidate, scenario.file);
    CloudRunParams params = CloudRunParams::from(settings, scenario.service);
    params.llm_engine = llm_engine_settings(settings, scenario, params.has_gpu);
    auto service = std::make_unique<CloudRunModel>(params, scenario);
    // A Pub/Sub push subscription delivers the arrivals (docs/events.md); another event source is refused
    // by the model factory. A candidate made outside the scenario file (the advisor's) takes the scenario's.
    const sim::EventSourceSpec& source =
        candidate.event_source.given ? candidate.event_source : scenario.event_source;
    if (source.given && source.type == sim::EventSourceSpec::Type::pubsub)
      return std::unique_ptr<sim::PlatformModel>(
          std::make_unique<PubSubPushSource>(std::move(service), source, scenario.seed));
    return std::unique_ptr<sim::PlatformModel>(std::move(service));
  };
  r.candidate_gpu = [](const sim::CandidateSpec& candidate, const sim::Scenario& scenario) {
    return CloudRunParams::from(Settings(candidate, scenario.file), scenario.service).gpu_id;
  };
  r.measured_gpu_key = "measured_request_latency_ms";
  r.exports = cloud_run_export_formats();
  return r;
}

}  // namespace servesim::platforms
