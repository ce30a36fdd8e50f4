#include "platforms/topology/training_spec.hpp"

#include <nlohmann/json.hpp>

#include "core/input_error.hpp"
#include "core/json_fields.hpp"
#include "platforms/catalog.hpp"
#include "platforms/kubernetes_gpu/kubernetes_gpu_platform.hpp"

namespace servesim::platforms {

TrainingSpec parse_training(const nlohmann::json& j, const std::string& file, const std::string& pointer) {
  if (!j.is_object())
    throw input_error(
        file, pointer,
        "expected {\"steps\": N, \"step_s\": S, ...} (docs/training.md), got " + core::quote_json(j));
  core::JsonFields f(j, file, pointer);
  TrainingSpec t;
  if (!f.has("steps")) throw f.error("steps", "missing (the GPU steps of one job, 1..1000000000)");
  t.steps = f.integer("steps", 1, 1, 1000000000);
  t.step_s = f.required_number("step_s", 1e-6, 1e6);
  t.shards_per_step = static_cast<uint32_t>(f.integer("shards_per_step", 1, 1, 1000000));
  t.prefetch_shards = static_cast<uint32_t>(f.integer("prefetch_shards", 0, 0, 1000000));
  t.max_concurrency = static_cast<uint32_t>(f.integer("max_concurrency", 1, 1, 1000000));
  t.nodes = static_cast<uint32_t>(f.integer("nodes", 1, 1, 100000));
  // The node type's GPUs and on-demand price, from the Kubernetes GPU platform's catalogue.
  const PlatformEntry* k8s = find_platform(kKubernetesGpuPlatform);
  const Parameter* types = k8s ? k8s->find("node_type") : nullptr;
  if (!types) throw std::logic_error("training: the kubernetes-gpu catalogue has no node_type");
  t.node_type = f.text("node_type", types->value.get<std::string>(), types->allowed);
  const std::string type_key = catalog_key_part(t.node_type);
  const Parameter* gpus = k8s->find("node_gpus_" + type_key);
  const Parameter* price = k8s->find("price_usd_per_h_" + type_key);
  if (!gpus || !price) throw std::logic_error("training: no GPUs or price for node type " + t.node_type);
  t.gpus_per_node = static_cast<uint32_t>(f.integer("gpus_per_node", gpus->value.get<uint64_t>(), 1, 64));
  if (f.has("price_usd_per_node_hour")) {
    t.price_usd_per_node_hour = f.number("price_usd_per_node_hour", 0.0, 0.0, 10000.0);
    t.price_source = "scenario (price_usd_per_node_hour)";
  } else {
    t.price_usd_per_node_hour = price->value.get<double>();
    t.price_source = price->status + ": " + price->source;
  }
  f.reject_unknown();
  return t;
}

}  // namespace servesim::platforms
