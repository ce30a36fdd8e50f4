// Cold-start storms: N requests arrive within the first second on Cloud Run with concurrency 1, so N
// instances start at once and N model downloads share one model-store link (12.5 GB/s, 85 MB/s per
// connection: the catalogue's defaults). Prints the wall time of each (N, model size) with the median of
// --runs, the time per transfer, and the ratio to the same N with a 250 MB model. Then the Azure LLM code
// trace (2023) x10 for 600 s with 20 s median service times and up to 20,000 instances, for 250 MB to
// 2,500 MB models (the storm that stalled the engine before the transfer pool carried each class of
// transfers as one SimGrid flow).
// Usage:
//   bench_cold_start_storm [--runs R] [--sizes-mb 250,2000,20000] [--counts 1000,10000] [--exhaustive]
//                          [--trace-only | --storm-only]
// --exhaustive also times the reference transfer pool (one SimGrid communication per transfer: O(n) per
// event) for the smallest count.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "platforms/model_factory.hpp"
#include "sim/engine.hpp"
#include "sim/scenario.hpp"

using namespace servesim;
using nlohmann::json;

namespace {

std::vector<double> parse_list(const char* text) {
  std::vector<double> out;
  std::stringstream s(text);
  std::string item;
  while (std::getline(s, item, ',')) out.push_back(std::atof(item.c_str()));
  return out;
}

json cloud_run_candidate(uint32_t max_instances) {
  return {{"name", "cloud-run-c1"},
          {"platform", "gcp-cloud-run"},
          {"vcpu", 4},
          {"memory_gib", 16},
          {"concurrency", 1},
          {"max_instances", max_instances},
          {"billing", "instance"}};
}

json service(double model_mb, double warm_mean_ms, double warm_p99_ms) {
  return {{"warm", {{"type", "lognormal"}, {"mean_ms", warm_mean_ms}, {"p99_ms", warm_p99_ms}}},
          {"cold_start",
           {{"runtime_init", {{"type", "constant"}, {"value_ms", 500}}},
            {"model_size_mb", model_mb},
            {"model_load", {{"type", "constant"}, {"value_ms", 2000}}}}}};
}

struct Timed {
  double wall_s;
  sim::CandidateResult result;
};

Timed run_once(const json& doc, const std::string& dir, bool exhaustive) {
  const sim::Scenario sc = sim::parse_scenario(doc, dir + "/storm.json", dir);
  auto candidates = platforms::make_candidates(sc);
  auto options = sim::RunOptions::for_scenario(sc);
  options.exhaustive_transfers = exhaustive;
  const auto t0 = std::chrono::steady_clock::now();
  auto results = sim::simulate(options, candidates);
  return {bench::seconds_since(t0), results.at(0)};
}

double median_wall(const json& doc, const std::string& dir, bool exhaustive, int runs,
                   sim::CandidateResult& r) {
  std::vector<double> walls;
  for (int k = 0; k < runs; ++k) {
    Timed t = run_once(doc, dir, exhaustive);
    walls.push_back(t.wall_s);
    r = t.result;
  }
  return bench::median(walls);
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 3;
  std::vector<double> sizes_mb = {250, 2000, 20000};
  std::vector<double> counts = {1000, 10000};
  bool exhaustive = false, storm = true, trace = true;
  for (int i = 1; i < argc; ++i) {
    const bool has_value = i + 1 < argc;
    if (!std::strcmp(argv[i], "--runs") && has_value)
      runs = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--sizes-mb") && has_value)
      sizes_mb = parse_list(argv[++i]);
    else if (!std::strcmp(argv[i], "--counts") && has_value)
      counts = parse_list(argv[++i]);
    else if (!std::strcmp(argv[i], "--exhaustive"))
      exhaustive = true;
    else if (!std::strcmp(argv[i], "--trace-only"))
      storm = false;
    else if (!std::strcmp(argv[i], "--storm-only"))
      trace = false;
    else {
      std::fprintf(stderr,
                   "usage: %s [--runs R] [--sizes-mb A,B] [--counts N,M] [--exhaustive] "
                   "[--trace-only | --storm-only]\n",
                   argv[0]);
      return 2;
    }
  }
  std::string tmpl = (std::filesystem::temp_directory_path() / "servesim-storm-XXXXXX").string();
  const std::string dir = mkdtemp(tmpl.data());

  if (storm) {
    std::printf("simultaneous cold starts (median of %d runs): Cloud Run, concurrency 1, one store link\n",
                runs);
    std::printf("%8s %10s %12s %12s %14s %12s %10s\n", "starts", "model MB", "downloads", "wall s",
                "us/download", "vs 250 MB", "simulated s");
    for (double n : counts) {
      // n requests in the first second of a one-second rate trace; each needs its own instance.
      std::ofstream(dir + "/burst.txt") << static_cast<uint64_t>(n) << "\n";
      double reference_s = 0;
      for (double mb : sizes_mb) {
        const json doc = {{"name", "storm"},
                          {"seed", 1},
                          {"workload", {{"type", "rate_trace"}, {"path", "burst.txt"}}},
                          {"service", service(mb, 1000, 2000)},
                          {"slo", {{"p99_ms", 1e7}, {"timeout_s", 3600}}},
                          {"candidates", {cloud_run_candidate(static_cast<uint32_t>(n))}}};
        sim::CandidateResult r;
        const double wall = median_wall(doc, dir, false, runs, r);
        if (reference_s == 0) reference_s = wall;
        std::printf("%8.0f %10.0f %12llu %12.3f %14.1f %11.2fx %10.0f\n", n, mb,
                    (unsigned long long)r.requests.cold_starts, wall, wall / n * 1e6, wall / reference_s,
                    r.simulated_s);
        std::fflush(stdout);
        if (exhaustive && n == counts.front()) {
          sim::CandidateResult e;
          const double ew = median_wall(doc, dir, true, 1, e);
          std::printf("%8s %10s %12llu %12.3f %14.1f   (reference pool: one SimGrid comm per transfer; %s)\n",
                      "", "", (unsigned long long)e.requests.cold_starts, ew, ew / n * 1e6,
                      e.latency.quantile_s(0.99) == r.latency.quantile_s(0.99) &&
                              e.requests.served == r.requests.served
                          ? "same p99 and served"
                          : "DIFFERENT RESULT");
        }
      }
    }
  }
  if (trace) {
    std::filesystem::copy_file("scenarios/traces/azure-llm-code-2023.csv", dir + "/azure-llm-code-2023.csv",
                               std::filesystem::copy_options::overwrite_existing);
    std::printf(
        "\nAzure LLM code trace (2023) x10, 600 s, warm lognormal mean 20 s / p99 60 s, Cloud Run "
        "concurrency 1, "
        "max 20,000 instances (median of %d runs)\n",
        runs);
    std::printf("%10s %10s %12s %12s %12s %10s\n", "model MB", "requests", "cold starts", "peak inst",
                "wall s", "vs 250 MB");
    double reference_s = 0;
    for (double mb : {250.0, 1000.0, 1700.0, 2500.0}) {
      const json doc = {{"name", "llm-storm"},
                        {"seed", 7},
                        {"workload",
                         {{"type", "request_trace"},
                          {"path", "azure-llm-code-2023.csv"},
                          {"scale", 10},
                          {"duration_s", 600}}},
                        {"service", service(mb, 20000, 60000)},
                        {"slo", {{"p99_ms", 60000}, {"timeout_s", 300}}},
                        {"candidates", {cloud_run_candidate(20000)}}};
      sim::CandidateResult r;
      const double wall = median_wall(doc, dir, false, runs, r);
      if (reference_s == 0) reference_s = wall;
      std::printf("%10.0f %10llu %12llu %12u %12.3f %9.2fx\n", mb, (unsigned long long)r.requests.arrived,
                  (unsigned long long)r.requests.cold_starts, r.instances_peak, wall, wall / reference_s);
      std::fflush(stdout);
    }
  }
  std::filesystem::remove_all(dir);
  return 0;
}
