#pragma once
// The check the LLM admission tests share (tests/platforms/kubernetes_gpu/kubernetes_llm_test.cpp,
// tests/platforms/fleet/llm_engine_settings_test.cpp): one candidate's result of two requests at once.
#include <catch2/catch.hpp>
#include <string>

#include "sim/engine.hpp"

namespace servesim::test {

// What llm_capacity_policy `policy` must do to two requests at once whose prompts fit the KV cache together
// but whose whole lives do not (tests/platforms/*/*llm*_test.cpp): preempt (vLLM) starts both and preempts
// one; guaranteed_no_evict (TensorRT-LLM) preempts nothing and starts the second after the first ends, so the
// larger TTFT is at least the smaller latency (within the latency histogram's 1 %).
inline void check_two_request_admission(const std::string& policy, const sim::CandidateResult& r) {
  INFO(policy << " " << r.name);
  REQUIRE(r.requests.served == 2);
  if (policy == "preempt") {
    CHECK(r.llm.preemptions > 0);
  } else {
    CHECK(r.llm.preemptions == 0);
    CHECK(r.llm.ttft.max_s() >= r.latency.quantile_s(0.0) * 0.99);
  }
}

}  // namespace servesim::test
