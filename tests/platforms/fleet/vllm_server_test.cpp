// The model server `servesim export` writes for a language model (platforms/fleet/vllm_server.hpp): vLLM's
// arguments carry the engine settings the run used, and a setting vLLM cannot express (TensorRT-LLM's
// no-evict admission) is said in the template's notes rather than dropped silently.
#include "platforms/fleet/vllm_server.hpp"

#include <algorithm>
#include <catch2/catch.hpp>

namespace {
using servesim::platforms::vllm_server;

const nlohmann::json kModel = {
    {"name", "llama-3.1-8b"}, {"precision", "bf16"}, {"kv_precision", "bf16"}, {"max_context_tokens", 8192}};

bool has_note(const servesim::platforms::VllmServer& s, const std::string& text) {
  return std::any_of(s.notes.begin(), s.notes.end(),
                     [&](const std::string& n) { return n.find(text) != std::string::npos; });
}
}  // namespace

TEST_CASE("platforms::vllm_server: no-evict admission is named in the notes, not as an argument") {
  const auto vllm = vllm_server(kModel, {{"llm_capacity_policy", "preempt"}}, 1, 8000);
  REQUIRE(vllm);
  CHECK_FALSE(has_note(*vllm, "guaranteed_no_evict"));
  const auto trt = vllm_server(kModel, {{"llm_capacity_policy", "guaranteed_no_evict"}}, 1, 8000);
  REQUIRE(trt);
  CHECK(has_note(*trt, "llm_capacity_policy guaranteed_no_evict"));
  CHECK(has_note(*trt, "trtllm-serve"));
  // The arguments are the same: vLLM has no flag for the policy.
  CHECK(trt->args == vllm->args);
  // No language model: no server.
  CHECK_FALSE(vllm_server(nullptr, {}, 1, 8000));
}
