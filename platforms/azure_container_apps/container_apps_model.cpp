#include "platforms/azure_container_apps/container_apps_model.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "core/json_fields.hpp"

namespace servesim::platforms {

namespace {

// A serverless GPU profile (container-apps/workload-profiles-overview): its GPU in platforms/fleet/gpus.json
// and the most vCPU and memory one replica may have.
struct GpuProfile {
  const char* setting;  // the catalogue's "gpu" value
  const char* gpu_id;   // gpus.json
  const char* profile;  // the workload profile's name
  double max_vcpu, max_memory_gib;
};
constexpr GpuProfile kGpuProfiles[] = {
    {"nvidia-t4", "t4", "Consumption-GPU-NC8as-T4", 8, 56},
    {"nvidia-a100", "a100-80gb", "Consumption-GPU-NC24-A100", 24, 220},
};

const GpuProfile* gpu_profile(const std::string& setting) {
  for (const auto& g : kGpuProfiles)
    if (setting == g.setting) return &g;
  return nullptr;
}

// One request alone on the replica's GPU (requests are not batched) [s].
double gpu_request_s_for(const ContainerAppsParams& p, const sim::Scenario& scenario) {
  return gpu_single_request_s(*gpu_catalog().find(p.gpu_id), p.gpu_workload, scenario.service.model_size_mb);
}

using Source = sim::ServiceSpec::ModelSource;

ColdStartPath container_apps_path(const Settings& s, const ContainerAppsParams& p,
                                  const sim::ServiceSpec& service) {
  ColdStartPath path =
      model_store_path(service, p.path.per_connection_bytes_per_s, p.path.shared_bytes_per_s);
  path.allocation_s = p.gpu_allocation_s;
  switch (service.model_source) {
    case Source::unset:         // downloaded from the model store, as before sources existed
    case Source::object_store:  // downloaded from Blob Storage at the store's rates
    case Source::volume:        // an Azure Files volume mount, read at the store's rates
      break;
    case Source::image: {
      // Pulled from the registry: the model and the code; with ACR artifact streaming only a share of it.
      const double share =
          s.boolean("artifact_streaming") ? s.number("artifact_streaming_pull_fraction") : 1.0;
      path.pull(share * (service.model_size_mb + service.package_mb) * 1e6);
      break;
    }
    case Source::zip:
    case Source::layer:
    case Source::efs:
      throw s.candidate_error(std::string("Container Apps runs container images (source ") +
                              sim::model_source_name(service.model_source) +
                              "); use image, object-store or volume (an Azure Files mount)");
  }
  return path;
}

}  // namespace

ContainerAppsParams ContainerAppsParams::from(const Settings& s, const sim::ServiceSpec& service) {
  ContainerAppsParams p{};
  const std::string gpu = s.text("gpu");
  const GpuProfile* profile = gpu_profile(gpu);
  if (profile != nullptr) p.gpu_id = profile->gpu_id;
  p.vcpu = s.number("vcpu");
  p.memory_gib = s.number("memory_gib");
  p.concurrent_requests = static_cast<uint32_t>(s.number("concurrent_requests"));
  p.min_replicas = static_cast<uint32_t>(s.number("min_replicas"));
  p.max_replicas = static_cast<uint32_t>(s.number("max_replicas"));
  p.cooldown_period_s = s.number("cooldown_period_s");
  p.sticky_sessions = s.boolean("sticky_sessions");
  p.request_timeout_s = s.number("request_timeout_s");
  p.price_usd_per_vcpu_s_active = s.number("price_usd_per_vcpu_s_active");
  p.price_usd_per_gib_s_active = s.number("price_usd_per_gib_s_active");
  p.price_usd_per_vcpu_s_idle = s.number("price_usd_per_vcpu_s_idle");
  p.price_usd_per_gib_s_idle = s.number("price_usd_per_gib_s_idle");
  p.price_usd_per_request = s.number("price_usd_per_million_requests") / 1e6;
  p.gpu_workload = gpu_workload_from(s);
  p.path.per_connection_bytes_per_s = s.number("model_store_per_connection_mb_per_s") * 1e6;
  p.path.shared_bytes_per_s = s.number("model_store_shared_gb_per_s") * 1e9;

  if (profile == nullptr) {
    // container-apps/containers: 0.25-4 vCPU in steps of 0.25 with memory 2 GiB per vCPU. An unset memory
    // follows the vCPU.
    if (p.vcpu > 4 || std::fabs(p.vcpu * 4 - std::round(p.vcpu * 4)) > 1e-9)
      throw s.error("vcpu", "expected 0.25..4 vCPU in steps of 0.25 on the Consumption profile, got " +
                                core::quote_number(p.vcpu));
    if (!s.is_overridden("memory_gib")) p.memory_gib = 2 * p.vcpu;
    if (std::fabs(p.memory_gib - 2 * p.vcpu) > 1e-9)
      throw s.error("memory_gib", "expected " + core::quote_number(2 * p.vcpu) + " GiB with " +
                                      core::quote_number(p.vcpu) +
                                      " vCPU (2 GiB per vCPU on the Consumption profile), got " +
                                      core::quote_number(p.memory_gib));
  } else {
    // The GPU profiles: up to the profile's allocation; unset means all of it.
    if (!s.is_overridden("vcpu")) p.vcpu = profile->max_vcpu;
    if (!s.is_overridden("memory_gib")) p.memory_gib = profile->max_memory_gib;
    if (p.vcpu > profile->max_vcpu)
      throw s.error("vcpu", "expected at most " + core::quote_number(profile->max_vcpu) + " vCPU with gpu " +
                                gpu + " (" + profile->profile + "), got " + core::quote_number(p.vcpu));
    if (p.memory_gib > profile->max_memory_gib)
      throw s.error("memory_gib", "expected at most " + core::quote_number(profile->max_memory_gib) +
                                      " GiB with gpu " + gpu + " (" + profile->profile + "), got " +
                                      core::quote_number(p.memory_gib));
    const GpuSpec& spec = *gpu_catalog().find(p.gpu_id);
    try {
      gpu_latency(spec, p.gpu_workload);  // checks the precision and the class
    } catch (const std::invalid_argument& e) {
      throw s.error("precision", e.what());
    }
    const double weight_mb =
        p.gpu_workload.weight_bytes >= 0 ? p.gpu_workload.weight_bytes / 1e6 : service.model_size_mb;
    check_weights_fit_gpu(s, "gpu", spec, weight_mb, "use nvidia-a100 or a smaller model");
    p.gpu_price_usd_per_s =
        s.number(p.gpu_id == "t4" ? "gpu_price_usd_per_hour_t4" : "gpu_price_usd_per_hour_a100") / 3600.0;
    p.gpu_allocation_s = s.number("gpu_allocation_s");
  }
  if (p.min_replicas > p.max_replicas)
    throw s.error("min_replicas", "expected at most max_replicas (" + std::to_string(p.max_replicas) +
                                      "), got " + std::to_string(p.min_replicas));
  p.path = container_apps_path(s, p, service);
  return p;
}

FleetConfig ContainerAppsModel::fleet_config_for(const ContainerAppsParams& p,
                                                 const sim::Scenario& scenario) {
  FleetConfig c;
  c.concurrency = p.concurrent_requests;
  c.session_affinity = p.sticky_sessions;
  c.reserved_instances = p.min_replicas;
  c.max_instances = p.max_replicas;
  c.scale_out_interval_s = 0;  // a request over the threshold starts a replica at once (see the doc)
  c.idle_timeout_s = p.cooldown_period_s;
  c.queue_limit_s = p.request_timeout_s;  // at max_replicas a request waits until the ingress timeout
  c.queue_expiry_throttles = false;       // ... and then times out (no 429 is documented)
  c.request_timeout_s = p.request_timeout_s;
  c.autoscale_tick_s = 0;
  c.set_cold_start_path(p.path);
  const auto& svc = scenario.service;
  const double gpu_work_factor =
      p.has_gpu() && !svc.llm.given ? FleetConfig::work_factor_for(gpu_request_s_for(p, scenario), svc) : 0;
  c.llm_settings = p.llm_engine;
  c.set_instance_compute(scenario, p.vcpu, p.has_gpu() ? gpu_catalog().find(p.gpu_id) : nullptr,
                         gpu_work_factor, p.gpu_allocation_s);
  return c;
}

ContainerAppsModel::ContainerAppsModel(const ContainerAppsParams& params, const sim::Scenario& scenario)
    : InstanceFleet(fleet_config_for(params, scenario), scenario), p_(params) {
  if (!p_.has_gpu()) return;
  if (fleet_config().llm.timing) {
    latency_source_ = fleet_config().llm.latency_source;
    return;
  }
  gpu_request_s_ = gpu_request_s_for(p_, scenario);
  latency_source_ = gpu_latency_source(*gpu_catalog().find(p_.gpu_id), p_.gpu_workload);
}

void ContainerAppsModel::register_costs(sim::Recorder& recorder) {
  cost_cpu_ = recorder.cost_category("cpu_usd");
  cost_memory_ = recorder.cost_category("memory_usd");
  cost_requests_ = recorder.cost_category("requests_usd");
  cost_gpu_ = recorder.cost_category("gpu_usd");
}

void ContainerAppsModel::bill_resources(double seconds, double usd_per_vcpu_s, double usd_per_gib_s) {
  recorder().add_cost(cost_cpu_, seconds * p_.vcpu * usd_per_vcpu_s);
  recorder().add_cost(cost_memory_, seconds * p_.memory_gib * usd_per_gib_s);
}

void ContainerAppsModel::bill_execution(double, double, bool) {
  recorder().add_cost(cost_requests_, p_.price_usd_per_request);
}

// A CPU min replica is billed at the idle rates for its lifetime (below) and at the active rates while it has
// requests: this adds the difference for its busy time.
void ContainerAppsModel::bill_busy(double, double busy_s, bool reserved) {
  if (reserved && !p_.has_gpu())
    bill_resources(busy_s, p_.price_usd_per_vcpu_s_active - p_.price_usd_per_vcpu_s_idle,
                   p_.price_usd_per_gib_s_active - p_.price_usd_per_gib_s_idle);
}

// Every running replica is billed per second of its allocation: min replicas of a CPU app at the idle rates
// (made active by bill_busy), all others, and every GPU replica, at the active rates.
void ContainerAppsModel::bill_lifetime(double, double instance_s, bool reserved) {
  if (reserved && !p_.has_gpu())
    bill_resources(instance_s, p_.price_usd_per_vcpu_s_idle, p_.price_usd_per_gib_s_idle);
  else
    bill_resources(instance_s, p_.price_usd_per_vcpu_s_active, p_.price_usd_per_gib_s_active);
  if (p_.has_gpu()) recorder().add_cost(cost_gpu_, instance_s * p_.gpu_price_usd_per_s);
}

}  // namespace servesim::platforms
