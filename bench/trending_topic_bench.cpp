// The trending-topic scenario's four candidates (Kubernetes GPU, Lambda, Cloud Run, Azure Flex) over a whole
// trace: prints wall time, requests per second and peak memory. Usage:
//   bench_trending_topic [--scale S] [--days D] [--scenario FILE]
// Default: the bundled scenario's candidates and service times, the whole 22-day Twitter trace at scale 1.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "bench_util.hpp"
#include "platforms/model_factory.hpp"
#include "sim/engine.hpp"
#include "sim/scenario.hpp"

using namespace servesim;

int main(int argc, char** argv) {
  std::string path = "scenarios/trending-topic.json";
  double scale = 1.0, days = -1;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--scale")) scale = std::atof(argv[i + 1]);
    if (!std::strcmp(argv[i], "--days")) days = std::atof(argv[i + 1]);
    if (!std::strcmp(argv[i], "--scenario")) path = argv[i + 1];
  }
  nlohmann::json doc = nlohmann::json::parse(std::ifstream(path));
  doc["workload"]["scale"] = scale;
  doc["workload"].erase("start_s");
  doc["workload"].erase("duration_s");
  if (days > 0) doc["workload"]["duration_s"] = days * 86400;
  const sim::Scenario sc = sim::parse_scenario(doc, path, "scenarios");
  auto candidates = platforms::make_candidates(sc);
  sim::RunOptions options;
  options.workload = sc.workload;
  options.seed = sc.seed;
  options.interval_s = sc.interval_s;
  options.slo_latency_s = sc.slo.p99_ms / 1e3;
  options.client = sc.client;
  options.on_row = [](size_t, const sim::IntervalRow&) {};
  bench::reset_peak_rss();
  const auto t0 = std::chrono::steady_clock::now();
  const auto results = sim::simulate(options, candidates);
  const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  uint64_t total = 0;
  for (const auto& r : results) {
    total += r.requests.arrived;
    std::printf("  %-18s %-15s arrived %llu served %llu throttled %llu timed out %llu peak %u cost $%.2f\n",
                r.name.c_str(), r.platform.c_str(), (unsigned long long)r.requests.arrived,
                (unsigned long long)r.requests.served, (unsigned long long)r.requests.throttled,
                (unsigned long long)r.requests.timed_out, r.instances_peak, r.cost_total_usd);
  }
  std::printf("%zu candidates, %llu requests in %.1f s of wall time (%.2f M requests/s), peak RSS %.0f MB\n",
              results.size(), (unsigned long long)total, wall_s, total / wall_s / 1e6, bench::peak_rss_mb());
  return 0;
}
