// Replays the bundled Azure LLM code trace (16 Nov 2023, one hour, 8,819 requests with their prompt and
// generated tokens), multiplied by `scale`, against a fixed Kubernetes GPU fleet serving Llama 3.1 8B token
// by token (kubernetes-gpu with service.llm: 16 replicas on two p5.48xlarge nodes, one H100 each, vLLM-style
// continuous batching with chunked prefill, 8192 tokens per iteration) through sim::simulate, then the same
// serving as a bare loop (bare_llm_loop.hpp) on the same arrivals, in one process run. Prints both sides'
// outputs side by side, wall and CPU time, simulated time per wall time, peak memory and the ratio.
// Usage: bench_llm_replay [TRACE.csv] [--runs N] [--scale S] [--gpu-memory-utilization U]
//        [--only servesim|bare]
// (--gpu-memory-utilization below vLLM's 0.9 shrinks the KV cache, to compare the preemption path.)
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bare_llm_loop.hpp"
#include "bench_util.hpp"
#include "platforms/fleet/gpu_catalog.hpp"
#include "platforms/fleet/llm_serving.hpp"
#include "platforms/model_factory.hpp"
#include "sim/engine.hpp"
#include "sim/scenario.hpp"

using namespace servesim;

int main(int argc, char** argv) {
  // --scale and --gpu-memory-utilization are this benchmark's own; the rest is the replay benchmarks'
  // command line (less --days: the trace is one hour).
  bench::BareLlmConfig bc;  // the one place the settings are written; the scenario below reads them
  double gpu_memory_utilization = 0.9;  // vLLM's default; lower values shrink the KV cache (preemptions)
  std::vector<char*> rest{argv[0]};
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--scale") && i + 1 < argc)
      bc.scale = static_cast<uint32_t>(std::max(1, std::atoi(argv[++i])));
    else if (!std::strcmp(argv[i], "--gpu-memory-utilization") && i + 1 < argc)
      gpu_memory_utilization = std::atof(argv[++i]);
    else
      rest.push_back(argv[i]);
  }
  bench::ReplayArgs args = bench::parse_replay_args(static_cast<int>(rest.size()), rest.data());
  if (args.days > 0) {
    std::fprintf(stderr, "bench_llm_replay: --days does not apply (the trace is one hour); use --scale\n");
    return 2;
  }
  if (args.trace == bench::ReplayArgs{}.trace) args.trace = "scenarios/traces/azure-llm-code-2023.csv";
  bc.trace_path = args.trace;
  const uint32_t gpus_per_node = 8;
  const nlohmann::json doc = {
      {"seed", bc.seed},
      {"workload",
       {{"type", "request_trace"},
        {"path", bc.trace_path},
        {"timestamp_column", bc.timestamp_column},
        {"input_tokens_column", bc.input_column},
        {"output_tokens_column", bc.output_column},
        {"scale", bc.scale}}},
      {"service",
       {{"llm",
         {{"model", "llama-3.1-8b"},
          {"precision", "bf16"},
          {"kv_precision", "bf16"},
          {"max_context_tokens", 8192}}},
        {"cold_start",
         {{"source", "image"},
          {"package_mb", 4000},
          {"model_size_mb", 16060},
          {"runtime_init", {{"type", "lognormal"}, {"mean_ms", 5000}, {"p99_ms", 10000}}},
          {"model_load", {{"type", "lognormal"}, {"mean_ms", 45000}, {"p99_ms", 90000}}}}}}},
      {"slo", {{"p99_ms", 60000}, {"timeout_s", bc.timeout_s}, {"ttft_ms", 2000}, {"tpot_ms", 200}}},
      {"metrics", {{"interval_s", 60}}},
      {"candidates",
       {{{"name", "k8s-h100-x16"},
         {"platform", "kubernetes-gpu"},
         {"node_type", "p5.48xlarge"},
         {"node_gpus_p5_48xlarge", gpus_per_node},
         {"max_nodes", (bc.replicas + gpus_per_node - 1) / gpus_per_node},
         {"hpa_metric", "requests_per_pod"},
         {"hpa_target_requests_per_pod_per_s", 3},
         {"min_replicas", bc.replicas},
         {"max_replicas", bc.replicas},
         {"llm_max_num_seqs", bc.max_num_seqs},
         {"llm_max_num_batched_tokens", bc.max_batched_tokens},
         {"llm_kv_block_tokens", bc.block_tokens},
         {"llm_chunked_prefill", true},
         {"llm_gpu_memory_utilization", gpu_memory_utilization}}}}};
  const sim::Scenario sc = sim::parse_scenario(doc, "bench", ".");
  // The bare loop's iteration time: the same formula, for the H100 with the calibrated efficiencies, as the
  // candidate's defaults give it (tensor_parallel 1, 1 GB activation reserve).
  const platforms::LlmServing serving =
      platforms::make_llm_serving(sc.service.llm, *platforms::gpu_catalog().find("h100"),
                                  platforms::LlmReplicaParams{.memory_utilization = gpu_memory_utilization,
                                                              .compute_efficiency = 0,
                                                              .bandwidth_efficiency = 0,
                                                              .overhead_s = -1},
                                  "bench");
  bc.timing = serving.timing.get();
  std::printf("%s\n", serving.basis.c_str());

  sim::CandidateResult r;
  bench::BareLlmResult bare;
  // CPU time of each side as well as wall time: on a shared machine it depends less on the other processes.
  std::vector<double> sim_cpu_s, bare_cpu_s;
  auto cpu_s = [] { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; };
  const auto times = bench::run_side_by_side(
      args,
      [&] {
        const double c0 = cpu_s();
        r = bench::simulate_first(sc);
        sim_cpu_s.push_back(cpu_s() - c0);
      },
      [&] {
        const double c0 = cpu_s();
        bare = bench::run_bare_llm(bc);
        bare_cpu_s.push_back(cpu_s() - c0);
      });
  const auto& q = r.requests;
  const auto& llm = r.llm;
  const double ms = 1e3;
  if (args.servesim && args.bare) {
    std::printf("bare loop: %llu iterations, GPU busy %.1f%% of %u replicas x %.0f s\n",
                (unsigned long long)bare.iterations, 100 * bare.busy_s / (bc.replicas * bare.end_s),
                bc.replicas, bare.end_s);
    const double count_tol = 1e-3, mean_tol = 0.01, quantile_tol = 0.015;
    bench::print_agreement({
        {"arrived", double(q.arrived), double(bare.requests), 0},
        {"served", double(q.served), double(bare.served), count_tol},
        {"timed out", double(q.timed_out), double(bare.timed_out), count_tol},
        {"input tokens", double(llm.input_tokens), double(bare.input_tokens), count_tol},
        {"output tokens", double(llm.output_tokens), double(bare.output_tokens), count_tol},
        {"preemptions", double(llm.preemptions), double(bare.preemptions), 0.05},
        {"TTFT mean [ms]", llm.ttft.mean_s() * ms, bare.ttft_mean_s * ms, mean_tol},
        {"TTFT p50 [ms]", llm.ttft.quantile_s(0.5) * ms, bare.ttft_p50_s * ms, quantile_tol},
        {"TTFT p99 [ms]", llm.ttft.quantile_s(0.99) * ms, bare.ttft_p99_s * ms, quantile_tol},
        {"TPOT mean [ms]", llm.tpot.mean_s() * ms, bare.tpot_mean_s * ms, mean_tol},
        {"TPOT p50 [ms]", llm.tpot.quantile_s(0.5) * ms, bare.tpot_p50_s * ms, quantile_tol},
        {"TPOT p99 [ms]", llm.tpot.quantile_s(0.99) * ms, bare.tpot_p99_s * ms, quantile_tol},
        {"end of run [s]", r.simulated_s, bare.end_s, 1e-3},
    });
    std::printf("servesim: KV cache utilisation mean %.1f%%, peak %.1f%%\n", 100 * llm.kv_utilization_mean,
                100 * llm.kv_utilization_peak);
  }
  bench::print_medians(args.runs, double(std::max<uint64_t>(q.arrived, bare.requests)), times.sim_s,
                       times.bare_s, times.sim_mb, times.bare_mb);
  const double sim_cpu = bench::median(sim_cpu_s), bare_cpu = bench::median(bare_cpu_s);
  std::printf("median CPU time:");
  if (sim_cpu > 0) std::printf(" servesim %.2f s", sim_cpu);
  if (bare_cpu > 0) std::printf("%s bare loop %.2f s", sim_cpu > 0 ? "," : "", bare_cpu);
  if (sim_cpu > 0 && bare_cpu > 0) std::printf(", ratio %.2fx", sim_cpu / bare_cpu);
  std::printf("\n");
  const double simulated_s = std::max(r.simulated_s, bare.end_s);
  const double sim_wall = bench::median(times.sim_s), bare_wall = bench::median(times.bare_s);
  std::printf("simulated %.0f s:", simulated_s);
  if (sim_wall > 0) std::printf(" servesim %.0fx real time", simulated_s / sim_wall);
  if (bare_wall > 0)
    std::printf("%s bare loop %.0fx real time", sim_wall > 0 ? "," : "", simulated_s / bare_wall);
  std::printf("\n");
  return 0;
}
