// The model and replica the engine tests work their figures by hand on
// (tests/platforms/fleet/llm_*_test.cpp).
#pragma once

#include <cstdint>

#include "platforms/fleet/gpu_catalog.hpp"
#include "platforms/fleet/llm_timing.hpp"

namespace servesim::test_llm {

// Llama 3 8B's shape (Meta's model card and config.json: 32 layers, 32 heads, 8 KV heads, head dim 128,
// hidden 4096), rounded to 8.0 B parameters so that the hand arithmetic stays readable.
inline platforms::LlmSpec llama8b(uint32_t max_context_tokens = 8192) {
  platforms::LlmSpec m;
  m.parameters_b = 8.0;
  m.layers = 32;
  m.heads = 32;
  m.kv_heads = 8;
  m.head_dim = 128;
  m.hidden = 4096;
  m.max_context_tokens = max_context_tokens;
  return m;
}

// An ideal replica: all of the peak and the bandwidth, no per-iteration overhead.
inline platforms::LlmReplicaParams ideal(double memory_utilization = 0.9) {
  platforms::LlmReplicaParams r;
  r.compute_efficiency = 1;
  r.bandwidth_efficiency = 1;
  r.overhead_s = 0;
  r.memory_utilization = memory_utilization;
  return r;
}

// One H100 SXM: 989.5 TFLOP/s fp16 dense, 3.35 TB/s (platforms/fleet/gpus.json).
inline const platforms::GpuSpec& h100() {
  return *platforms::gpu_catalog().find("h100");
}

}  // namespace servesim::test_llm
