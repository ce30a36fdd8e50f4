#pragma once
// The settings of a training topology (a topology candidate with "training": docs/training.md): each arrival
// is a job of `steps` GPU steps on a pool of Kubernetes GPU nodes; a step takes step_s and consumes
// shards_per_step shards that the topology's one model stage (the preprocessing) produces, one per task, at
// most max_concurrency tasks outstanding, into a buffer of shards_per_step + prefetch_shards. The node
// type's GPUs per node and on-demand price come from platforms/kubernetes_gpu/kubernetes-gpu.json unless
// the scenario gives them.
//
//   TrainingSpec t = parse_training(candidate.settings["training"], file, "/candidates/0/training");
//   t.buffer_shards() == t.shards_per_step + t.prefetch_shards
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>

namespace servesim::platforms {

struct TrainingSpec {
  uint64_t steps = 0;                  // [steps] per job, required, 1..10^9
  double step_s = 0;                   // [s] GPU time of one step (all GPUs of the pool together), required
  uint32_t shards_per_step = 1;        // [shards] a step consumes, default 1
  uint32_t prefetch_shards = 0;        // [shards] the buffer holds beyond the running step's, default 0
  uint32_t max_concurrency = 1;        // [tasks] preprocessing tasks of a job outstanding at once, default 1
  uint32_t nodes = 1;                  // [nodes] of the GPU pool, default 1
  std::string node_type;               // a kubernetes-gpu node type, default the catalogue's (g4dn.xlarge)
  uint32_t gpus_per_node = 0;          // [GPUs] the node type's unless given
  double price_usd_per_node_hour = 0;  // [USD/h] the node type's on-demand price unless given
  std::string price_source;            // the catalogue's source, or "scenario"

  uint64_t buffer_shards() const { return uint64_t{shards_per_step} + prefetch_shards; }
};

// Reads "training": {...}. Throws InputError with the pointer of the first bad key.
TrainingSpec parse_training(const nlohmann::json& j, const std::string& file, const std::string& pointer);

}  // namespace servesim::platforms
