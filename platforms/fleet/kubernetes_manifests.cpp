#include "platforms/fleet/kubernetes_manifests.hpp"

#include "platforms/export.hpp"

namespace servesim::platforms {

namespace {

using ordered = nlohmann::ordered_json;

ordered deployment_of(const KubernetesWorkload& w) {
  ordered container = {{"name", "model-server"},
                       {"image", w.image.empty() ? "REPLACE-WITH-YOUR-MODEL-SERVER-IMAGE" : w.image}};
  if (!w.args.empty()) container["args"] = w.args;
  container["ports"] = ordered::array({{{"containerPort", kModelServerPort}}});
  if (!w.env.empty()) {
    ordered env = ordered::array();
    for (const auto& [name, value] : w.env) env.push_back({{"name", name}, {"value", value}});
    container["env"] = env;
  }
  ordered limits = ordered::object(), requests = ordered::object();
  if (!w.cpu.empty()) limits["cpu"] = requests["cpu"] = w.cpu;
  if (!w.memory.empty()) limits["memory"] = requests["memory"] = w.memory;
  if (w.gpus > 0) limits["nvidia.com/gpu"] = requests["nvidia.com/gpu"] = std::to_string(w.gpus);
  if (!limits.empty()) container["resources"] = {{"limits", limits}, {"requests", requests}};

  ordered pod;
  pod["containers"] = ordered::array({container});
  if (!w.node_selector.empty()) {
    ordered selector = ordered::object();
    for (const auto& [key, value] : w.node_selector) selector[key] = value;
    pod["nodeSelector"] = selector;
  }
  // GPU nodes are commonly tainted so that only pods asking for a GPU land there.
  if (w.gpus > 0)
    pod["tolerations"] =
        ordered::array({{{"key", "nvidia.com/gpu"}, {"operator", "Exists"}, {"effect", "NoSchedule"}}});
  if (w.termination_grace_period_s >= 0) pod["terminationGracePeriodSeconds"] = w.termination_grace_period_s;

  const ordered labels = {{"app", w.name}};
  return {{"apiVersion", "apps/v1"},
          {"kind", "Deployment"},
          {"metadata", {{"name", w.name}, {"labels", labels}}},
          {"spec",
           {{"replicas", w.replicas},
            {"selector", {{"matchLabels", labels}}},
            {"template", {{"metadata", {{"labels", labels}}}, {"spec", pod}}}}}};
}

ordered service_of(const KubernetesWorkload& w) {
  return {
      {"apiVersion", "v1"},
      {"kind", "Service"},
      {"metadata", {{"name", w.name}}},
      {"spec",
       {{"selector", {{"app", w.name}}},
        {"ports", ordered::array({{{"port", 80}, {"targetPort", kModelServerPort}, {"protocol", "TCP"}}})}}}};
}

ordered scale_target(const KubernetesWorkload& w) {
  return {{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", w.name}};
}

}  // namespace

std::string kubernetes_manifests(const KubernetesWorkload& w) {
  std::string out = to_yaml(deployment_of(w)) + "---\n" + to_yaml(service_of(w));
  if (!w.hpa.is_null()) {
    ordered spec = {{"scaleTargetRef", scale_target(w)}};
    for (auto it = w.hpa.begin(); it != w.hpa.end(); ++it) spec[it.key()] = it.value();
    out += "---\n" + to_yaml({{"apiVersion", "autoscaling/v2"},
                              {"kind", "HorizontalPodAutoscaler"},
                              {"metadata", {{"name", w.name}}},
                              {"spec", spec}});
  }
  if (!w.keda.is_null()) {
    ordered spec = {{"scaleTargetRef", {{"name", w.name}}}};
    for (auto it = w.keda.begin(); it != w.keda.end(); ++it) spec[it.key()] = it.value();
    out += "---\n" + to_yaml({{"apiVersion", "keda.sh/v1alpha1"},
                              {"kind", "ScaledObject"},
                              {"metadata", {{"name", w.name}}},
                              {"spec", spec}});
  }
  return out;
}

}  // namespace servesim::platforms
