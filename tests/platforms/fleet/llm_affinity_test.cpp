// Session affinity in front of language-model replicas with prefix caching (Cloud Run session_affinity,
// Container Apps sticky_sessions): a conversation's next turn goes to the instance that holds its previous
// prompt in the KV cache, the serverless GPU platforms' counterpart of a cache-aware gateway. Worked by hand
// on a two-conversation trace where, without affinity, each turn lands on the other conversation's instance.
#include <catch2/catch.hpp>
#include <fstream>
#include <string>

#include "support/sim_harness.hpp"

using servesim::test::scenario_from;
using servesim::test::simulate;
using servesim::test::TempDir;

namespace {

// Conversations "a" and "b", 5 turns 100 s apart; turn k's prompt is the conversation's whole history, 4k
// blocks of 512 tokens (2,048k tokens, blocks numbered per conversation). Both turns arrive at the same
// instant, b's row first; a generates 200 tokens, b 100, so a's instance goes idle last.
nlohmann::json conversation_trace(const TempDir& dir) {
  std::ofstream f(dir.path() + "/conversations.jsonl");
  for (int k = 1; k <= 5; ++k) {
    for (const std::string conversation : {"b", "a"}) {
      const int first_block = conversation == "a" ? 0 : 1000;
      std::string blocks;
      for (int i = 0; i < 4 * k; ++i) blocks += (i ? "," : "") + std::to_string(first_block + i);
      f << "{\"t\": " << 100 * k << ", \"in\": " << 2048 * k
        << ", \"out\": " << (conversation == "a" ? 200 : 100) << ", \"blocks\": [" << blocks
        << "], \"conversation\": \"" << conversation << "\"}\n";
    }
  }
  return {{"type", "request_trace"},       {"path", dir.path() + "/conversations.jsonl"},
          {"timestamp_column", "t"},       {"input_tokens_column", "in"},
          {"output_tokens_column", "out"}, {"prefix_blocks_column", "blocks"},
          {"key_column", "conversation"}};
}

}  // namespace

TEST_CASE("GPU fleet platforms: session affinity brings a conversation back to its cached prefix") {
  // Two always-on instances taking one request each; every turn is done within seconds, long before the
  // next. Without affinity a request takes the idle instance that went idle last (the fleet's idle list,
  // newest first): at every turn b arrives first and takes a's instance (a decoded longer), a takes b's. So
  // the conversations swap instances each turn, and turn k (k >= 3) finds only its own turn k - 2 on its
  // instance: 4 (k - 2) blocks, per conversation 2,048 x (1 + 2 + 3) = 12,288 tokens, in all 24,576. With
  // affinity each turn goes where its conversation's previous turn ran and reuses that prompt's 4 (k - 1)
  // blocks: per conversation 2,048 x (1 + 2 + 3 + 4) = 20,480 tokens, in all 40,960 of the
  // 2 x 2,048 x (1 + ... + 5) = 61,440 input tokens (2/3).
  TempDir dir;
  const nlohmann::json run_l4 = {
      {"platform", "gcp-cloud-run"}, {"gpu", "nvidia-l4"}, {"vcpu", 4},        {"memory_gib", 16},
      {"min_instances", 2},          {"max_instances", 2}, {"concurrency", 1}, {"llm_prefix_caching", true}};
  const nlohmann::json aca_a100 = {{"platform", "azure-container-apps"},
                                   {"gpu", "nvidia-a100"},
                                   {"vcpu", 24},
                                   {"memory_gib", 220},
                                   {"min_replicas", 2},
                                   {"max_replicas", 2},
                                   {"concurrent_requests", 1},
                                   {"llm_prefix_caching", true}};
  nlohmann::json doc = {{"seed", 7},
                        {"workload", conversation_trace(dir)},
                        {"service", {{"llm", {{"model", "llama-3.1-8b"}, {"max_context_tokens", 16384}}}}},
                        {"slo", {{"p99_ms", 600000}, {"timeout_s", 600}}},
                        {"candidates", nlohmann::json::array()}};
  auto add = [&](const std::string& name, nlohmann::json c, const char* affinity_key, bool on) {
    c["name"] = name;
    c[affinity_key] = on;
    doc["candidates"].push_back(c);
  };
  add("run-plain", run_l4, "session_affinity", false);
  add("run-affinity", run_l4, "session_affinity", true);
  add("aca-plain", aca_a100, "sticky_sessions", false);
  add("aca-sticky", aca_a100, "sticky_sessions", true);
  const auto run = simulate(scenario_from(doc));
  REQUIRE(run.results.size() == 4);
  for (const auto& r : run.results) {
    INFO(r.name);
    REQUIRE(r.requests.served == 10);
    CHECK(r.llm.input_tokens == 61440);
    const bool affinity = r.name == "run-affinity" || r.name == "aca-sticky";
    CHECK(r.llm.prefix_hit_tokens == (affinity ? 40960 : 24576));
  }
  // The prefills that reuse their history are shorter: the affinity runs reach the first token sooner.
  CHECK(run.results[1].llm.ttft.mean_s() < run.results[0].llm.ttft.mean_s());
  CHECK(run.results[3].llm.ttft.mean_s() < run.results[2].llm.ttft.mean_s());
}
