#pragma once
// Azure Container Apps on the Consumption plan: replicas of 0.25-4 vCPU (memory 2 GiB per vCPU), or one
// NVIDIA T4 or A100 per replica on the serverless GPU profiles, each serving up to `concurrent_requests`
// requests (the HTTP scale rule's threshold) that share the replica (processor sharing on its vCPUs, time
// sharing on its GPU). A request finding every replica full starts a new one, up to max_replicas; beyond it
// requests wait for a slot until the ingress timeout. Replicas above min_replicas go cooldown_period_s after
// their last request (scale to zero with min_replicas 0). Billing per second of vCPU, GiB and GPU allocated
// while a replica runs, active or (CPU min replicas with no request) idle rates, plus a fee per request.
// See docs/models/azure-container-apps.md.
#include <string>

#include "platforms/catalog.hpp"
#include "platforms/fleet/cold_start_path.hpp"
#include "platforms/fleet/gpu_latency.hpp"
#include "platforms/fleet/instance_fleet.hpp"
#include "sim/scenario.hpp"

namespace servesim::platforms {

// One field per catalogue parameter of "azure-container-apps" (units in the names; defaults and sources in
// platforms/azure_container_apps/azure-container-apps.json).
struct ContainerAppsParams {
  std::string gpu_id;  // "" (Consumption CPU profile), "t4" or "a100-80gb" (platforms/fleet/gpus.json)
  double vcpu;
  double memory_gib;
  uint32_t concurrent_requests;
  uint32_t min_replicas;
  uint32_t max_replicas;
  double cooldown_period_s;
  bool sticky_sessions;  // ingress sticky sessions (container-apps/sticky-sessions)
  double request_timeout_s;
  double price_usd_per_vcpu_s_active;
  double price_usd_per_gib_s_active;
  double price_usd_per_vcpu_s_idle;
  double price_usd_per_gib_s_idle;
  double price_usd_per_request;
  double gpu_price_usd_per_s;  // 0 without a GPU
  double gpu_allocation_s;     // 0 without a GPU
  GpuWorkload gpu_workload;    // weight_bytes < 0: the scenario's model_size_mb
  ColdStartPath path;          // where a cold start gets the model (service.cold_start.source)

  bool has_gpu() const { return !gpu_id.empty(); }
  LlmEngineSettings llm_engine;  // service.llm on the GPU: the llm_* settings (llm_engine_settings)

  // Reads and checks the settings: the documented vCPU/memory combinations of the Consumption profile, the
  // GPU profiles' allocations, the model's fit in GPU memory and its packaging (`service`): Container Apps
  // runs container images, with the model in the image, downloaded from Blob Storage, or on a mounted volume.
  static ContainerAppsParams from(const Settings& settings, const sim::ServiceSpec& service);
};

class ContainerAppsModel : public InstanceFleet {
 public:
  ContainerAppsModel(const ContainerAppsParams& params, const sim::Scenario& scenario);
  std::string platform() const override { return "azure-container-apps"; }
  std::string latency_source() const override { return latency_source_; }
  // The GPU service time of one request alone on the replica [s] (0 without a GPU).
  double gpu_request_s() const { return gpu_request_s_; }

 protected:
  void register_costs(sim::Recorder& recorder) override;
  void bill_execution(double t_s, double run_s, bool reserved) override;
  void bill_busy(double t_s, double busy_s, bool reserved) override;
  void bill_lifetime(double t_s, double instance_s, bool reserved) override;

 private:
  static FleetConfig fleet_config_for(const ContainerAppsParams& p, const sim::Scenario& scenario);
  void bill_resources(double seconds, double usd_per_vcpu_s, double usd_per_gib_s);

  ContainerAppsParams p_;
  std::string latency_source_ = "measured";
  double gpu_request_s_ = 0;
  int cost_cpu_ = 0, cost_memory_ = 0, cost_requests_ = 0, cost_gpu_ = 0;
};

}  // namespace servesim::platforms
