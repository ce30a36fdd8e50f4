// kubernetes-gpu serving a language model (service.llm): every request's tokens reach the engine and come
// back in the token counts, USD per million tokens is the cost over them, and the HPA's in_flight metric
// scales as the HPA formula says (desired = ceil(current x metric / target)).
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>

#include "platforms/catalog.hpp"
#include "platforms/fleet/node_fabric.hpp"
#include "platforms/kubernetes_gpu/kubernetes_params.hpp"
#include "support/gpu_fleet_candidates.hpp"
#include "support/llm_admission_check.hpp"
#include "support/sim_harness.hpp"

namespace {
using servesim::test::scenario_from;

nlohmann::json llm_doc(const nlohmann::json& workload, nlohmann::json candidate) {
  candidate["platform"] = "kubernetes-gpu";
  candidate["node_type"] = "p5.48xlarge";
  candidate["max_nodes"] = 1;
  return {{"seed", 3},
          {"workload", workload},
          {"service", {{"llm", {{"model", "llama-3.1-8b"}, {"max_context_tokens", 8192}}}}},
          {"slo", {{"p99_ms", 600000}, {"timeout_s", 600}}},
          {"candidates", {candidate}}};
}
}  // namespace

TEST_CASE("platforms::KubernetesModel with service.llm: the trace's tokens are served and priced") {
  servesim::test::TempDir dir;
  // 30 requests, one per second; request k has 100 + 10 k prompt tokens and 20 + k output tokens:
  // sum of inputs = 30 x 100 + 10 x 435 = 7,350; sum of outputs = 30 x 20 + 435 = 1,035.
  std::string rows;
  for (int k = 0; k < 30; ++k)
    rows += std::to_string(k) + "," + std::to_string(100 + 10 * k) + "," + std::to_string(20 + k) + "\n";
  const auto doc =
      llm_doc(servesim::test::token_trace(dir, rows), {{"min_replicas", 1}, {"max_replicas", 1}});
  const auto run = servesim::test::simulate(scenario_from(doc));
  const auto& r = run.results.at(0);
  REQUIRE(r.requests.served == 30);
  REQUIRE(r.llm.present);
  CHECK(r.llm.input_tokens == 7350);
  CHECK(r.llm.output_tokens == 1035);
  CHECK(r.llm.ttft.count() == 30);
  CHECK(r.llm.tpot.count() == 30);  // every request generates 2 tokens or more
  CHECK(r.llm.preemptions == 0);    // at most a few thousand tokens held, against ~419,000
  CHECK(r.latency_source == "calibrated");
  // A request's end-to-end latency is at least its first token's.
  CHECK(r.latency.quantile_s(0.0) >= r.llm.ttft.quantile_s(0.0) * 0.99);
}

TEST_CASE("platforms::KubernetesModel with llm_capacity_policy: no-evict admission waits, preempt evicts") {
  // Two requests of 3,000 + 3,000 tokens at t = 0 on one H100 whose server may use 22.7 % of its 80 GB:
  // 18.16 GB - 1 GB reserve - 16.06 GB of weights = ~1.1 GB of KV, ~8,400 tokens at 131,072 B each.
  // preempt (vLLM): both prompts fit (6,000 tokens), so both start; their contexts grow to 12,000 tokens,
  // more than the cache, so one is preempted. guaranteed_no_evict (TensorRT-LLM): 2 x 6,000 tokens of whole
  // lives do not fit, so the second waits for the first to finish: its first token comes after the first
  // request's last, and nothing is preempted.
  servesim::test::TempDir dir;
  const nlohmann::json workload = servesim::test::token_trace(dir, "0,3000,3000\n0,3000,3000\n");
  for (const std::string policy : {"preempt", "guaranteed_no_evict"}) {
    const auto run =
        servesim::test::simulate(scenario_from(llm_doc(workload, {{"min_replicas", 1},
                                                                  {"max_replicas", 1},
                                                                  {"llm_gpu_memory_utilization", 0.227},
                                                                  {"llm_capacity_policy", policy}})));
    servesim::test::check_two_request_admission(policy, run.results.at(0));
  }
}

namespace {
// 40 requests at t = 0 of 100 + 2,000 tokens on one H100 pod (up to 8 pods, an HPA sync every 15 s) with the
// candidate's HPA settings `hpa`; the peak pod count of the run.
uint64_t burst_peak_pods(const nlohmann::json& hpa) {
  servesim::test::TempDir dir;
  std::string rows;
  for (int k = 0; k < 40; ++k) rows += "0,100,2000\n";
  nlohmann::json candidate = {{"min_replicas", 1}, {"max_replicas", 8}, {"hpa_sync_period_s", 15}};
  candidate.update(hpa);
  const auto run =
      servesim::test::simulate(scenario_from(llm_doc(servesim::test::token_trace(dir, rows), candidate)));
  const auto& r = run.results.at(0);
  CHECK(r.requests.served == 40);
  return r.instances_peak;
}
}  // namespace

TEST_CASE("platforms::KubernetesModel with service.llm: the HPA scales on requests in flight") {
  // A decode step of 40 sequences reads 16 GB of weights and at most 40 x 2,100 x 131,072 B = 11 GB of KV,
  // 13 ms at the fitted 0.627 of 3.35 TB/s plus 2 ms, so the batch needs about 2,000 x 15 ms = 30 s: at the
  // first sync (15 s) all 40 are in flight. HPA: desired = ceil(1 x 40 / 10) = 4, within the scale-up policy
  // (4 pods or 100% per 15 s).
  CHECK(burst_peak_pods({{"hpa_metric", "in_flight"}, {"hpa_target_in_flight_per_pod", 10}}) == 4);
}

TEST_CASE("platforms::KubernetesModel with service.llm: the HPA scales on the server's queue") {
  // The server batches at most 8 (llm_max_num_seqs): 8 decode while 32 wait. A step of 8 sequences reads 16
  // GB of weights (and < 0.3 GB of KV), at least 16e9 / (0.765 x 3.35e12) = 6.2 ms plus 2 ms of overhead, so
  // the first 8 need 1,999 x 8.2 ms = 16.4 s or more: at the first sync (15 s) 32 are waiting. HPA on
  // queue_length with a target of 8: desired = ceil(1 x 32 / 8) = 4; on in_flight with the same target,
  // ceil(40 / 8) = 5.
  CHECK(burst_peak_pods({{"llm_max_num_seqs", 8},
                         {"hpa_metric", "queue_length"},
                         {"hpa_target_queue_length_per_pod", 8}}) == 4);
  CHECK(burst_peak_pods(
            {{"llm_max_num_seqs", 8}, {"hpa_metric", "in_flight"}, {"hpa_target_in_flight_per_pod", 8}}) ==
        5);
}

TEST_CASE("platforms::KubernetesModel: an LLM gauge as HPA metric without service.llm is refused") {
  auto doc = llm_doc({{"type", "poisson"}, {"rate_rps", 1}, {"duration_s", 10}},
                     {{"hpa_metric", "kv_cache_utilization"}});
  doc["service"] = {{"warm", {{"type", "constant"}, {"value_ms", 10}}}};
  const auto sc = scenario_from(doc);
  CHECK_THROWS_WITH(servesim::platforms::make_candidates(sc), Catch::Contains("needs service.llm"));
}

TEST_CASE("service.llm: a synthetic request longer than the context is refused and counted dropped") {
  // 8,000 prompt tokens and an exponential output of mean 300 against an 8,192-token context: a request is
  // too long when its output exceeds 192 tokens, P = exp(-192 / 300) = 0.527 (vLLM answers HTTP 400). About
  // 200 arrivals: the share's standard deviation is sqrt(0.527 x 0.473 / 200) = 0.035; the check allows 4 of
  // them. Every arrival is still accounted for, on kubernetes-gpu and on a GPU fleet platform (Cloud Run L4).
  const nlohmann::json workload = {{"type", "poisson"},
                                   {"rate_rps", 2},
                                   {"duration_s", 100},
                                   {"tokens",
                                    {{"input", {{"type", "constant"}, {"value_tokens", 8000}}},
                                     {"output", {{"type", "exponential"}, {"mean_tokens", 300}}}}}};
  auto doc = llm_doc(workload, {{"min_replicas", 1}, {"max_replicas", 1}});
  doc["candidates"].push_back({{"name", "run-l4"},
                               {"platform", "gcp-cloud-run"},
                               {"gpu", "nvidia-l4"},
                               {"vcpu", 8},
                               {"memory_gib", 32},
                               {"min_instances", 1},
                               {"concurrency", 16}});
  doc["candidates"][0]["name"] = "k8s-h100";
  const auto run = servesim::test::simulate(scenario_from(doc));
  for (const auto& r : run.results) {
    const auto& q = r.requests;
    REQUIRE(q.arrived > 150);
    CHECK(q.served + q.timed_out + q.throttled + q.dropped == q.arrived);
    CHECK(static_cast<double>(q.dropped) / static_cast<double>(q.arrived) == Approx(0.527).margin(0.14));
    CHECK(r.llm.present);
  }
}

namespace {

// Four prompts `gap_s` apart with their 512-token prefix blocks (Mooncake's JSON Lines layout), as a
// workload.
nlohmann::json prefix_trace_workload(const servesim::test::TempDir& dir, int gap_s) {
  const int inputs[4] = {1500, 1400, 1500, 2000};
  const char* blocks[4] = {"[1, 2, 3]", "[1, 2, 9]", "[7, 2, 3]", "[1, 2, 3, 4]"};
  std::ofstream f(dir.path() + "/p.jsonl");
  for (int i = 0; i < 4; ++i)
    f << "{\"timestamp\": " << i * gap_s * 1000 << ", \"input_length\": " << inputs[i]
      << ", \"output_length\": 20, \"hash_ids\": " << blocks[i] << "}\n";
  return {{"type", "request_trace"},
          {"path", dir.path() + "/p.jsonl"},
          {"timestamp_column", "timestamp"},
          {"timestamp_unit", "ms"},
          {"input_tokens_column", "input_length"},
          {"output_tokens_column", "output_length"},
          {"prefix_blocks_column", "hash_ids"}};
}

}  // namespace

TEST_CASE("platforms::KubernetesModel with llm_prefix_caching: the hit rate of a trace's prompt blocks") {
  // One replica; requests 10 s apart, each done long before the next (a 2,000-token prefill on an H100 takes
  // tens of ms). Blocks of 512 tokens; a request reuses the leading run of its blocks already cached, at
  // most input - 1 tokens; a prompt caches its full blocks (input / 512, rounded down):
  //   r1 1,500 tokens [1, 2, 3]: nothing cached, hit 0; caches blocks 1, 2.
  //   r2 1,400 tokens [1, 2, 9]: at most (1,399 / 512 =) 2 blocks; 1, 2 cached: hit 1,024.
  //   r3 1,500 tokens [7, 2, 3]: its first block differs: hit 0.
  //   r4 2,000 tokens [1, 2, 3, 4]: at most 3 blocks; 1, 2 cached, r1's block 3 was partial: hit 1,024.
  // Hit rate = 2,048 / (1,500 + 1,400 + 1,500 + 2,000 = 6,400) = 0.32.
  servesim::test::TempDir dir;
  const nlohmann::json workload = prefix_trace_workload(dir, 10);
  auto doc = llm_doc(workload, {{"min_replicas", 1}, {"max_replicas", 1}, {"llm_prefix_caching", true}});
  doc["candidates"].push_back(doc["candidates"][0]);
  doc["candidates"][0]["name"] = "prefix";
  doc["candidates"][1]["name"] = "plain";
  doc["candidates"][1]["llm_prefix_caching"] = false;
  const auto run = servesim::test::simulate(scenario_from(doc));
  const auto& with = run.results.at(0).llm;
  const auto& without = run.results.at(1).llm;
  REQUIRE(run.results.at(0).requests.served == 4);
  CHECK(with.prefix_caching);
  CHECK(with.input_tokens == 6400);
  CHECK(with.prefix_hit_tokens == 2048);
  CHECK_FALSE(without.prefix_caching);
  CHECK(without.prefix_hit_tokens == 0);
  // Two of the four prefills are 1,024 tokens shorter: the mean TTFT drops.
  CHECK(with.ttft.mean_s() < without.ttft.mean_s());
  // Same scenario and seed: the same figures.
  const auto again = servesim::test::simulate(scenario_from(doc));
  CHECK(again.results.at(0).llm.prefix_hit_tokens == 2048);
  CHECK(again.results.at(0).llm.ttft.mean_s() == with.ttft.mean_s());
  CHECK(again.results.at(0).simulated_s == run.results.at(0).simulated_s);
  CHECK(again.results.at(0).llm.tpot.mean_s() == with.tpot.mean_s());
}

TEST_CASE("platforms::KubernetesModel: llm_prefix_caching without prefix blocks is refused") {
  servesim::test::TempDir dir;
  const auto doc = llm_doc(servesim::test::token_trace(dir, "0,100,10\n"), {{"llm_prefix_caching", true}});
  CHECK_THROWS_WITH(servesim::platforms::make_candidates(scenario_from(doc)),
                    Catch::Contains("/candidates/0/llm_prefix_caching: expected a request trace with "
                                    "prefix_blocks_column"));
}

TEST_CASE("platforms::KubernetesModel: llm_max_num_batched_tokens defaults to vLLM's rule for the GPU") {
  // vLLM V1's OpenAI server: 8,192 tokens per iteration on GPUs with 70 GiB or more, else 2,048. With
  // chunked prefill off a prompt of the whole 8,192-token context must fit one iteration: an H100 (80 GB,
  // p5.48xlarge) holds it, an L4 (24 GB, g6.xlarge) does not and names the 2,048 it has.
  servesim::test::TempDir dir;
  const nlohmann::json trace = servesim::test::token_trace(dir, "0,100,10\n");
  auto h100 = llm_doc(trace, {{"llm_chunked_prefill", false}});
  CHECK_NOTHROW(servesim::platforms::make_candidates(scenario_from(h100)));
  auto l4 = h100;
  l4["candidates"][0]["node_type"] = "g6.xlarge";
  CHECK_THROWS_WITH(servesim::platforms::make_candidates(scenario_from(l4)),
                    Catch::Contains("expected at most the candidate's llm_max_num_batched_tokens (2048) when "
                                    "llm_chunked_prefill is false"));
  l4["candidates"][0]["llm_max_num_batched_tokens"] = 8192;  // set by the user: kept
  CHECK_NOTHROW(servesim::platforms::make_candidates(scenario_from(l4)));
}

TEST_CASE("GPU fleet platforms with llm_prefix_caching: the same hit rate per instance") {
  // The four requests of the kubernetes-gpu case above, 200 s apart (after any cold start of the one
  // instance), on Cloud Run with an L4, Container Apps with an A100 and Lambda Managed Instances on a
  // g6e.xlarge (L40S): hit 2,048 of 6,400 input tokens.
  servesim::test::TempDir dir;
  const nlohmann::json workload = prefix_trace_workload(dir, 200);
  auto doc = llm_doc(workload, {});
  doc["candidates"] = servesim::test::gpu_fleet_candidates({{"llm_prefix_caching", true}});
  const auto run = servesim::test::simulate(scenario_from(doc));
  REQUIRE(run.results.size() == 3);
  for (const auto& r : run.results) {
    INFO(r.name);
    REQUIRE(r.requests.served == 4);
    CHECK(r.llm.prefix_caching);
    CHECK(r.llm.input_tokens == 6400);
    CHECK(r.llm.prefix_hit_tokens == 2048);
  }
  // On a CPU instance there is nothing to cache: refused with the candidate's key.
  doc["candidates"] = {{{"name", "run-cpu"}, {"platform", "gcp-cloud-run"}, {"llm_prefix_caching", true}}};
  doc["service"]["llm"]["cpu_ms_per_input_token"] = 1;
  doc["service"]["llm"]["cpu_ms_per_output_token"] = 10;
  CHECK_THROWS_WITH(
      servesim::platforms::make_candidates(scenario_from(doc)),
      Catch::Contains("/candidates/0/llm_prefix_caching: expected only with service.llm on a GPU"));
}

TEST_CASE("platforms::KubernetesModel llm_routing: prefix-aware keeps shared prefixes on one replica") {
  // The four prompts above, 10 s apart, on two ready replicas with prefix caching. Each request finishes
  // long before the next, so both replicas are idle (no load) at every arrival:
  //   round-robin and least-requests (ties in turn order) alternate: r1, r3 on one replica, r2, r4 on the
  //     other. r2 finds nothing; r3's first block differs; r4 [1, 2, 3, 4] finds r2's full blocks 1, 2 on
  //     its replica: hit 1,024 of 6,400.
  //   prefix-aware sends r2 and r4 where blocks 1, 2 are cached (r1's replica): hits 1,024 + 1,024 = 2,048,
  //     as one replica would.
  servesim::test::TempDir dir;
  auto doc = llm_doc(prefix_trace_workload(dir, 10),
                     {{"min_replicas", 2}, {"max_replicas", 2}, {"llm_prefix_caching", true}});
  for (const char* routing : {"prefix-aware", "least-requests"}) {
    doc["candidates"].push_back(doc["candidates"][0]);
    doc["candidates"].back()["llm_routing"] = routing;
  }
  const auto run = servesim::test::simulate(scenario_from(doc));
  REQUIRE(run.results.size() == 3);
  for (const auto& r : run.results) REQUIRE(r.requests.served == 4);
  CHECK(run.results[0].llm.prefix_hit_tokens == 1024);  // round-robin (the default)
  CHECK(run.results[1].llm.prefix_hit_tokens == 2048);  // prefix-aware
  CHECK(run.results[2].llm.prefix_hit_tokens == 1024);  // least-requests
}

TEST_CASE("platforms::KubernetesModel llm_routing: prefix-aware-approx routes on the prompts it recorded") {
  // The four prompts 25 s apart on two idle replicas with prefix caching (blocks of 512 tokens).
  // With the gateway's defaults (trim to 10,000 blocks every 30 s: nothing is trimmed), worked by hand:
  //   r1 [1, 2, 3]: no record anywhere, both empty: turn order, replica A; A records 1, 2, 3.
  //   r2 [1, 2, 9] (1,400 tokens): A matches 2 blocks = 1,024 / 1,400 = 73% > 50%: A; hit 1,024.
  //   r3 [7, 2, 3]: matches nothing: the smaller record, B (A holds 4 blocks).
  //   r4 [1, 2, 3, 4] (2,000 tokens): A matches 3 blocks = 1,536 / 2,000 = 77%: A, which caches 1, 2 (r1's
  //     block 3 was partial): hit 1,024. In all 2,048, as with KV events.
  // Trimmed to 1 block: at 30 s A's record {1 (25 s), 2 (25 s), 9 (25 s), 3 (0 s)} keeps 1 (3 is the
  // oldest; of the rest the deepest go first); r3 at 50 s goes to B (record 0 < 1), which records 3 blocks,
  // trimmed to its first at 60 s. r4 at 75 s matches 1 block on A = 512 / 2,000 = 26%, not above 50%:
  // the smaller record, a tie (1 and 1) at equal load, so turn order: r4's turn 3 of 2 replicas is B, which
  // holds nothing of it. In all 1,024: the gateway forgot what A still caches.
  servesim::test::TempDir dir;
  auto doc = llm_doc(prefix_trace_workload(dir, 25), {{"min_replicas", 2},
                                                      {"max_replicas", 2},
                                                      {"llm_prefix_caching", true},
                                                      {"llm_routing", "prefix-aware-approx"}});
  doc["candidates"].push_back(doc["candidates"][0]);
  doc["candidates"].back()["llm_routing_tree_max_blocks"] = 1;
  const auto run = servesim::test::simulate(scenario_from(doc));
  REQUIRE(run.results.size() == 2);
  for (const auto& r : run.results) REQUIRE(r.requests.served == 4);
  CHECK(run.results[0].llm.prefix_hit_tokens == 2048);
  CHECK(run.results[1].llm.prefix_hit_tokens == 1024);
}

TEST_CASE("platforms::KubernetesModel llm_routing: what each policy needs is checked") {
  servesim::test::TempDir dir;
  auto doc = llm_doc(prefix_trace_workload(dir, 10), {{"llm_routing", "prefix-aware"}});
  CHECK_THROWS_WITH(
      servesim::platforms::make_candidates(scenario_from(doc)),
      Catch::Contains("/candidates/0/llm_routing: expected llm_prefix_caching true with prefix-aware"));
  doc["service"] = {{"warm", {{"type", "constant"}, {"value_ms", 20}}}};
  doc["candidates"][0]["llm_routing"] = "least-requests";
  CHECK_THROWS_WITH(servesim::platforms::make_candidates(scenario_from(doc)),
                    Catch::Contains("/candidates/0/llm_routing: expected round-robin without service.llm"));
}

TEST_CASE("platforms::KubernetesModel: a PCIe node type spreads a replica over PCIe links") {
  // g6e.12xlarge: 4 x L40S (48 GB) on PCIe Gen4 x16 (32 GB/s per direction) at $10.49264 an hour; the
  // all-reduce's links are PCIe (0.5 us each, NCCL's ring figure), so a ring over 4 GPUs is 2 x 3 steps of
  // 2 x 0.5 us + (S / 4) / 32 GB/s: 6 us + 1.5 x S / 32 GB/s. For one decode token of a 70B model (hidden
  // 8,192 x 2 B = 16,384 B): 6 us + 0.768 us = 6.768 us.
  using servesim::platforms::KubernetesParams;
  using servesim::platforms::NodeFabric;
  using servesim::platforms::Settings;
  const nlohmann::json poisson = {{"type", "poisson"}, {"rate_rps", 1}, {"duration_s", 10}};
  auto doc = llm_doc(poisson, {{"llm_tensor_parallel", 4}});
  doc["candidates"][0]["node_type"] = "g6e.12xlarge";
  doc["service"]["llm"] = {{"model", "llama-3.1-70b"}, {"precision", "fp8"}, {"max_context_tokens", 8192}};
  const auto sc = scenario_from(doc);
  const auto& c = sc.candidates.at(0);
  const KubernetesParams p = KubernetesParams::from(Settings(c, sc.file), c.settings);
  CHECK(p.node_gpus == 4);
  CHECK(p.pool.price_usd_per_h == Approx(10.49264));
  CHECK(p.llm_replica.fabric.kind == NodeFabric::Kind::pcie);
  CHECK(p.llm_replica.fabric.gpu_link_gb_per_s == 32);
  CHECK(p.llm_replica.fabric.allreduce_cost(4).time_s(16384) == Approx(6.768e-6).epsilon(1e-6));
  // The same node type's NVSwitch neighbour for comparison: p5.48xlarge's 450 GB/s NVLink links of 0.235 us,
  // 6 steps of 0.47 us + 4,096 B / 450 GB/s: 2.82 us + 0.0546 us.
  auto p5 = doc;
  p5["candidates"][0]["node_type"] = "p5.48xlarge";
  const auto sc5 = scenario_from(p5);
  const auto& c5 = sc5.candidates.at(0);
  const KubernetesParams q = KubernetesParams::from(Settings(c5, sc5.file), c5.settings);
  CHECK(q.llm_replica.fabric.kind == NodeFabric::Kind::nvswitch);
  CHECK(q.llm_replica.fabric.allreduce_cost(4).time_s(16384) == Approx(2.82e-6 + 16384 * 1.5 / 450e9));

  // 8 GPUs of a replica are more than the node's 4.
  auto tp8 = doc;
  tp8["candidates"][0]["llm_tensor_parallel"] = 8;
  CHECK_THROWS_WITH(servesim::platforms::make_candidates(scenario_from(tp8)),
                    Catch::Contains("/candidates/0/llm_tensor_parallel") && Catch::Contains("got 8"));
  // 70.55e9 parameters at bf16 over 4 L4s (g6.12xlarge, 24 GB each): 141.1 GB of weights, more than the
  // 4 x (0.9 x 24 GB - 1 GB reserve) = 82.4 GB the servers take; at fp8 70.55 GB fit.
  auto l4 = doc;
  l4["candidates"][0]["node_type"] = "g6.12xlarge";
  CHECK_NOTHROW(servesim::platforms::make_candidates(scenario_from(l4)));
  l4["service"]["llm"]["precision"] = "bf16";
  CHECK_THROWS_WITH(servesim::platforms::make_candidates(scenario_from(l4)),
                    Catch::Contains("4 x NVIDIA L4 offer 82.4 GB"));
}
