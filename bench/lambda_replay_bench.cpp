// Replays a whole rate trace (default: the 22-day Twitter trace, 120.8 M requests) against the Lambda model,
// then the same accounting as a bare loop, in one process run. Prints requests per second of wall time, peak
// memory of each phase and the ratio. Usage: bench_lambda_replay [TRACE.bz2] [--runs N] [--days D] [--faults]
// --faults adds a 10-minute outage every day, environment crashes (1 per environment-hour) and clients with 3
// retries under a retry budget, and skips the bare loop: compare the peak memory of --days 2 and the whole
// trace to see that faults and retries keep memory flat in the replay's length.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bare_lambda_loop.hpp"
#include "bench_util.hpp"
#include "platforms/model_factory.hpp"
#include "sim/engine.hpp"
#include "sim/scenario.hpp"

using namespace servesim;

int main(int argc, char** argv) {
  std::string trace = "scenarios/traces/twitter-2021-rps.txt.bz2";
  int runs = 1;
  double days = -1;
  bool faults = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--faults")) {
      faults = true;
      continue;
    }
    if (!std::strncmp(argv[i], "--", 2) && std::strcmp(argv[i], "--runs") && std::strcmp(argv[i], "--days")) {
      const bool help = !std::strcmp(argv[i], "--help");
      if (!help) std::fprintf(stderr, "%s: unknown option %s\n", argv[0], argv[i]);
      std::fprintf(
          help ? stdout : stderr,
          "Usage: %s [TRACE] [--runs N] [--days D] [--faults]\n"
          "Replays TRACE (default: the bundled 22-day Twitter trace) on Lambda through ServeSim and a\n"
          "bare loop of the same accounting, side by side, N times; --faults adds a fault schedule.\n",
          argv[0]);
      return help ? 0 : 2;
    }
    if (!std::strcmp(argv[i], "--runs") && i + 1 < argc)
      runs = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--days") && i + 1 < argc)
      days = std::atof(argv[++i]);
    else
      trace = argv[i];
  }
  const double memory_mb = 1769;  // one vCPU: the service time applies as given
  nlohmann::json workload = {{"type", "rate_trace"}, {"path", trace}};
  if (days > 0) workload["duration_s"] = days * 86400;
  nlohmann::json doc = {
      {"seed", 1},
      {"workload", workload},
      {"service",
       {{"warm", {{"type", "lognormal"}, {"mean_ms", 45}, {"p99_ms", 120}}},
        {"cold_start", {{"runtime_init", {{"type", "constant"}, {"value_ms", 1500}}}}}}},
      {"slo", {{"p99_ms", 500}, {"timeout_s", 30}}},
      {"metrics", {{"interval_s", 60}}},
      {"candidates",
       {{{"name", "lambda"}, {"platform", "aws-lambda"}, {"memory_mb", memory_mb}, {"timeout_s", 30}}}}};
  if (faults) {
    doc["client"] = {{"max_retries", 3}, {"retry_budget", nlohmann::json::object()}};
    doc["faults"] = {{{"kind", "crash"}, {"rate_per_instance_hour", 1}}};
    for (int day = 0; day < 22; ++day)
      doc["faults"].push_back({{"kind", "outage"}, {"start_s", day * 86400.0 + 43200}, {"duration_s", 600}});
  }
  const sim::Scenario sc = sim::parse_scenario(doc, "bench", ".");

  std::vector<double> sim_s, bare_s, sim_mb, bare_mb;
  for (int run = 0; run < runs; ++run) {
    bench::reset_peak_rss();
    auto candidates = platforms::make_candidates(sc);
    auto options = sim::RunOptions::for_scenario(sc);
    uint64_t rows = 0;
    options.on_row = [&rows](size_t, const sim::IntervalRow&) { ++rows; };
    auto t0 = std::chrono::steady_clock::now();
    const auto results = sim::simulate(options, candidates);
    sim_s.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    sim_mb.push_back(bench::peak_rss_mb());
    const auto& r = results[0];

    bench::reset_peak_rss();
    bench::BareLambdaConfig bc;
    bc.trace_path = trace;
    bc.memory_gb = memory_mb / 1024.0;
    t0 = std::chrono::steady_clock::now();
    const bool skip_bare = days > 0 || faults;  // the bare loop replays the whole trace without faults only
    const auto bare = skip_bare ? bench::BareLambdaResult{} : bench::run_bare_lambda(bc);
    bare_s.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    bare_mb.push_back(bench::peak_rss_mb());

    std::printf(
        "run %d: servesim %llu requests in %.2f s (%.2f M req/s, peak RSS %.0f MB), cold starts %llu, peak "
        "%u, cost $%.2f",
        run + 1, (unsigned long long)r.requests.arrived, sim_s.back(),
        r.requests.arrived / sim_s.back() / 1e6, sim_mb.back(), (unsigned long long)r.requests.cold_starts,
        r.instances_peak, r.cost_total_usd);
    if (skip_bare)
      std::printf(" | bare loop skipped (--days or --faults)\n");
    else
      std::printf(
          " | bare loop %llu requests in %.2f s (peak RSS %.0f MB), cold starts %llu, peak %llu, cost "
          "$%.2f\n",
          (unsigned long long)bare.requests, bare_s.back(), bare_mb.back(),
          (unsigned long long)bare.cold_starts, (unsigned long long)bare.peak_instances, bare.cost_usd);
    if (faults) {
      uint64_t crashed = 0;
      for (const auto& f : r.faults) crashed += f.instances_lost;
      std::printf("  faults: dropped %llu, retries %llu (budget refused %llu), environments crashed %llu\n",
                  (unsigned long long)r.requests.dropped, (unsigned long long)r.requests.retries,
                  (unsigned long long)r.client.retries_denied, (unsigned long long)crashed);
    }
    std::fflush(stdout);
  }
  const double ms = bench::median(sim_s), mb = bench::median(bare_s);
  if (days > 0 || faults)  // the bare loop did not run
    std::printf("median of %d: servesim %.2f s, peak RSS %.0f MB\n", runs, ms, bench::median(sim_mb));
  else
    std::printf(
        "median of %d: servesim %.2f s, bare loop %.2f s, ratio %.2fx; peak RSS servesim %.0f MB, bare %.0f "
        "MB\n",
        runs, ms, mb, mb > 0 ? ms / mb : 0.0, bench::median(sim_mb), bench::median(bare_mb));
  return 0;
}
