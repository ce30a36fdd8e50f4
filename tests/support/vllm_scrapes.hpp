#pragma once
// Synthetic Prometheus scrapes of a vLLM deployment with known traffic, for the calibration tests: the text
// exposition format with vLLM's metric names and bucket bounds (vllm/engine/metrics.py of v0.5), one scrape
// every 15 s after a `# servesim-scrape UNIX_S` line, from t0 when every counter is 0.
//
// Traffic: Poisson arrivals at rate_rps over 3 pods (each request to a random pod). Input tokens uniform in
// 512..1536 (mean 1024), output uniform in 64..192 (mean 128); TTFT uniform in 0.02..0.2 s, TPOT 12 ms,
// e2e = TTFT + (output - 1) x TPOT, both latencies times slow_factor from slow_after_s on (a deployment that
// changed). A request is counted in the scrape interval it arrives in. Pod vllm-2 restarts right after the
// scrape at half time: its counters start again from 0. With token_histograms, each pod also exports
// vllm:request_prompt_tokens and vllm:request_generation_tokens with vLLM's buckets for a 131,072-token
// max-model-len (1, 2, 5, 10, ... 100,000: build_1_2_5_buckets).
//
//   const test::VllmScrapes s = test::vllm_scrapes({.rate_rps = 4, .hours = 2, .seed = 17});
#include <cmath>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace servesim::test {

struct VllmScrapeSpec {
  double rate_rps = 4;
  double hours = 2;
  uint64_t seed = 1;
  double slow_after_s = 1e300;  // from t0
  double slow_factor = 1;
  bool token_histograms = false;
};

struct VllmScrapes {
  std::string text;
  double requests = 0, prompt_tokens = 0, generation_tokens = 0;
};

inline const std::vector<double>& vllm_ttft_bounds() {
  static const std::vector<double> b = {0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1,
                                        0.25,  0.5,   0.75, 1.0,  2.5,  5.0,  7.5,  10.0};
  return b;
}
inline const std::vector<double>& vllm_tpot_bounds() {
  static const std::vector<double> b = {0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2,
                                        0.3,  0.4,   0.5,  0.75,  1.0, 2.5};
  return b;
}
inline const std::vector<double>& vllm_e2e_bounds() {
  static const std::vector<double> b = {1.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0};
  return b;
}

inline const std::vector<double>& vllm_token_bounds() {
  static const std::vector<double> b = {1,   2,    5,    10,   20,    50,    100,   200,
                                        500, 1000, 2000, 5000, 10000, 20000, 50000, 100000};
  return b;
}

inline VllmScrapes vllm_scrapes(const VllmScrapeSpec& spec) {
  constexpr double kT0 = 1796112000;  // 2026-12-01T08:00:00Z
  constexpr double kScrapeS = 15;
  struct Pod {
    double success = 0, prompt = 0, generation = 0;
    std::map<double, double> ttft, tpot, e2e, prompt_hist, generation_hist;  // le -> cumulative count
  };
  const auto observe = [](std::map<double, double>& buckets, const std::vector<double>& bounds, double value,
                          double n) {
    for (const double le : bounds)
      if (value <= le) buckets[le] += n;
    buckets[HUGE_VAL] += n;
  };
  const auto le_text = [](double le) {
    if (std::isinf(le)) return std::string("+Inf");
    char text[32];
    std::snprintf(text, sizeof text, "%g", le);
    return std::string(text);
  };
  std::mt19937_64 rng(spec.seed);
  std::uniform_real_distribution<double> unit(0, 1);
  std::vector<Pod> pods(3);
  VllmScrapes out;
  const auto scrape = [&](double t) {
    out.text += "# servesim-scrape " + std::to_string(static_cast<int64_t>(t)) + "\n";
    for (size_t p = 0; p < pods.size(); ++p) {
      const std::string pod =
          "{model_name=\"meta-llama/Llama-3.1-8B-Instruct\",pod=\"vllm-" + std::to_string(p) + "\"";
      const auto& s = pods[p];
      out.text += "vllm:request_success_total" + pod + ",finished_reason=\"stop\"} " +
                  std::to_string(s.success) + "\n";
      out.text += "vllm:prompt_tokens_total" + pod + "} " + std::to_string(s.prompt) + "\n";
      out.text += "vllm:generation_tokens_total" + pod + "} " + std::to_string(s.generation) + "\n";
      out.text += "vllm:num_requests_running" + pod + "} 1\n";
      const auto hist = [&](const char* name, const std::vector<double>& bounds,
                            const std::map<double, double>& b) {
        for (const double le : bounds) {
          const auto it = b.find(le);
          out.text += std::string(name) + "_bucket" + pod + ",le=\"" + le_text(le) + "\"} " +
                      std::to_string(it == b.end() ? 0.0 : it->second) + "\n";
        }
        const auto inf = b.find(HUGE_VAL);
        out.text += std::string(name) + "_bucket" + pod + ",le=\"+Inf\"} " +
                    std::to_string(inf == b.end() ? 0.0 : inf->second) + "\n";
      };
      hist("vllm:time_to_first_token_seconds", vllm_ttft_bounds(), s.ttft);
      hist("vllm:time_per_output_token_seconds", vllm_tpot_bounds(), s.tpot);
      hist("vllm:e2e_request_latency_seconds", vllm_e2e_bounds(), s.e2e);
      if (spec.token_histograms) {
        hist("vllm:request_prompt_tokens", vllm_token_bounds(), s.prompt_hist);
        hist("vllm:request_generation_tokens", vllm_token_bounds(), s.generation_hist);
      }
    }
  };
  const auto scrapes = static_cast<int>(spec.hours * 3600 / kScrapeS);
  std::poisson_distribution<int> per_interval(spec.rate_rps * kScrapeS);
  scrape(kT0);
  for (int k = 1; k <= scrapes; ++k) {
    const int n = per_interval(rng);
    const double slow = (k - 1) * kScrapeS >= spec.slow_after_s ? spec.slow_factor : 1.0;
    for (int i = 0; i < n; ++i) {
      auto& pod = pods[static_cast<size_t>(unit(rng) * 3) % 3];
      const double input = std::floor(512 + unit(rng) * 1025), output = std::floor(64 + unit(rng) * 129);
      const double ttft = (0.02 + unit(rng) * 0.18) * slow, tpot = 0.012 * slow;
      pod.success += 1;
      pod.prompt += input;
      pod.generation += output;
      observe(pod.ttft, vllm_ttft_bounds(), ttft, 1);
      observe(pod.tpot, vllm_tpot_bounds(), tpot, output - 1);  // vLLM observes every output-token interval
      observe(pod.e2e, vllm_e2e_bounds(), ttft + (output - 1) * tpot, 1);
      observe(pod.prompt_hist, vllm_token_bounds(), input, 1);
      observe(pod.generation_hist, vllm_token_bounds(), output, 1);
      out.requests += 1;
      out.prompt_tokens += input;
      out.generation_tokens += output;
    }
    scrape(kT0 + k * kScrapeS);
    if (k == scrapes / 2) pods[2] = Pod{};  // restarted right after this scrape
  }
  return out;
}

}  // namespace servesim::test
