// The registration of kubernetes-gpu (one line in platforms/registered_platforms.cpp): its name and the
// factory that builds its model from a candidate's settings, checked against
// platforms/kubernetes_gpu/kubernetes-gpu.json.
#include "platforms/catalog.hpp"
#include "platforms/kubernetes_gpu/kubernetes_export.hpp"
#include "platforms/kubernetes_gpu/kubernetes_model.hpp"
#include "platforms/registry.hpp"

namespace servesim::platforms {

PlatformRegistration kubernetes_gpu_platform() {
  PlatformRegistration r;
  r.name = "kubernetes-gpu";
  r.make = [](const sim::CandidateSpec& candidate, const sim::Scenario& scenario) {
    const Settings settings(candidate, scenario.file);
    return std::unique_ptr<sim::PlatformModel>(
        std::make_unique<KubernetesModel>(KubernetesParams::from(settings, candidate.settings), scenario));
  };
  r.exports = kubernetes_export_formats();
  return r;
}

}  // namespace servesim::platforms
