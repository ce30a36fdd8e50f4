#pragma once
// Google Cloud Run services: instances of 0.08-8 vCPU serving up to `concurrency` requests each, which share
// the instance's vCPUs (processor sharing); a new instance starts as soon as a request finds no free slot,
// and an autoscaler (target CPU and concurrency utilisation over one minute) adds instances ahead of demand
// and bounds scale-in; at max_instances requests queue up to 10 s, then get HTTP 429; idle instances go after
// 15 minutes unless min_instances keeps them; request- or instance-based billing; optional NVIDIA L4 or RTX
// PRO 6000 Blackwell GPU, priced with or without GPU zonal redundancy. See docs/models/gcp-cloud-run.md.
#include <string>

#include "platforms/catalog.hpp"
#include "platforms/fleet/cold_start_path.hpp"
#include "platforms/fleet/gpu_latency.hpp"
#include "platforms/fleet/instance_fleet.hpp"
#include "sim/scenario.hpp"

namespace servesim::platforms {

// One field per catalogue parameter of "gcp-cloud-run" (units in the names; defaults and sources in
// platforms/gcp_cloud_run/gcp-cloud-run.json).
struct CloudRunParams {
  double vcpu;
  double memory_gib;
  uint32_t concurrency;
  uint32_t min_instances;
  uint32_t max_instances;
  double target_cpu;          // fraction (catalogue: percent)
  double target_concurrency;  // fraction (catalogue: percent)
  double autoscale_window_s;
  double autoscale_tick_s;
  double queue_timeout_s;
  double idle_timeout_s;
  double request_timeout_s;
  bool session_affinity;             // cookie-based session affinity (run/docs/configuring/session-affinity)
  double startup_speedup;            // 1 when startup_cpu_boost is off
  bool instance_billing;             // billing "instance" (forced for GPU instances)
  double price_usd_per_vcpu_s;       // of the chosen billing
  double price_usd_per_gib_s;        // of the chosen billing
  double price_usd_per_request;      // 0 with instance-based billing
  double idle_price_usd_per_vcpu_s;  // idle minimum instances under request-based billing (0 otherwise)
  double idle_price_usd_per_gib_s;
  bool has_gpu;
  std::string gpu_id;  // platforms/fleet/gpus.json: "l4" or "rtx-pro-6000" ("" without a GPU)
  bool gpu_zonal_redundancy;
  LlmEngineSettings llm_engine;  // service.llm on the GPU: the llm_* settings (llm_engine_settings)
  double gpu_price_usd_per_s;    // of the GPU and the zonal-redundancy choice
  double gpu_instance_start_s;
  double gpu_speedup_estimate;  // > 0: the user's factor (estimated); 0: the GPU latency model
  GpuWorkload gpu_workload;     // for the GPU latency model (weight_bytes < 0: the scenario's model_size_mb)
  double store_per_connection_bytes_per_s;
  double store_shared_bytes_per_s;
  ColdStartPath path;          // where a cold start gets the model (service.cold_start.source)
  StartupProbe startup_probe;  // a configured startup probe (off: Cloud Run's default TCP probe)

  // Reads and checks the settings, including the documented vCPU/memory combinations and the limits of the
  // model's packaging (`service`): Cloud Run runs container images, with the model in the image, downloaded
  // from Cloud Storage into the in-memory file system, or read from a Cloud Storage volume mount.
  static CloudRunParams from(const Settings& settings, const sim::ServiceSpec& service);
};

class CloudRunModel : public InstanceFleet {
 public:
  CloudRunModel(const CloudRunParams& params, const sim::Scenario& scenario);
  std::string platform() const override { return "gcp-cloud-run"; }
  std::string latency_source() const override { return latency_source_; }
  // The GPU service time of one request [s] (0 without a GPU or with a user's speed-up factor).
  double gpu_request_s() const { return gpu_request_s_; }

 protected:
  void register_costs(sim::Recorder& recorder) override;
  void bill_execution(double t_s, double run_s, bool reserved) override;
  void bill_busy(double t_s, double busy_s, bool reserved) override;
  void bill_lifetime(double t_s, double instance_s, bool reserved) override;
  void bill_idle_reserved(double t_s, double idle_s) override;

 private:
  static FleetConfig fleet_config_for(const CloudRunParams& p, const sim::Scenario& scenario);
  void bill_resources(double seconds);

  CloudRunParams p_;
  std::string latency_source_ = "measured";
  double gpu_request_s_ = 0;
  int cost_cpu_ = 0, cost_memory_ = 0, cost_requests_ = 0, cost_gpu_ = 0, cost_idle_ = 0;
};

}  // namespace servesim::platforms
