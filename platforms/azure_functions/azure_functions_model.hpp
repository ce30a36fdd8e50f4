#pragma once
// Azure Functions with an HTTP trigger on Linux, one model with three plans:
// - consumption: 1 CPU / 1.5 GB instances, at most one new instance per second, up to 100 instances; billed
//   per execution (duration x memory rounded up to 128 MB) plus a fee per execution; optional free grant.
// - flex: 512/2,048/4,096 MB instances with CPU proportional to memory, per-instance HTTP concurrency, up to
//   1,000 instances, always-ready instances billed as a baseline; on-demand billed per instance busy time.
// - premium: EP1-EP3 instances, always-ready (at least 1) plus a pre-warmed buffer, burst up to 20; every
//   allocated instance billed per core-second and GB-second, no execution charge.
// Requests that find no free slot and no instance to add wait in the front end until the 230 s HTTP cap, or
// are refused with HTTP 429 beyond host.json's maxOutstandingRequests per instance when it is set.
// Async events are Storage-queue messages fed by AzureQueueTrigger (azure_queue_trigger.hpp) instead.
// See docs/models/azure-functions.md.
#include <string>

#include "platforms/catalog.hpp"
#include "platforms/fleet/cold_start_path.hpp"
#include "platforms/fleet/instance_fleet.hpp"
#include "sim/scenario.hpp"

namespace servesim::platforms {

// One field per catalogue parameter of "azure-functions" that the chosen plan uses (units in the names;
// defaults and sources in platforms/azure_functions/azure-functions.json).
struct AzureFunctionsParams {
  enum class Plan { consumption, flex, premium };
  Plan plan;
  double vcpu;
  double memory_gb;         // instance memory [GB, 1,024 MB]
  double billed_memory_gb;  // consumption: use rounded up to 128 MB; flex/premium: instance memory
  uint32_t concurrency;
  uint32_t reserved_instances;  // flex always-ready, premium always-ready
  uint32_t spare_instances;     // premium pre-warmed
  uint32_t max_instances;
  double scale_out_interval_s;
  double idle_timeout_s;
  // An async event (a queue-triggered function): the Storage queue's redelivery (host.json queues).
  uint32_t queue_max_dequeue_count;
  double queue_visibility_timeout_s;
  double queue_message_ttl_s;
  // An async event's queue trigger (platforms/azure_functions/azure_queue_trigger.hpp): host.json queues
  // batchSize and newBatchThreshold (resolved: N x batchSize / 2 when the catalogue says -1), the polling
  // back-off's ceiling, and target-based scaling's pace.
  uint32_t queue_batch_size;
  uint32_t queue_new_batch_threshold;
  double queue_max_polling_interval_s;
  double queue_scale_interval_s;
  uint32_t queue_scale_step_instances;
  // queue_trigger "service-bus": the events come from a Service Bus queue instead (azure_queue_trigger.hpp):
  // host.json serviceBus maxConcurrentCalls per instance (also target-based scaling's target), the queue's
  // MaxDeliveryCount, and Service Bus's operation and base charges.
  bool service_bus;
  uint32_t service_bus_max_concurrent_calls;
  uint32_t service_bus_max_delivery_count;
  double service_bus_usd_per_operation;
  double service_bus_base_usd_per_hour;
  double function_timeout_s;
  double http_response_cap_s;
  // host.json extensions.http, per host instance, HTTP requests only (0 = unbounded, -1 in the catalogue):
  // requests held at most, in progress and queued (more get HTTP 429), and HTTP functions run in parallel.
  uint32_t http_max_outstanding_requests;
  uint32_t http_max_concurrent_requests;
  // Prices of the chosen plan (0 where a plan has no such charge).
  double price_usd_per_gb_s;  // consumption: per execution; flex: on-demand instance busy time
  double price_usd_per_request;
  double baseline_usd_per_gb_s;       // flex always-ready lifetime
  double reserved_exec_usd_per_gb_s;  // flex always-ready busy time
  double min_billed_s;                // flex busy period minimum
  double price_usd_per_vcpu_s;        // premium lifetime
  bool free_grant;                    // consumption
  double free_gb_s_per_month;
  double free_requests_per_month;
  double store_per_connection_bytes_per_s;
  double store_shared_bytes_per_s;
  ColdStartPath path;  // where a cold start gets the model (service.cold_start.source)

  // Reads and checks the settings; a plan-specific key set for another plan is an error. `service` gives the
  // model's packaging: a zip package, a container image (Premium only), Blob storage or an Azure Files mount.
  static AzureFunctionsParams from(const Settings& settings, const sim::ServiceSpec& service);
};

class AzureFunctionsModel : public InstanceFleet {
 public:
  AzureFunctionsModel(const AzureFunctionsParams& params, const sim::Scenario& scenario);
  std::string platform() const override { return "azure-functions"; }
  void start(sim::ModelContext& ctx) override;
  const AzureFunctionsParams& params() const { return p_; }

 protected:
  void register_costs(sim::Recorder& recorder) override;
  void bill_execution(double t_s, double run_s, bool reserved) override;
  void bill_busy(double t_s, double busy_s, bool reserved) override;
  void bill_lifetime(double t_s, double instance_s, bool reserved) override;

 private:
  static FleetConfig fleet_config_for(const AzureFunctionsParams& p, const sim::Scenario& scenario);
  void roll_grant_month(double t_s);

  AzureFunctionsParams p_;
  int cost_compute_ = 0, cost_requests_ = 0, cost_baseline_ = 0;
  // Free grant (consumption): what is left of this 30-day month's grant.
  int64_t grant_month_ = -1;
  double grant_gb_s_left_ = 0, grant_requests_left_ = 0;
};

}  // namespace servesim::platforms
