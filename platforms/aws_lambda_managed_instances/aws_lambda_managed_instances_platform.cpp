// The registration of aws-lambda-managed-instances (one line in platforms/registered_platforms.cpp): its name
// and the factory that builds its model from a candidate's settings, checked against
// platforms/aws_lambda_managed_instances/aws-lambda-managed-instances.json.
#include "platforms/aws_lambda_managed_instances/managed_instances_export.hpp"
#include "platforms/aws_lambda_managed_instances/managed_instances_model.hpp"
#include "platforms/catalog.hpp"
#include "platforms/fleet/llm_serving.hpp"
#include "platforms/registry.hpp"

namespace servesim::platforms {

PlatformRegistration aws_lambda_managed_instances_platform() {
  PlatformRegistration r;
  r.name = "aws-lambda-managed-instances";
  r.make = [](const sim::CandidateSpec& candidate, const sim::Scenario& scenario) {
    const Settings settings(candidate, scenario.file);
    ManagedInstancesParams params = ManagedInstancesParams::from(settings, scenario.service);
    params.llm_engine = llm_engine_settings(settings, scenario, params.has_gpu());
    return std::unique_ptr<sim::PlatformModel>(std::make_unique<ManagedInstancesModel>(params, scenario));
  };
  r.candidate_gpu = [](const sim::CandidateSpec& candidate, const sim::Scenario& scenario) {
    const ManagedInstancesParams p =
        ManagedInstancesParams::from(Settings(candidate, scenario.file), scenario.service);
    return p.has_gpu() ? p.gpu_id : std::string();
  };
  r.measured_gpu_key = "measured_request_latency_ms";
  r.exports = managed_instances_export_formats();
  return r;
}

}  // namespace servesim::platforms
