#pragma once
// The model server a GPU candidate serving service.llm was simulated as, for `servesim export`: vLLM's
// OpenAI-compatible server (the engine docs/models/llm-serving.md models) with the engine settings the run
// used, so the template deploys what was simulated.
//
//   if (auto server = vllm_server(request.language_model, request.settings, /*tensor_parallel=*/4, 8080))
//     container["image"] = server->image, container["args"] = server->args;
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace servesim::platforms {

struct VllmServer {
  std::string image;               // the vLLM OpenAI-server image
  std::vector<std::string> args;   // its command-line arguments
  std::vector<std::string> notes;  // comment lines for the template's head (what to check or replace)
};

// `language_model`: summary.json's "model" of the candidate ({name, precision, kv_precision,
// max_context_tokens, ...}); null (no language model) gives nullopt. `settings`: the candidate's catalogue
// parameters as the run used them (the llm_* keys; absent keys take the catalogue's defaults' meaning).
// `port`: the container port the template exposes.
// The catalogue keys vllm_server writes as arguments (for the template's list of settings it does not carry).
const std::vector<std::string>& vllm_server_settings();

std::optional<VllmServer> vllm_server(const nlohmann::json& language_model, const nlohmann::json& settings,
                                      long tensor_parallel, int port);

}  // namespace servesim::platforms
