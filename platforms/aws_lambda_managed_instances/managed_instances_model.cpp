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

// The GPU instance types a capacity provider can filter to for an accelerator (one GPU each): EC2's
// accelerated-computing specs. Their on-demand prices are the catalogue's gpu_instance_price_usd_per_h_*
// keys.
struct LmiGpuInstance {
  const char* type;
  const char* gpu_id;  // platforms/fleet/gpus.json
  double vcpu, memory_gib;
};
const LmiGpuInstance kLmiGpuInstances[] = {
    {"g4dn.xlarge", "t4", 4, 16},
    {"g5.xlarge", "a10g", 4, 16},
    {"g6.xlarge", "l4", 4, 16},
    {"g6e.xlarge", "l40s", 4, 32},
};
// AcceleratorConfig AcceleratorMemorySize: the valid values, GiB.
const double kAcceleratorMemoryGib[] = {3, 6, 12, 16, 24, 48};

// Reads the accelerator settings into p (instance size and price from the GPU instance type). Refuses an
// accelerator memory that is not one of AWS's sizes or exceeds the type's GPU, instance_* keys given with
// an accelerator (the type sets them), and a package other than a container image.
void read_accelerator(const Settings& s, const sim::ServiceSpec& service, ManagedInstancesParams& p) {
  p.accelerator_memory_gib = s.number("accelerator_memory_gib");
  if (p.accelerator_memory_gib == 0) return;
  bool valid = false;
  for (double v : kAcceleratorMemoryGib) valid = valid || v == p.accelerator_memory_gib;
  if (!valid)
    throw s.error("accelerator_memory_gib",
                  "expected 0 (no accelerator) or one of 3, 6, 12, 16, 24, 48 GiB, got " +
                      core::quote_number(p.accelerator_memory_gib));
  p.gpu_instance_type = s.text("gpu_instance_type");
  const LmiGpuInstance* type = nullptr;
  for (const auto& t : kLmiGpuInstances)
    if (p.gpu_instance_type == t.type) type = &t;
  if (type == nullptr)  // the catalogue's allowed list already refuses others
    throw s.error("gpu_instance_type", "expected g4dn.xlarge, g5.xlarge, g6.xlarge or g6e.xlarge, got \"" +
                                           p.gpu_instance_type + "\"");
  const GpuSpec& gpu = *gpu_catalog().find(type->gpu_id);
  if (p.accelerator_memory_gib > gpu.memory_gb)
    throw s.error("accelerator_memory_gib",
                  "expected at most the " + gpu.name + "'s " + core::quote_number(gpu.memory_gb) +
                      " GB with gpu_instance_type " + p.gpu_instance_type +
                      " (g5.xlarge and g6.xlarge have 24 GB, g6e.xlarge 48 GB), got " +
                      core::quote_number(p.accelerator_memory_gib));
  for (const char* key : {"instance_vcpu", "instance_memory_gib", "instance_price_usd_per_hour"})
    if (s.is_overridden(key))
      throw s.error(key, std::string("expected no value with an accelerator: gpu_instance_type ") +
                             p.gpu_instance_type + " sets the instance's vCPU, memory and price");
  if (service.model_source != LmiSource::image && service.model_source != LmiSource::unset &&
      service.model_source != LmiSource::object_store && service.model_source != LmiSource::efs)
    throw s.candidate_error(
        "an accelerator needs a container image (AcceleratorConfig supports the Image package type only): "
        "set service.cold_start.source to image, object-store or efs");
  p.gpu_id = type->gpu_id;
  p.instance_vcpu = type->vcpu;
  p.instance_memory_gib = type->memory_gib;
  p.instance_price_usd_per_hour =
      s.number("gpu_instance_price_usd_per_h_" + catalog_key_part(p.gpu_instance_type));
  p.target_gpu_utilization = s.number("target_gpu_utilization");
  p.gpu_workload = gpu_workload_from(s);
  if (!service.llm.given) {
    try {
      gpu_latency(gpu, p.gpu_workload);  // checks the precision and the class
    } catch (const std::invalid_argument& e) {
      throw s.error("precision", e.what());
    }
    check_weights_fit_gpu(
        s, "gpu_instance_type", gpu,
        p.gpu_workload.weight_bytes >= 0 ? p.gpu_workload.weight_bytes / 1e6 : service.model_size_mb,
        "g6e.xlarge's L40S has 48 GB; a smaller model, or another platform");
  }
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
  read_accelerator(s, service, p);

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
  // AcceleratorConfig: each environment is exposed a GPU device of at least accelerator_memory_gib; the
  // types here have one GPU, so one environment per instance.
  if (p.has_gpu()) p.environments_per_instance = std::min<uint32_t>(p.environments_per_instance, 1);
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
  if (!p.has_gpu()) {
    c.set_instance_compute(scenario, p.instance_vcpu, nullptr, 0, 0);
    c.instance_start_s = p.instance_start_s;
    return c;
  }
  c.llm_settings = p.llm_engine;
  // On a GPU the requests time-share it; the scaler's utilisation is the GPU's busy fraction (any request
  // on it counts the whole GPU busy, as nvidia-smi's utilisation does) against target_gpu_utilization.
  const GpuSpec& gpu = *gpu_catalog().find(p.gpu_id);
  const auto& svc = scenario.service;
  const double work_factor =
      svc.llm.given
          ? 0
          : FleetConfig::work_factor_for(gpu_single_request_s(gpu, p.gpu_workload, svc.model_size_mb), svc);
  c.set_instance_compute(scenario, p.instance_vcpu, &gpu, work_factor, 0);
  for (uint32_t n = 1; n < c.cpu_used_vcpu.size(); ++n) c.cpu_used_vcpu[n] = c.vcpu;
  c.target_cpu = p.target_gpu_utilization;
  c.instance_start_s = p.instance_start_s;
  return c;
}

ManagedInstancesModel::ManagedInstancesModel(const ManagedInstancesParams& params,
                                             const sim::Scenario& scenario)
    : InstanceFleet(fleet_config_for(params, scenario), scenario), p_(params) {
  if (!p_.has_gpu()) return;
  latency_source_ = fleet_config().llm.timing
                        ? fleet_config().llm.latency_source
                        : gpu_latency_source(*gpu_catalog().find(p_.gpu_id), p_.gpu_workload);
}

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
