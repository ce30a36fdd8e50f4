#include "platforms/gcp_cloud_run/cloud_run_model.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "core/json_fields.hpp"

namespace servesim::platforms {

namespace {

struct MemoryRange {
  double min_gib, max_gib;
};

// run/docs/configuring/services/cpu: the memory each vCPU setting allows.
MemoryRange memory_range(double vcpu) {
  if (vcpu < 0.5) return {0.125, 0.5};
  if (vcpu < 1) return {0.125, 1};
  if (vcpu == 1) return {0.125, 4};
  if (vcpu == 2) return {0.125, 8};
  if (vcpu == 4) return {2, 16};
  if (vcpu == 6) return {4, 24};
  return {4, 32};  // 8 vCPU
}

// A Cloud Run GPU type (run/docs/configuring/services/gpu): its id in platforms/fleet/gpus.json, the
// smallest instance it allows, and the catalogue keys of its prices per GPU-hour.
struct CloudRunGpu {
  const char* setting;  // the `gpu` value, as Cloud Run names it (--gpu-type)
  const char* gpu_id;
  double min_vcpu, min_memory_gib;
  const char* price_key;  // with zonal redundancy; + "_no_zonal_redundancy" without
};

const CloudRunGpu kCloudRunGpus[] = {
    {"nvidia-l4", "l4", 4, 16, "gpu_price_usd_per_hour_l4"},
    {"nvidia-rtx-pro-6000", "rtx-pro-6000", 20, 80, "gpu_price_usd_per_hour_rtx_pro_6000"},
};

const CloudRunGpu* cloud_run_gpu(const std::string& setting) {
  for (const auto& g : kCloudRunGpus)
    if (setting == g.setting) return &g;
  return nullptr;
}

const GpuSpec& gpu_spec(const CloudRunParams& p) {
  return *gpu_catalog().find(p.gpu_id);
}

// One request alone on the GPU (Cloud Run serves requests one by one, no batching) [s].
double gpu_request_s_for(const CloudRunParams& p, const sim::Scenario& scenario) {
  return gpu_single_request_s(gpu_spec(p), p.gpu_workload, scenario.service.model_size_mb);
}

using Source = sim::ServiceSpec::ModelSource;

ColdStartPath cloud_run_path(const Settings& s, const CloudRunParams& p, const sim::ServiceSpec& service) {
  ColdStartPath path =
      model_store_path(service, p.store_per_connection_bytes_per_s, p.store_shared_bytes_per_s);
  path.allocation_s = p.has_gpu ? p.gpu_instance_start_s : 0;
  switch (service.model_source) {
    case Source::unset:   // downloaded from the model store, as before sources existed
    case Source::volume:  // a Cloud Storage volume mount (Cloud Storage FUSE): read at the store's rates
      break;
    case Source::image:
      // Pulled from Artifact Registry at the store's rates; the model is read whole by its load.
      path.pull((service.model_size_mb + s.number("image_read_fraction") * service.package_mb) * 1e6);
      break;
    case Source::object_store: {
      // Downloaded into the instance's in-memory file system: its memory must hold the file
      // (run/docs/configuring/services/gpu-best-practices: "sufficient RAM allocated to store the model
      // files").
      const double memory_mb = p.memory_gib * 1073.741824;
      if (service.model_size_mb > memory_mb)
        throw s.error("memory_gib",
                      core::quote_number(p.memory_gib) + " GiB" +
                          (s.is_overridden("memory_gib") ? "" : " (the catalogue default)") +
                          " cannot hold the model downloaded into Cloud Run's in-memory file system: " +
                          format_mb(service.model_size_mb) +
                          " (source object-store); give more memory_gib, or use volume or image");
      break;
    }
    case Source::zip:
    case Source::layer:
    case Source::efs:
      throw s.candidate_error(std::string("Cloud Run runs container images (source ") +
                              sim::model_source_name(service.model_source) +
                              "); use image, object-store or volume (a Cloud Storage mount)");
  }
  return path;
}

}  // namespace

CloudRunParams CloudRunParams::from(const Settings& s, const sim::ServiceSpec& service) {
  CloudRunParams p{};
  p.vcpu = s.number("vcpu");
  p.memory_gib = s.number("memory_gib");
  p.concurrency = static_cast<uint32_t>(s.number("concurrency"));
  p.min_instances = static_cast<uint32_t>(s.number("min_instances"));
  p.max_instances = static_cast<uint32_t>(s.number("max_instances"));
  p.target_cpu = s.number("target_cpu_utilization_pct") / 100.0;
  p.target_concurrency = s.number("target_concurrency_utilization_pct") / 100.0;
  p.autoscale_window_s = s.number("autoscale_window_s");
  p.autoscale_tick_s = s.number("autoscale_tick_s");
  p.queue_timeout_s = s.number("queue_timeout_s");
  p.idle_timeout_s = s.number("idle_timeout_s");
  p.request_timeout_s = s.number("request_timeout_s");
  p.session_affinity = s.boolean("session_affinity");
  p.startup_speedup = s.boolean("startup_cpu_boost") ? s.number("startup_boost_speedup") : 1.0;
  const std::string gpu_setting = s.text("gpu");
  const CloudRunGpu* gpu = cloud_run_gpu(gpu_setting);  // nullptr: "none" (the catalogue lists the values)
  p.has_gpu = gpu != nullptr;
  p.gpu_id = gpu ? gpu->gpu_id : "";
  p.gpu_zonal_redundancy = s.boolean("gpu_zonal_redundancy");
  if (gpu)
    p.gpu_price_usd_per_s =
        s.number(std::string(gpu->price_key) + (p.gpu_zonal_redundancy ? "" : "_no_zonal_redundancy")) /
        3600.0;
  p.gpu_instance_start_s = s.number("gpu_instance_start_s");
  p.gpu_speedup_estimate = s.number("gpu_speedup_estimate");
  p.gpu_workload = gpu_workload_from(s);
  if (p.has_gpu && !service.llm.given)
    check_weights_fit_gpu(
        s, "gpu", gpu_spec(p),
        p.gpu_workload.weight_bytes >= 0 ? p.gpu_workload.weight_bytes / 1e6 : service.model_size_mb,
        p.gpu_id == "l4" ? "use nvidia-rtx-pro-6000 (96 GB), a smaller model, or another platform"
                         : "Cloud Run's largest GPU: a smaller model, or another platform");
  p.store_per_connection_bytes_per_s = s.number("model_store_per_connection_mb_per_s") * 1e6;
  p.store_shared_bytes_per_s = s.number("model_store_shared_gb_per_s") * 1e9;

  // The documented vCPU/memory combinations (run/docs/configuring/services/cpu). An RTX PRO 6000 instance is
  // larger than the table (at least 20 vCPU and 80 GiB, checked below); it takes whole vCPUs up to the
  // catalogue's maxima (48 vCPU, 180 GiB: estimated).
  const bool beyond_table = gpu && gpu->min_vcpu > 8;
  const std::string larger = " (more only with gpu nvidia-rtx-pro-6000)";
  if (beyond_table) {
    if (p.vcpu != std::round(p.vcpu))
      throw s.error("vcpu",
                    "expected whole vCPUs with gpu " + gpu_setting + ", got " + core::quote_number(p.vcpu));
  } else {
    if (p.vcpu > 8)
      throw s.error("vcpu", "expected 0.08..8 vCPU, got " + core::quote_number(p.vcpu) + larger);
    if (p.memory_gib > 32)
      throw s.error("memory_gib", "expected 0.125..32 GiB, got " + core::quote_number(p.memory_gib) + larger);
    if (p.vcpu < 1 && std::fabs(p.vcpu * 1000 - std::round(p.vcpu * 1000)) > 1e-6)
      throw s.error("vcpu", "expected 0.08..1 vCPU in steps of 0.001 or one of 2, 4, 6, 8, got " +
                                core::quote_number(p.vcpu));
    if (p.vcpu > 1 && p.vcpu != 2 && p.vcpu != 4 && p.vcpu != 6 && p.vcpu != 8)
      throw s.error("vcpu", "expected 0.08..1 vCPU or one of 2, 4, 6, 8 (values above 1 are whole), got " +
                                core::quote_number(p.vcpu));
    const MemoryRange range = memory_range(p.vcpu);
    if (p.memory_gib < range.min_gib || p.memory_gib > range.max_gib)
      throw s.error("memory_gib", "expected " + core::quote_number(range.min_gib) + ".." +
                                      core::quote_number(range.max_gib) + " GiB with " +
                                      core::quote_number(p.vcpu) + " vCPU, got " +
                                      core::quote_number(p.memory_gib));
  }
  std::string billing = s.text("billing");
  if (p.vcpu < 1) {
    // Below 1 vCPU: concurrency 1 and request-based billing only.
    if (p.concurrency != 1) {
      if (s.is_overridden("concurrency"))
        throw s.error("concurrency", "expected 1 below 1 vCPU (vcpu " + core::quote_number(p.vcpu) +
                                         "), got " + std::to_string(p.concurrency));
      p.concurrency = 1;
    }
    if (billing == "instance")
      throw s.error("billing", "expected \"request\" below 1 vCPU (vcpu " + core::quote_number(p.vcpu) +
                                   "), got \"instance\"");
  }
  if (p.has_gpu) {
    // run/docs/configuring/services/gpu: one GPU per instance, at least 4 vCPU and 16 GiB with an L4, 20 vCPU
    // and 80 GiB with an RTX PRO 6000; instance-based billing.
    if (p.vcpu < gpu->min_vcpu)
      throw s.error("vcpu", "expected at least " + core::quote_number(gpu->min_vcpu) + " vCPU with gpu " +
                                gpu_setting + ", got " + core::quote_number(p.vcpu));
    if (p.memory_gib < gpu->min_memory_gib)
      throw s.error("memory_gib", "expected at least " + core::quote_number(gpu->min_memory_gib) +
                                      " GiB with gpu " + gpu_setting + ", got " +
                                      core::quote_number(p.memory_gib));
    if (s.is_overridden("billing") && billing == "request")
      throw s.error("billing", "expected \"instance\" with gpu " + gpu_setting +
                                   " (GPU instances are billed for their whole lifetime), got \"request\"");
    billing = "instance";
    if (p.gpu_speedup_estimate == 0) {
      try {
        gpu_latency(gpu_spec(p), p.gpu_workload);  // checks the precision and the class
      } catch (const std::invalid_argument& e) {
        throw s.error("precision", e.what());
      }
    }
  }
  if (p.min_instances > p.max_instances)
    throw s.error("min_instances", "expected at most max_instances (" + std::to_string(p.max_instances) +
                                       "), got " + std::to_string(p.min_instances));
  p.instance_billing = billing == "instance";
  const std::string suffix = p.instance_billing ? "_instance_based" : "_request_based";
  p.price_usd_per_vcpu_s = s.number("price_usd_per_vcpu_s" + suffix);
  p.price_usd_per_gib_s = s.number("price_usd_per_gib_s" + suffix);
  p.price_usd_per_request = p.instance_billing ? 0.0 : s.number("price_usd_per_million_requests") / 1e6;
  // Request-based billing charges idle minimum instances at the idle rates; instance-based billing already
  // charges every instance for its whole lifetime.
  p.idle_price_usd_per_vcpu_s = p.instance_billing ? 0.0 : s.number("price_usd_per_vcpu_s_idle_min_instance");
  p.idle_price_usd_per_gib_s = p.instance_billing ? 0.0 : s.number("price_usd_per_gib_s_idle_min_instance");
  p.path = cloud_run_path(s, p, service);
  // Startup probes: initialDelaySeconds and periodSeconds at most 240, failureThreshold x periodSeconds at
  // most 240 s (healthchecks; Admin API v2 Probe).
  p.startup_probe = StartupProbe::from(
      s, "startup_probe", {.initial_delay_max_s = 240, .period_max_s = 240, .budget_max_s = 240});
  return p;
}

FleetConfig CloudRunModel::fleet_config_for(const CloudRunParams& p, const sim::Scenario& scenario) {
  FleetConfig c;
  c.concurrency = p.concurrency;
  c.reserved_instances = p.min_instances;
  c.max_instances = p.max_instances;
  c.scale_out_interval_s = 0;  // Cloud Run starts an instance as soon as a request finds no free slot
  c.idle_timeout_s = p.idle_timeout_s;
  c.queue_limit_s = p.queue_timeout_s;
  c.queue_expiry_throttles = true;
  c.request_timeout_s = p.request_timeout_s;
  c.session_affinity = p.session_affinity;
  c.autoscale_tick_s = p.autoscale_tick_s;
  c.autoscale_window_s = p.autoscale_window_s;
  c.target_concurrency = p.target_concurrency;
  c.target_cpu = p.target_cpu;
  c.startup_speedup = p.startup_speedup;
  c.startup_probe = p.startup_probe;
  c.set_cold_start_path(p.path);
  const auto& svc = scenario.service;
  double gpu_work_factor = 0;  // a request alone on the GPU: the user's speed-up, else the GPU latency model
  if (p.has_gpu && !svc.llm.given)
    gpu_work_factor = p.gpu_speedup_estimate > 0
                          ? 1.0 / p.gpu_speedup_estimate
                          : FleetConfig::work_factor_for(gpu_request_s_for(p, scenario), svc);
  c.llm_settings = p.llm_engine;
  c.set_instance_compute(scenario, p.vcpu, p.has_gpu ? &gpu_spec(p) : nullptr, gpu_work_factor,
                         p.gpu_instance_start_s);
  return c;
}

CloudRunModel::CloudRunModel(const CloudRunParams& params, const sim::Scenario& scenario)
    : InstanceFleet(fleet_config_for(params, scenario), scenario), p_(params) {
  if (!p_.has_gpu) return;
  if (fleet_config().llm.timing) {
    latency_source_ = fleet_config().llm.latency_source;
    return;
  }
  if (p_.gpu_speedup_estimate > 0) {
    latency_source_ = "estimated";  // the user's speed-up factor
    return;
  }
  gpu_request_s_ = gpu_request_s_for(p_, scenario);
  latency_source_ = gpu_latency_source(gpu_spec(p_), p_.gpu_workload);
}

void CloudRunModel::register_costs(sim::Recorder& recorder) {
  cost_cpu_ = recorder.cost_category("cpu_usd");
  cost_memory_ = recorder.cost_category("memory_usd");
  cost_requests_ = recorder.cost_category("requests_usd");
  cost_gpu_ = recorder.cost_category("gpu_usd");
  if (p_.min_instances > 0 && !p_.instance_billing)
    cost_idle_ = recorder.cost_category("idle_min_instances_usd");
}

void CloudRunModel::bill_resources(double seconds) {
  recorder().add_cost(cost_cpu_, seconds * p_.vcpu * p_.price_usd_per_vcpu_s);
  recorder().add_cost(cost_memory_, seconds * p_.memory_gib * p_.price_usd_per_gib_s);
  if (p_.has_gpu) recorder().add_cost(cost_gpu_, seconds * p_.gpu_price_usd_per_s);
}

void CloudRunModel::bill_execution(double, double, bool) {
  if (!p_.instance_billing) recorder().add_cost(cost_requests_, p_.price_usd_per_request);
}

void CloudRunModel::bill_busy(double, double busy_s, bool) {
  if (!p_.instance_billing) bill_resources(busy_s);
}

void CloudRunModel::bill_lifetime(double, double instance_s, bool) {
  if (p_.instance_billing) bill_resources(instance_s);
}

void CloudRunModel::bill_idle_reserved(double, double idle_s) {
  if (p_.instance_billing) return;
  recorder().add_cost(cost_idle_, idle_s * (p_.vcpu * p_.idle_price_usd_per_vcpu_s +
                                            p_.memory_gib * p_.idle_price_usd_per_gib_s));
}

}  // namespace servesim::platforms
