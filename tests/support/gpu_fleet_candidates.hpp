#pragma once
// One warm GPU instance on each serverless GPU platform that serves language models on the token-level
// engine (Cloud Run L4, Container Apps A100, Lambda Managed Instances L40S), each taking up to 4 requests at
// once: the candidates of the tests that check a setting on all three.
//
//   doc["candidates"] = test::gpu_fleet_candidates({{"llm_prefix_caching", true}});
#include <nlohmann/json.hpp>

namespace servesim::test {

// `extra` (an object, or null) is added to each candidate's settings.
inline nlohmann::json gpu_fleet_candidates(const nlohmann::json& extra = nullptr) {
  nlohmann::json out = {{{"name", "run-l4"},
                         {"platform", "gcp-cloud-run"},
                         {"gpu", "nvidia-l4"},
                         {"vcpu", 8},
                         {"memory_gib", 32},
                         {"min_instances", 1},
                         {"max_instances", 1},
                         {"concurrency", 4}},
                        {{"name", "aca-a100"},
                         {"platform", "azure-container-apps"},
                         {"gpu", "nvidia-a100"},
                         {"vcpu", 24},
                         {"memory_gib", 220},
                         {"min_replicas", 1},
                         {"max_replicas", 1},
                         {"concurrent_requests", 4}},
                        {{"name", "lmi-l40s"},
                         {"platform", "aws-lambda-managed-instances"},
                         {"accelerator_memory_gib", 48},
                         {"gpu_instance_type", "g6e.xlarge"},
                         {"min_instances", 1},
                         {"max_vcpu_count", 4},
                         {"per_environment_max_concurrency", 4}}};
  if (extra.is_object())
    for (auto& c : out) c.update(extra);
  return out;
}

}  // namespace servesim::test
