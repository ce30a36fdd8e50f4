#pragma once
// AWS Lambda Managed Instances: a function's execution environments on EC2 instances of a capacity provider
// in the user's account. One simulated instance is one EC2 instance of `instance_vcpu` vCPU, holding as many
// execution environments of `function_vcpu` vCPU (memory_gib_per_vcpu GiB per vCPU) as fit; each environment
// serves up to `per_environment_max_concurrency` requests at once and all requests on an instance share its
// vCPUs (processor sharing). No request ever starts an instance: Lambda scales asynchronously, every tick,
// on the mean CPU utilisation and concurrency saturation, from a floor of min_instances (3 by default) to
// max_vcpu_count / instance_vcpu; a new instance serves after instance_start_s plus the function's init. A
// request finding every ready environment full is throttled (HTTP 429). Billing: the EC2 price of every
// running instance (less a Savings Plan / RI discount) + the management fee on the on-demand price + a fee
// per request; no duration charge. With an accelerator (accelerator_memory_gib), instances are GPU instances
// of gpu_instance_type, one environment per GPU, scaled on GPU utilisation. See
// docs/models/aws-lambda-managed-instances.md.
#include <cstdint>
#include <string>

#include "platforms/catalog.hpp"
#include "platforms/fleet/cold_start_path.hpp"
#include "platforms/fleet/gpu_latency.hpp"
#include "platforms/fleet/instance_fleet.hpp"
#include "sim/scenario.hpp"

namespace servesim::platforms {

// One field per catalogue parameter of "aws-lambda-managed-instances" (units in the names; defaults and
// sources in platforms/aws_lambda_managed_instances/aws-lambda-managed-instances.json).
struct ManagedInstancesParams {
  double instance_vcpu;
  double instance_memory_gib;
  double instance_price_usd_per_hour;  // EC2 on-demand
  double ec2_discount_fraction;        // Savings Plan / Reserved Instance discount on the EC2 part
  double management_fee_fraction;      // of the on-demand price
  double price_usd_per_request;
  double function_vcpu;
  double memory_gib_per_vcpu;
  uint32_t per_environment_max_concurrency;
  uint32_t min_instances;
  uint32_t max_vcpu_count;
  double target_cpu_utilization;         // fraction
  double target_concurrency_saturation;  // fraction of the environments' slots
  double scaling_interval_s;
  double scaling_window_s;
  double instance_start_s;
  double scale_in_idle_s;
  double request_timeout_s;
  ColdStartPath path;

  // With an accelerator (AcceleratorConfig, accelerator_memory_gib > 0): GPU instances of one type, one
  // execution environment per GPU device, its requests time-sharing the GPU, scaled on GPU utilisation.
  double accelerator_memory_gib = 0;  // 0: CPU instances
  std::string gpu_instance_type;      // e.g. g6.xlarge
  std::string gpu_id;                 // platforms/fleet/gpus.json
  double target_gpu_utilization = 0;  // fraction of the time the GPU is busy
  GpuWorkload gpu_workload;
  LlmEngineSettings llm_engine;  // service.llm on the GPU: the llm_* settings (llm_engine_settings)
  bool has_gpu() const { return accelerator_memory_gib > 0; }

  // Derived: execution environments on one instance (by vCPU and by memory), requests one instance serves at
  // once, instances at most.
  uint32_t environments_per_instance = 0;
  uint32_t concurrency_per_instance = 0;
  uint32_t max_instances = 0;

  // EC2 + management fee of one instance-hour [USD].
  double instance_usd_per_hour() const {
    return instance_price_usd_per_hour * (1 - ec2_discount_fraction) +
           instance_price_usd_per_hour * management_fee_fraction;
  }

  // Reads and checks the settings: function size (>= 1 vCPU and 2 GiB, 2-8 GiB per vCPU, fits the
  // instance), concurrency per environment (at most 64 per vCPU), min_instances within the vCPU cap, and the
  // packaging (`service`).
  static ManagedInstancesParams from(const Settings& settings, const sim::ServiceSpec& service);
};

class ManagedInstancesModel : public InstanceFleet {
 public:
  ManagedInstancesModel(const ManagedInstancesParams& params, const sim::Scenario& scenario);
  std::string platform() const override { return "aws-lambda-managed-instances"; }
  std::string latency_source() const override { return latency_source_; }

 protected:
  void register_costs(sim::Recorder& recorder) override;
  void bill_execution(double t_s, double run_s, bool reserved) override;
  void bill_busy(double, double, bool) override {}
  void bill_lifetime(double t_s, double instance_s, bool reserved) override;

 private:
  static FleetConfig fleet_config_for(const ManagedInstancesParams& p, const sim::Scenario& scenario);

  ManagedInstancesParams p_;
  std::string latency_source_ = "measured";
  int cost_ec2_ = 0, cost_fee_ = 0, cost_requests_ = 0;
};

}  // namespace servesim::platforms
