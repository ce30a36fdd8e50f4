#include "platforms/model_factory.hpp"

#include "platforms/azure_functions_model.hpp"
#include "platforms/catalog.hpp"
#include "platforms/cloud_run_model.hpp"
#include "platforms/fixed_pool_model.hpp"
#include "platforms/kubernetes_model.hpp"
#include "platforms/lambda_model.hpp"
#include "platforms/topology_model.hpp"

namespace servesim::platforms {

std::unique_ptr<sim::PlatformModel> make_model(const sim::CandidateSpec& candidate,
                                               const sim::Scenario& scenario) {
  // A serving topology is a composite of the models below, not a catalogue platform (docs/topology.md).
  if (candidate.platform == TopologyModel::kPlatform)
    return std::make_unique<TopologyModel>(parse_topology(candidate, scenario), scenario);
  const Settings settings(candidate, scenario.file);
  const std::string& platform = settings.entry().platform;
  if (platform == "aws-lambda") return std::make_unique<LambdaModel>(LambdaParams::from(settings), scenario);
  if (platform == "gcp-cloud-run")
    return std::make_unique<CloudRunModel>(CloudRunParams::from(settings), scenario);
  if (platform == "azure-functions")
    return std::make_unique<AzureFunctionsModel>(AzureFunctionsParams::from(settings), scenario);
  if (platform == "fixed-pool")
    return std::make_unique<FixedPoolModel>(FixedPoolParams::from(settings), scenario);
  if (platform == "kubernetes-gpu")
    return std::make_unique<KubernetesModel>(KubernetesParams::from(settings, candidate.settings), scenario);
  throw settings.error("platform", "the catalogue lists " + platform + " but no model implements it yet");
}

std::vector<sim::CandidateRun> make_candidates(const sim::Scenario& scenario) {
  std::vector<sim::CandidateRun> runs;
  for (const auto& c : scenario.candidates)
    runs.push_back(sim::CandidateRun{c.name, make_model(c, scenario)});
  sim::check_faults(scenario.faults, runs);  // a fault a platform does not model is bad input, found here
  return runs;
}

}  // namespace servesim::platforms
