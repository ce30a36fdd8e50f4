// Replays a whole rate trace (default: the 22-day Twitter trace, 120.8 M requests) against the Cloud Run
// model (2 vCPU instances, concurrency 80 with processor sharing, the autoscaler, idle removal,
// instance-based billing) through sim::simulate, then the same accounting as a bare loop
// (bare_cloud_run_loop.hpp), on the same trace in one process run. Prints both sides' outputs side by side,
// wall time, requests per second, peak memory and the ratio. Usage: bench_cloud_run_replay [TRACE.bz2]
// [--runs N] [--days D]
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "bare_cloud_run_loop.hpp"
#include "bench_util.hpp"
#include "platforms/model_factory.hpp"
#include "sim/engine.hpp"
#include "sim/scenario.hpp"

using namespace servesim;

int main(int argc, char** argv) {
  const bench::ReplayArgs args = bench::parse_replay_args(argc, argv);
  bench::BareCloudRunConfig bc;  // the one place the settings are written; the scenario below reads them
  bc.trace_path = args.trace;
  bc.duration_s = args.days > 0 ? std::floor(args.days * 86400) : -1;
  nlohmann::json workload = {{"type", "rate_trace"}, {"path", bc.trace_path}};
  if (bc.duration_s > 0) workload["duration_s"] = bc.duration_s;
  const nlohmann::json doc = {
      {"seed", bc.seed},
      {"workload", workload},
      {"service",
       {{"warm",
         {{"type", "lognormal"}, {"mean_ms", bc.service_mean_s * 1e3}, {"p99_ms", bc.service_p99_s * 1e3}}},
        {"reference_vcpu", bc.reference_vcpu},
        {"parallel_fraction", bc.parallel_fraction},
        {"cold_start", {{"runtime_init", {{"type", "constant"}, {"value_ms", bc.cold_start_s * 1e3}}}}}}},
      {"slo", {{"p99_ms", 500}, {"timeout_s", bc.client_timeout_s}}},
      {"metrics", {{"interval_s", 60}}},
      {"candidates",
       {{{"name", "cloud-run"},
         {"platform", "gcp-cloud-run"},
         {"vcpu", bc.vcpu},
         {"memory_gib", bc.memory_gib},
         {"concurrency", bc.concurrency},
         {"max_instances", bc.max_instances},
         {"idle_timeout_s", bc.idle_timeout_s},
         {"autoscale_tick_s", bc.autoscale_tick_s},
         {"autoscale_window_s", bc.autoscale_window_s},
         {"target_cpu_utilization_pct", bc.target_cpu * 100},
         {"target_concurrency_utilization_pct", bc.target_concurrency * 100},
         {"billing", "instance"}}}}};
  const sim::Scenario sc = sim::parse_scenario(doc, "bench", ".");

  sim::CandidateResult r;
  bench::BareCloudRunResult bare;
  const auto times = bench::run_side_by_side(
      args, [&] { r = bench::simulate_first(sc); }, [&] { bare = bench::run_bare_cloud_run(bc); });
  const auto& q = r.requests;
  std::printf(
      "servesim also counted: throttled %llu, queued %llu, retries %llu, dropped %llu (the bare loop "
      "leaves these paths out; they must be 0); bare loop started %llu instances\n",
      (unsigned long long)q.throttled, (unsigned long long)q.queued, (unsigned long long)q.retries,
      (unsigned long long)q.dropped, (unsigned long long)bare.instances_started);
  const double count_tol = 1e-3, cost_tol = 1e-3, p99_tol = 0.015;
  if (args.servesim && args.bare)
    bench::print_agreement({
        {"arrived", double(q.arrived), double(bare.requests), 0},
        {"served", double(q.served), double(bare.served), count_tol},
        {"timed out", double(q.timed_out), double(bare.timed_out), count_tol},
        {"cold starts", double(q.cold_starts), double(bare.cold_starts), count_tol},
        {"peak instances", double(r.instances_peak), double(bare.peak_instances), count_tol},
        {"cost [USD]", r.cost_total_usd, bare.cost_usd, cost_tol},
        {"p99 latency [ms]", r.latency.quantile_s(0.99) * 1e3, bare.p99_s * 1e3, p99_tol},
        {"end of run [s]", r.simulated_s, bare.end_s, 1e-9},
    });
  bench::print_medians(args.runs, double(std::max<uint64_t>(q.arrived, bare.requests)), times.sim_s,
                       times.bare_s, times.sim_mb, times.bare_mb);
  return 0;
}
