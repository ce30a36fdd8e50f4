// The registration of kubernetes-gpu (one line in platforms/registered_platforms.cpp): its name and the
// factory that builds its model from a candidate's settings, checked against
// platforms/kubernetes_gpu/kubernetes-gpu.json.
#include "platforms/kubernetes_gpu/kubernetes_gpu_platform.hpp"

#include "platforms/catalog.hpp"
#include "platforms/fleet/gpu_latency.hpp"
#include "platforms/fleet/llm_serving.hpp"
#include "platforms/kubernetes_gpu/kubernetes_export.hpp"
#include "platforms/kubernetes_gpu/kubernetes_model.hpp"
#include "platforms/registry.hpp"

namespace servesim::platforms {

PlatformRegistration kubernetes_gpu_platform() {
  PlatformRegistration r;
  r.name = kKubernetesGpuPlatform;
  r.make = [](const sim::CandidateSpec& candidate, const sim::Scenario& scenario) {
    const Settings settings(candidate, scenario.file);
    auto params = KubernetesParams::from(settings, candidate.settings);
    params.llm_limits.prefix_caching = llm_prefix_caching_setting(settings, scenario, true);
    const std::string routing = settings.text("llm_routing");
    if (routing != "round-robin" && !scenario.service.llm.given)
      throw settings.error("llm_routing",
                           "expected round-robin without service.llm (the other policies read a "
                           "language-model server's requests in flight and KV cache), got \"" +
                               routing + "\"");
    if ((params.llm_routing == LlmRouting::prefix_aware ||
         params.llm_routing == LlmRouting::prefix_aware_approx) &&
        !params.llm_limits.prefix_caching)
      throw settings.error("llm_routing", "expected llm_prefix_caching true with " + routing +
                                              " (it routes on the replicas' cached prefix blocks), got " +
                                              routing + " without it");
    if (!scenario.service.llm
             .given)  // every GPU of a pod holds the whole model (a language model: llm_timing)
      check_weights_fit_gpu(settings, "node_type", *gpu_catalog().find(params.gpu),
                            params.roofline.weight_bytes >= 0 ? params.roofline.weight_bytes / 1e6
                                                              : scenario.service.model_size_mb,
                            "use a node type with a larger GPU, a lower precision or a smaller model");
    return std::unique_ptr<sim::PlatformModel>(
        std::make_unique<KubernetesModel>(std::move(params), scenario));
  };
  r.candidate_gpu = [](const sim::CandidateSpec& candidate, const sim::Scenario& scenario) {
    const Settings settings(candidate, scenario.file);
    return settings.text("node_gpu_" + catalog_key_part(settings.text("node_type")));
  };
  r.measured_gpu_key = "measured_batch_latency_ms";
  r.exports = kubernetes_export_formats();
  return r;
}

}  // namespace servesim::platforms
