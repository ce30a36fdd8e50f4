#include "platforms/azure_functions/azure_functions_model.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/json_fields.hpp"

namespace servesim::platforms {

namespace {

constexpr double kMonthS = 30 * 86400.0;  // the free grant restarts every 30 simulated days

struct PremiumSku {
  const char* name;
  double vcpu, memory_gb;
};
// functions-premium-plan.md: EP1 1 core/3.5 GB, EP2 2/7 GB, EP3 4/14 GB.
constexpr PremiumSku kPremiumSkus[] = {{"EP1", 1, 3.5}, {"EP2", 2, 7}, {"EP3", 4, 14}};

// A key of another plan set explicitly is a mistake the user should hear about.
void check_plan_keys(const Settings& s, const std::string& plan) {
  for (const auto& param : s.entry().parameters) {
    if (!s.is_overridden(param.key)) continue;
    const std::string& key = param.key;
    const auto underscore = key.find('_');
    const std::string prefix = key.substr(0, underscore);
    if ((prefix == "consumption" || prefix == "flex" || prefix == "premium") && prefix != plan)
      throw s.error(key, "applies to plan " + prefix + " only, but plan is " + plan);
    if (key == "http_concurrency" && plan == "flex")
      throw s.error(key, "applies to plans consumption and premium; plan flex uses flex_http_concurrency");
    if (prefix == "service" && key.rfind("service_bus_", 0) == 0 && s.text("queue_trigger") != "service-bus")
      throw s.error(
          key, "applies to queue_trigger service-bus only, but queue_trigger is " + s.text("queue_trigger"));
  }
}

// A host.json extensions.http limit: -1 = unbounded (0 here), else at least 1 (0 would refuse everything).
uint32_t host_http_limit(const Settings& s, const std::string& key) {
  const double value = s.number(key);
  if (value == 0) throw s.error(key, "expected -1 (unbounded) or at least 1 requests, got 0");
  return value < 0 ? 0 : static_cast<uint32_t>(value);
}

using Source = sim::ServiceSpec::ModelSource;

ColdStartPath azure_path(const Settings& s, const AzureFunctionsParams& p, const sim::ServiceSpec& service) {
  ColdStartPath path =
      model_store_path(service, p.store_per_connection_bytes_per_s, p.store_shared_bytes_per_s);
  switch (service.model_source) {
    case Source::unset:         // downloaded from the model store, as before sources existed
    case Source::object_store:  // Blob storage
    case Source::volume:        // an Azure Files mount, read at the store's rates
      break;
    case Source::image:
      // functions-scale.md (hosting options): containers run on the Premium and Dedicated plans only.
      if (p.plan != AzureFunctionsParams::Plan::premium)
        throw s.error("plan",
                      "expected \"premium\" with source image (Azure Functions runs containers on the "
                      "Premium plan; Flex Consumption and Consumption have none; or use zip, "
                      "object-store or volume), got \"" +
                          s.text("plan") + "\"");
      [[fallthrough]];
    case Source::zip:
      // The package (model inside) is fetched from the app's storage at the store's rates.
      path.pull((service.model_size_mb + service.package_mb) * 1e6);
      break;
    case Source::layer:
    case Source::efs:
      throw s.candidate_error(
          std::string("Azure Functions has no ") +
          (service.model_source == Source::layer ? "layers" : "Amazon EFS") + " (source " +
          sim::model_source_name(service.model_source) +
          "); use zip, image (Premium), object-store (Blob storage) or volume (Azure Files)");
  }
  return path;
}

}  // namespace

AzureFunctionsParams AzureFunctionsParams::from(const Settings& s, const sim::ServiceSpec& service) {
  AzureFunctionsParams p{};
  const std::string plan = s.text("plan");
  check_plan_keys(s, plan);
  p.scale_out_interval_s = s.number("scale_out_interval_s");
  p.idle_timeout_s = s.number("idle_timeout_s");
  p.queue_max_dequeue_count = static_cast<uint32_t>(s.number("queue_max_dequeue_count"));
  p.queue_visibility_timeout_s = s.number("queue_visibility_timeout_s");
  p.queue_message_ttl_s = s.number("queue_message_ttl_s");
  p.queue_batch_size = static_cast<uint32_t>(s.number("queue_batch_size"));
  p.queue_max_polling_interval_s = s.number("queue_max_polling_interval_s");
  p.queue_scale_interval_s = s.number("queue_scale_interval_s");
  p.queue_scale_step_instances = static_cast<uint32_t>(s.number("queue_scale_step_instances"));
  p.service_bus = s.text("queue_trigger") == "service-bus";
  p.service_bus_max_concurrent_calls = static_cast<uint32_t>(s.number("service_bus_max_concurrent_calls"));
  p.service_bus_max_delivery_count = static_cast<uint32_t>(s.number("service_bus_max_delivery_count"));
  p.service_bus_usd_per_operation = s.number("service_bus_price_usd_per_million_operations") / 1e6;
  p.service_bus_base_usd_per_hour = s.number("service_bus_base_usd_per_hour");
  p.http_response_cap_s = s.number("http_response_cap_s");
  // host.json's documented defaults differ by plan: Consumption's apply unless the candidate sets its own.
  const bool on_consumption = plan == "consumption";
  auto http_limit = [&](const std::string& key) {
    return host_http_limit(s, on_consumption && !s.is_overridden(key) ? "consumption_" + key : key);
  };
  p.http_max_outstanding_requests = http_limit("http_max_outstanding_requests");
  p.http_max_concurrent_requests = http_limit("http_max_concurrent_requests");
  p.store_per_connection_bytes_per_s = s.number("model_store_per_connection_mb_per_s") * 1e6;
  p.store_shared_bytes_per_s = s.number("model_store_shared_gb_per_s") * 1e9;
  if (plan == "consumption") {
    p.plan = Plan::consumption;
    p.vcpu = s.number("consumption_vcpu");
    p.memory_gb = 1.5;
    p.billed_memory_gb = std::ceil(s.number("consumption_billed_memory_mb") / 128.0) * 128.0 / 1024.0;
    p.concurrency = static_cast<uint32_t>(s.number("http_concurrency"));
    p.max_instances = static_cast<uint32_t>(s.number("consumption_max_instances"));
    p.function_timeout_s = s.number("consumption_timeout_s");
    p.price_usd_per_gb_s = s.number("consumption_price_usd_per_gb_s");
    p.price_usd_per_request = s.number("consumption_price_usd_per_million_requests") / 1e6;
    p.free_grant = s.boolean("consumption_free_grant");
    p.free_gb_s_per_month = s.number("consumption_free_gb_s_per_month");
    p.free_requests_per_month = s.number("consumption_free_requests_per_month");
  } else if (plan == "flex") {
    p.plan = Plan::flex;
    const double memory_mb = s.number("flex_memory_mb");
    if (memory_mb != 512 && memory_mb != 2048 && memory_mb != 4096)
      throw s.error("flex_memory_mb",
                    "expected one of 512, 2048, 4096 MB, got " + core::quote_number(memory_mb));
    p.memory_gb = p.billed_memory_gb = memory_mb / 1024.0;
    p.vcpu = memory_mb / s.number("flex_mb_per_vcpu");
    p.concurrency = static_cast<uint32_t>(s.number("flex_http_concurrency"));
    p.max_instances = static_cast<uint32_t>(s.number("flex_max_instances"));
    p.reserved_instances = static_cast<uint32_t>(s.number("flex_always_ready"));
    p.function_timeout_s = s.number("flex_timeout_s");
    p.price_usd_per_gb_s = s.number("flex_price_usd_per_gb_s");
    p.price_usd_per_request = s.number("flex_price_usd_per_million_requests") / 1e6;
    p.baseline_usd_per_gb_s = s.number("flex_always_ready_baseline_usd_per_gb_s");
    p.reserved_exec_usd_per_gb_s = s.number("flex_always_ready_exec_usd_per_gb_s");
    p.min_billed_s = s.number("flex_min_billed_s");
    if (p.reserved_instances > p.max_instances)
      throw s.error("flex_always_ready", "expected at most flex_max_instances (" +
                                             std::to_string(p.max_instances) + "), got " +
                                             std::to_string(p.reserved_instances));
  } else {
    p.plan = Plan::premium;
    const std::string sku = s.text("premium_sku");
    for (const auto& k : kPremiumSkus)
      if (sku == k.name) {
        p.vcpu = k.vcpu;
        p.memory_gb = p.billed_memory_gb = k.memory_gb;
      }
    p.concurrency = static_cast<uint32_t>(s.number("http_concurrency"));
    p.max_instances = static_cast<uint32_t>(s.number("premium_max_burst"));
    p.reserved_instances = static_cast<uint32_t>(s.number("premium_always_ready"));
    p.spare_instances = static_cast<uint32_t>(s.number("premium_prewarmed"));
    p.function_timeout_s = s.number("premium_timeout_s");
    p.price_usd_per_vcpu_s = s.number("premium_price_usd_per_vcpu_s");
    p.price_usd_per_gb_s = s.number("premium_price_usd_per_gb_s");
    if (p.reserved_instances > p.max_instances)
      throw s.error("premium_always_ready", "expected at most premium_max_burst (" +
                                                std::to_string(p.max_instances) + "), got " +
                                                std::to_string(p.reserved_instances));
  }
  // host.json queues.newBatchThreshold: N x batchSize / 2, N the instance's vCPUs on Premium, 1 on
  // Consumption (and, our assumption, on Flex, which the page does not name).
  const double threshold = s.number("queue_new_batch_threshold");
  const double vcpus = p.plan == Plan::premium ? p.vcpu : 1.0;
  p.queue_new_batch_threshold =
      static_cast<uint32_t>(threshold >= 0 ? threshold : std::floor(vcpus * p.queue_batch_size / 2.0));
  p.path = azure_path(s, p, service);
  return p;
}

FleetConfig AzureFunctionsModel::fleet_config_for(const AzureFunctionsParams& p,
                                                  const sim::Scenario& scenario) {
  FleetConfig c;
  c.concurrency = p.concurrency;
  c.reserved_instances = p.reserved_instances;
  c.max_instances = p.max_instances;
  c.spare_instances = p.spare_instances;
  c.scale_out_interval_s = p.scale_out_interval_s;
  c.idle_timeout_s = p.idle_timeout_s;
  // The front end holds a request until an instance has a slot, the client gives up or the HTTP cap passes.
  c.queue_limit_s = std::min(p.http_response_cap_s, scenario.slo.timeout_s);
  c.queue_expiry_throttles = false;
  c.request_timeout_s = std::min(p.function_timeout_s, p.http_response_cap_s);
  // host.json http, per host instance: at most maxConcurrentRequests run at once, and at most
  // maxOutstandingRequests are held (in progress or queued; more are refused with 429), so no more than
  // that run at once either.
  if (p.http_max_concurrent_requests > 0)
    c.concurrency = std::min(c.concurrency, p.http_max_concurrent_requests);
  if (p.http_max_outstanding_requests > 0) {
    c.concurrency = std::min(c.concurrency, p.http_max_outstanding_requests);
    c.max_outstanding_per_instance = p.http_max_outstanding_requests;
  }
  if (scenario.client.async) {
    // An event (a queue-triggered function) has no HTTP response to cap: it waits in its queue until an
    // instance takes it, and runs until the function timeout (includes/functions-timeout-duration.md: the
    // 230 s applies to HTTP-triggered functions). Left in the queue, nobody gives up on it.
    c.queue_limit_s = std::numeric_limits<double>::infinity();
    c.request_timeout_s = p.function_timeout_s;
    // The queue trigger (azure_queue_trigger.hpp) feeds the instances: each runs at most batchSize +
    // newBatchThreshold messages at once, and target-based scaling, not the HTTP pace, adds instances.
    // From a Service Bus queue: at most maxConcurrentCalls at once.
    c.concurrency =
        p.service_bus ? p.service_bus_max_concurrent_calls : p.queue_batch_size + p.queue_new_batch_threshold;
    c.scale_out_interval_s = 0;
    c.max_outstanding_per_instance = 0;  // host.json http applies to HTTP requests only
  }
  c.autoscale_tick_s = 0;  // the scale controller adds instances on demand, one per scale_out_interval_s
  c.set_cold_start_path(p.path);
  c.set_instance_compute(scenario, p.vcpu, nullptr, 0, 0);
  return c;
}

AzureFunctionsModel::AzureFunctionsModel(const AzureFunctionsParams& params, const sim::Scenario& scenario)
    : InstanceFleet(fleet_config_for(params, scenario), scenario), p_(params) {}

void AzureFunctionsModel::start(sim::ModelContext& ctx) {
  // A queue-triggered function's failed message goes back to its Storage queue and is dequeued again, up to
  // maxDequeueCount times, then moved to the poison queue (Lambda's event-queue policy does not apply).
  // From a Service Bus queue, a failed message is abandoned (at once available again, its delivery count
  // raised) and dead-lettered after MaxDeliveryCount deliveries.
  if (ctx.client.is_async())
    ctx.client.use_queue_redelivery(
        p_.service_bus ? p_.service_bus_max_delivery_count : p_.queue_max_dequeue_count,
        p_.service_bus ? 0.0 : p_.queue_visibility_timeout_s, p_.queue_message_ttl_s);
  InstanceFleet::start(ctx);
}

void AzureFunctionsModel::register_costs(sim::Recorder& recorder) {
  cost_compute_ = recorder.cost_category("compute_usd");
  if (p_.plan != AzureFunctionsParams::Plan::premium) cost_requests_ = recorder.cost_category("requests_usd");
  if (p_.plan == AzureFunctionsParams::Plan::flex)
    cost_baseline_ = recorder.cost_category("always_ready_usd");
}

void AzureFunctionsModel::roll_grant_month(double t_s) {
  const auto month = static_cast<int64_t>(std::floor(t_s / kMonthS));
  if (month == grant_month_) return;
  grant_month_ = month;
  grant_gb_s_left_ = p_.free_gb_s_per_month;
  grant_requests_left_ = p_.free_requests_per_month;
}

void AzureFunctionsModel::bill_execution(double t_s, double run_s, bool) {
  switch (p_.plan) {
    case AzureFunctionsParams::Plan::consumption: {
      double gb_s = run_s * p_.billed_memory_gb;
      double requests = 1;
      if (p_.free_grant) {
        roll_grant_month(t_s);
        const double free_gb_s = std::min(gb_s, grant_gb_s_left_);
        grant_gb_s_left_ -= free_gb_s;
        gb_s -= free_gb_s;
        const double free_requests = std::min(requests, grant_requests_left_);
        grant_requests_left_ -= free_requests;
        requests -= free_requests;
      }
      recorder().add_cost(cost_compute_, gb_s * p_.price_usd_per_gb_s);
      recorder().add_cost(cost_requests_, requests * p_.price_usd_per_request);
      break;
    }
    case AzureFunctionsParams::Plan::flex:
      recorder().add_cost(cost_requests_, p_.price_usd_per_request);
      break;
    case AzureFunctionsParams::Plan::premium:
      break;  // no execution charge
  }
}

void AzureFunctionsModel::bill_busy(double, double busy_s, bool reserved) {
  if (p_.plan != AzureFunctionsParams::Plan::flex) return;
  const double rate = reserved ? p_.reserved_exec_usd_per_gb_s : p_.price_usd_per_gb_s;
  recorder().add_cost(cost_compute_, std::max(busy_s, p_.min_billed_s) * p_.memory_gb * rate);
}

void AzureFunctionsModel::bill_lifetime(double, double instance_s, bool reserved) {
  if (p_.plan == AzureFunctionsParams::Plan::flex && reserved)
    recorder().add_cost(cost_baseline_, instance_s * p_.memory_gb * p_.baseline_usd_per_gb_s);
  if (p_.plan == AzureFunctionsParams::Plan::premium)
    recorder().add_cost(cost_compute_, instance_s * (p_.vcpu * p_.price_usd_per_vcpu_s +
                                                     p_.memory_gb * p_.price_usd_per_gb_s));
}

}  // namespace servesim::platforms
