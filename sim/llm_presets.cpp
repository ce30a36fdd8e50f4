// service.llm (docs/scenario.md): the shapes of common open language models, each from the model's
// config.json as published with its weights (Hugging Face Hub model cards: num_hidden_layers,
// num_attention_heads, num_key_value_heads, head_dim or hidden_size / heads, hidden_size,
// max_position_embeddings; parameter counts from the model cards).
#include "sim/llm_presets.hpp"

#include <array>

#include "core/json_fields.hpp"

namespace servesim::sim {

namespace {
struct Preset {
  const char* name;
  double parameters_b;
  uint32_t layers, heads, kv_heads, head_dim, hidden, max_context;
  const char* checkpoint;  // the Hugging Face repository whose config.json the shape is copied from
};
constexpr std::array<Preset, 9> kPresets{{
    {"llama-3.1-8b", 8.03, 32, 32, 8, 128, 4096, 131072, "meta-llama/Llama-3.1-8B"},
    {"llama-3.1-70b", 70.6, 80, 64, 8, 128, 8192, 131072, "meta-llama/Llama-3.1-70B"},
    {"llama-3.2-1b", 1.24, 16, 32, 8, 64, 2048, 131072, "meta-llama/Llama-3.2-1B"},
    {"llama-2-7b", 6.74, 32, 32, 32, 128, 4096, 4096, "meta-llama/Llama-2-7b-hf"},
    {"llama-2-70b", 68.98, 80, 64, 8, 128, 8192, 4096, "meta-llama/Llama-2-70b-hf"},
    {"mistral-7b", 7.24, 32, 32, 8, 128, 4096, 32768, "mistralai/Mistral-7B-v0.1"},
    {"qwen2.5-7b", 7.62, 28, 28, 4, 128, 3584, 32768, "Qwen/Qwen2.5-7B"},
    {"qwen2.5-0.5b", 0.49, 24, 14, 2, 64, 896, 32768, "Qwen/Qwen2.5-0.5B"},
    {"gpt-j-6b", 6.05, 28, 16, 16, 256, 4096, 2048, "EleutherAI/gpt-j-6b"},  // (MLPerf gptj)
}};
}  // namespace

std::string llm_preset_checkpoint(const std::string& name) {
  for (const Preset& p : kPresets)
    if (name == p.name) return p.checkpoint;
  return "";
}

std::vector<std::string> llm_preset_names() {
  std::vector<std::string> out;
  for (const Preset& p : kPresets) out.emplace_back(p.name);
  return out;
}

LlmShape parse_llm(core::JsonFields& f) {
  LlmShape s;
  s.given = true;
  if (f.has("model")) {
    const std::string name = f.required_text("model", llm_preset_names());
    for (const Preset& p : kPresets)
      if (name == p.name) {
        s.name = p.name;
        s.parameters_b = p.parameters_b;
        s.layers = p.layers;
        s.heads = p.heads;
        s.kv_heads = p.kv_heads;
        s.head_dim = p.head_dim;
        s.hidden = p.hidden;
        s.max_context_tokens = p.max_context;
      }
  } else {
    s.name = "custom";
  }
  // Fields given one by one replace the preset's (or make a custom model: then all are required).
  auto count = [&](const char* key, uint32_t& field, uint64_t max) {
    if (f.has(key) || s.name == "custom")
      field =
          static_cast<uint32_t>(f.has(key) ? f.integer(key, 1, 1, max)
                                           : throw f.error(key, "missing (no \"model\" preset gives it)"));
  };
  if (f.has("parameters_b") || s.name == "custom") {
    if (!f.has("parameters_b")) throw f.error("parameters_b", "missing (no \"model\" preset gives it)");
    s.parameters_b = f.number("parameters_b", 0, 0.001, 10000);
  }
  count("layers", s.layers, 1000);
  count("heads", s.heads, 1024);
  count("kv_heads", s.kv_heads, 1024);
  count("head_dim", s.head_dim, 4096);
  count("hidden", s.hidden, 1 << 20);
  count("max_context_tokens", s.max_context_tokens, 10'000'000);
  if (s.kv_heads > s.heads)
    throw f.error("kv_heads", "expected at most heads (" + std::to_string(s.heads) + "), got " +
                                  std::to_string(s.kv_heads));
  s.precision = f.text("precision", "fp16", {"fp32", "fp16", "bf16", "fp8", "int8", "int4"});
  s.kv_precision = f.text("kv_precision", "fp16", {"fp16", "bf16", "fp8", "int8"});
  s.cpu_s_per_input_token = f.number("cpu_ms_per_input_token", 0, 0, 1e6) / 1e3;
  s.cpu_s_per_output_token = f.number("cpu_ms_per_output_token", 0, 0, 1e6) / 1e3;
  s.default_input_tokens = static_cast<uint32_t>(f.integer("default_input_tokens", 512, 1, 10'000'000));
  s.default_output_tokens = static_cast<uint32_t>(f.integer("default_output_tokens", 128, 1, 10'000'000));
  if (s.default_input_tokens + s.default_output_tokens > s.max_context_tokens)
    throw f.error("default_input_tokens",
                  "expected default_input_tokens + default_output_tokens within "
                  "max_context_tokens (" +
                      std::to_string(s.max_context_tokens) + "), got " +
                      std::to_string(s.default_input_tokens + s.default_output_tokens));
  f.reject_unknown();
  return s;
}

}  // namespace servesim::sim
