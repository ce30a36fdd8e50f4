#include "platforms/fleet/vllm_server.hpp"

#include <cmath>

#include "sim/llm_presets.hpp"

namespace servesim::platforms {

namespace {

std::string whole(double v) {
  return std::to_string(std::llround(v));
}

}  // namespace

const std::vector<std::string>& vllm_server_settings() {
  static const std::vector<std::string> keys = {
      "llm_tensor_parallel", "llm_max_num_seqs",    "llm_max_num_batched_tokens", "llm_chunked_prefill",
      "llm_prefix_caching",  "llm_kv_block_tokens", "llm_gpu_memory_utilization"};
  return keys;
}

std::optional<VllmServer> vllm_server(const nlohmann::json& language_model, const nlohmann::json& settings,
                                      long tensor_parallel, int port) {
  if (!language_model.is_object()) return std::nullopt;
  auto number = [&](const char* key, double fallback) {
    return settings.contains(key) && settings[key].is_number() ? settings[key].get<double>() : fallback;
  };
  auto flag = [&](const char* key, bool fallback) {
    return settings.contains(key) && settings[key].is_boolean() ? settings[key].get<bool>() : fallback;
  };
  VllmServer out;
  // vLLM's published OpenAI-server image; the simulation follows vLLM V1's scheduler and defaults.
  out.image = "vllm/vllm-openai:latest";
  out.notes.push_back(
      "Model server: vLLM's OpenAI-compatible server with the engine settings the simulation used (vLLM V1 "
      "defaults otherwise); pin the image to the vLLM release you tested.");

  const std::string name = language_model.value("name", std::string());
  std::string checkpoint = sim::llm_preset_checkpoint(name);
  if (checkpoint.empty()) {
    checkpoint = "REPLACE-WITH-YOUR-MODEL";
    out.notes.push_back("--model: the run described a custom model by its shape; name its checkpoint.");
  } else {
    out.notes.push_back("--model: the checkpoint whose config.json the preset \"" + name +
                        "\" copies; an instruct or fine-tuned variant of the same shape serves alike.");
  }
  out.args = {"--model", checkpoint, "--port", std::to_string(port)};

  const std::string precision = language_model.value("precision", std::string("fp16"));
  if (precision == "bf16") {
    out.args.insert(out.args.end(), {"--dtype", "bfloat16"});
  } else if (precision == "fp16") {
    out.args.insert(out.args.end(), {"--dtype", "float16"});
  } else if (precision == "fp32") {
    out.args.insert(out.args.end(), {"--dtype", "float32"});
  } else if (precision == "fp8") {
    // Dynamic FP8 of a 16-bit checkpoint (vLLM --quantization fp8), or an FP8 checkpoint as --model.
    out.args.insert(out.args.end(), {"--quantization", "fp8"});
  } else {
    out.notes.push_back("Weights at " + precision +
                        ": give a checkpoint quantized to it (e.g. GPTQ or AWQ) as --model; vLLM reads "
                        "the method from its config.");
  }
  const std::string kv = language_model.value("kv_precision", std::string());
  if (kv == "fp8") out.args.insert(out.args.end(), {"--kv-cache-dtype", "fp8"});

  if (tensor_parallel > 1)
    out.args.insert(out.args.end(), {"--tensor-parallel-size", whole(tensor_parallel)});
  if (language_model.contains("max_context_tokens"))
    out.args.insert(out.args.end(),
                    {"--max-model-len", whole(language_model["max_context_tokens"].get<double>())});
  out.args.insert(out.args.end(), {"--max-num-seqs", whole(number("llm_max_num_seqs", 256))});
  // 0 = vLLM's default for the GPU, which is what the simulation used: the flag is left out.
  if (const double batched = number("llm_max_num_batched_tokens", 0); batched > 0)
    out.args.insert(out.args.end(), {"--max-num-batched-tokens", whole(batched)});
  out.args.push_back(flag("llm_chunked_prefill", true) ? "--enable-chunked-prefill"
                                                       : "--no-enable-chunked-prefill");
  // vLLM V1 caches prefixes unless told not to; the simulation cached them only with llm_prefix_caching.
  out.args.push_back(flag("llm_prefix_caching", false) ? "--enable-prefix-caching"
                                                       : "--no-enable-prefix-caching");
  out.args.insert(out.args.end(), {"--block-size", whole(number("llm_kv_block_tokens", 16))});
  out.args.insert(out.args.end(), {"--gpu-memory-utilization",
                                   nlohmann::json(number("llm_gpu_memory_utilization", 0.9)).dump()});
  if (settings.value("llm_capacity_policy", std::string()) == "guaranteed_no_evict")
    out.notes.push_back(
        "llm_capacity_policy guaranteed_no_evict: the simulation admitted requests as TensorRT-LLM does by "
        "default (each reserves the KV blocks of its whole output; none is preempted). vLLM has no such "
        "policy and preempts when its cache is full: serve with TensorRT-LLM (trtllm-serve) to deploy what "
        "was simulated, or rerun with preempt.");
  return out;
}

}  // namespace servesim::platforms
