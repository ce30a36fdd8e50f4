#include "platforms/aws_lambda_managed_instances/managed_instances_model.hpp"

#include <algorithm>
#include <cmath>

#include "core/json_fields.hpp"

namespace servesim::platforms {

namespace {

using LmiSource = sim::ServiceSpec::ModelSource;

// Lambda Managed Instances deploys zip packages (with layers) and container images, like Lambda (default);
// the model can also come from object storage (S3) or EFS. There is no volume mount.
ColdStartPath managed_instances_path(const Settings& s, const ManagedInstancesParams& p,
                                     const sim::ServiceSpec& service) {
  ColdStartPath path =
      model_store_path(service, p.path.per_connection_bytes_per_s, p.path.shared_bytes_per_s);
  switch (service.model_source) {
    case LmiSource::unset:
    case LmiSource::object_store:
    case LmiSource::efs:
      break;
    case LmiSource::zip:
    case LmiSource::layer:
    case LmiSource::image:
      path.pull((service.model_size_mb + service.package_mb) * 1e6);
      break;
    case LmiSource::volume:
      throw s.candidate_error(
          "Lambda Managed Instances has no volume mounts (source volume); use zip, layer, image, efs or "
          "object-store");
  }
  return path;
}

}  // namespace

ManagedInstancesParams ManagedInstancesParams::from(const Settings& s, const sim::ServiceSpec& service) {
  ManagedInstancesParams p{};
  p.instance_vcpu = s.number("instance_vcpu");
  p.instance_memory_gib = s.number("instance_memory_gib");
  p.instance_price_usd_per_hour = s.number("instance_price_usd_per_hour");
  p.ec2_discount_fraction = s.number("ec2_discount_fraction");
  p.management_fee_fraction = s.number("management_fee_fraction");
  p.price_usd_per_request = s.number("price_usd_per_million_requests") / 1e6;
  p.function_vcpu = s.number("function_vcpu");
  p.memory_gib_per_vcpu = s.number("memory_gib_per_vcpu");
  p.per_environment_max_concurrency = static_cast<uint32_t>(s.number("per_environment_max_concurrency"));
  p.min_instances = static_cast<uint32_t>(s.number("min_instances"));
  p.max_vcpu_count = static_cast<uint32_t>(s.number("max_vcpu_count"));
  p.target_cpu_utilization = s.number("target_cpu_utilization");
  p.target_concurrency_saturation = s.number("target_concurrency_saturation");
  p.scaling_interval_s = s.number("scaling_interval_s");
  p.scaling_window_s = s.number("scaling_window_s");
  p.instance_start_s = s.number("instance_start_s");
  p.scale_in_idle_s = s.number("scale_in_idle_s");
  p.request_timeout_s = s.number("request_timeout_s");
  p.path.per_connection_bytes_per_s = s.number("model_store_per_connection_mb_per_s") * 1e6;
  p.path.shared_bytes_per_s = s.number("model_store_shared_gb_per_s") * 1e9;

  // The function's execution environment: vCPU x GiB per vCPU, at least 2 GiB (lambda-managed-instances-
  // scaling: minimum 2 GB and 1 vCPU), and it must fit one instance.
  const double function_memory_gib = p.function_vcpu * p.memory_gib_per_vcpu;
  if (function_memory_gib < 2 - 1e-9)
    throw s.error("memory_gib_per_vcpu",
                  "expected a function of at least 2 GiB (function_vcpu x "
                  "memory_gib_per_vcpu), got " +
                      core::quote_number(function_memory_gib) + " GiB");
  if (p.function_vcpu > p.instance_vcpu)
    throw s.error("function_vcpu", "expected at most instance_vcpu (" + core::quote_number(p.instance_vcpu) +
                                       "): an execution environment runs on one instance, got " +
                                       core::quote_number(p.function_vcpu));
  if (function_memory_gib > p.instance_memory_gib)
    throw s.error("memory_gib_per_vcpu", "expected a function that fits the instance's " +
                                             core::quote_number(p.instance_memory_gib) + " GiB, got " +
                                             core::quote_number(function_memory_gib) + " GiB (" +
                                             core::quote_number(p.function_vcpu) + " vCPU x " +
                                             core::quote_number(p.memory_gib_per_vcpu) + " GiB)");
  // Up to 64 concurrent requests per vCPU of the environment.
  const double max_concurrency = 64 * p.function_vcpu;
  if (p.per_environment_max_concurrency > max_concurrency)
    throw s.error("per_environment_max_concurrency",
                  "expected at most 64 per vCPU (" + core::quote_number(max_concurrency) + " with " +
                      core::quote_number(p.function_vcpu) + " vCPU), got " +
                      std::to_string(p.per_environment_max_concurrency));
  p.environments_per_instance =
      static_cast<uint32_t>(std::min(std::floor(p.instance_vcpu / p.function_vcpu + 1e-9),
                                     std::floor(p.instance_memory_gib / function_memory_gib + 1e-9)));
  p.concurrency_per_instance = p.environments_per_instance * p.per_environment_max_concurrency;
  p.max_instances = static_cast<uint32_t>(std::floor(p.max_vcpu_count / p.instance_vcpu + 1e-9));
  if (p.max_instances < 1)
    throw s.error("max_vcpu_count", "expected at least one instance's vCPU (" +
                                        core::quote_number(p.instance_vcpu) + "), got " +
                                        std::to_string(p.max_vcpu_count));
  if (p.min_instances > p.max_instances)
    throw s.error("min_instances", "expected at most max_vcpu_count / instance_vcpu (" +
                                       std::to_string(p.max_instances) + " instances), got " +
                                       std::to_string(p.min_instances));
  p.path = managed_instances_path(s, p, service);
  return p;
}

FleetConfig ManagedInstancesModel::fleet_config_for(const ManagedInstancesParams& p,
                                                    const sim::Scenario& scenario) {
  FleetConfig c;
  c.concurrency = p.concurrency_per_instance;
  c.reserved_instances = p.min_instances;
  c.max_instances = p.max_instances;
  c.start_on_request = false;  // asynchronous scaling only: no request waits for an instance start
  c.scale_out_interval_s = 0;
  c.idle_timeout_s = p.scale_in_idle_s;
  c.queue_limit_s = 0;  // no free slot on a ready environment: throttled at once (HTTP 429)
  c.queue_expiry_throttles = true;
  c.request_timeout_s = p.request_timeout_s;
  c.autoscale_tick_s = p.scaling_interval_s;
  c.autoscale_window_s = p.scaling_window_s;
  c.target_cpu = p.target_cpu_utilization;
  c.target_concurrency = p.target_concurrency_saturation;
  c.set_cold_start_path(p.path);
  c.set_instance_compute(scenario, p.instance_vcpu, nullptr, 0, 0);
  c.instance_start_s = p.instance_start_s;
  return c;
}

ManagedInstancesModel::ManagedInstancesModel(const ManagedInstancesParams& params,
                                             const sim::Scenario& scenario)
    : InstanceFleet(fleet_config_for(params, scenario), scenario), p_(params) {}

void ManagedInstancesModel::register_costs(sim::Recorder& recorder) {
  cost_ec2_ = recorder.cost_category("ec2_usd");
  cost_fee_ = recorder.cost_category("management_fee_usd");
  cost_requests_ = recorder.cost_category("requests_usd");
}

void ManagedInstancesModel::bill_execution(double, double, bool) {
  recorder().add_cost(cost_requests_, p_.price_usd_per_request);
}

// Every running instance, minimum or scaled out, busy or idle, is billed per second: the EC2 price (less the
// discount) and the management fee on the on-demand price. No duration charge.
void ManagedInstancesModel::bill_lifetime(double, double instance_s, bool) {
  const double hours = instance_s / 3600.0;
  recorder().add_cost(cost_ec2_, hours * p_.instance_price_usd_per_hour * (1 - p_.ec2_discount_fraction));
  recorder().add_cost(cost_fee_, hours * p_.instance_price_usd_per_hour * p_.management_fee_fraction);
}

}  // namespace servesim::platforms
