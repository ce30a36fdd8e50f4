#pragma once
// The bare-loop baseline of the Cloud Run model (platforms/cloud_run_model.hpp on
// platforms/instance_fleet.hpp), in plain C++ with no simulator and no PlatformModel interface, for the
// settings of bench_cloud_run_replay: CPU instances serving up to `concurrency` requests each with exact
// processor sharing of their vCPUs, routing to the least loaded active instance (most recently used on ties),
// else a standby one, else a starting one, else a new instance (constant cold start); the autoscaler (every
// tick: ceil of the window means of in-flight requests and vCPU in use over their targets; standby above it,
// re-activation and new instances below it); removal of standby instances idle for idle_timeout_s;
// instance-based billing (instance-seconds from start to removal). It draws the same random numbers in the
// same order as ServeSim (arrivals, then one lognormal service time per request), so on the same trace its
// counts agree exactly and its cost and p99 up to rounding and histogram resolution.
//
// Left out, because the benchmark's settings never reach them (ServeSim's counts of them are printed beside
// it and are 0): the queue at max_instances and the HTTP 429 retries, the 300 s request timeout, min
// instances, model downloads and GPU instances, request-based billing, faults. Ties between idle instances
// that went idle at the same instant may be broken differently; such instances are interchangeable.
#include <cstdint>
#include <string>

namespace servesim::bench {

struct BareCloudRunConfig {
  std::string trace_path;
  uint64_t seed = 1;
  double duration_s = -1;  // < 0: the whole trace
  double vcpu = 2, parallel_fraction = 0, reference_vcpu = 1;
  double memory_gib = 2;
  uint32_t concurrency = 80, max_instances = 1000;
  double target_cpu = 0.6, target_concurrency = 0.6;
  double autoscale_tick_s = 2, autoscale_window_s = 60;
  double idle_timeout_s = 900;
  double client_timeout_s = 30;
  double service_mean_s = 0.045, service_p99_s = 0.120;                    // lognormal, on reference_vcpu
  double cold_start_s = 1.5;                                               // runtime init (constant)
  double price_usd_per_vcpu_s = 0.000018, price_usd_per_gib_s = 0.000002;  // instance-based billing
};

struct BareCloudRunResult {
  uint64_t requests = 0, served = 0, timed_out = 0, cold_starts = 0, instances_started = 0;
  uint32_t peak_instances = 0;
  double cost_usd = 0, p99_s = 0, end_s = 0;
};

BareCloudRunResult run_bare_cloud_run(const BareCloudRunConfig& config);

}  // namespace servesim::bench
