// What the fit reads from vLLM's Prometheus metrics: counter increases with resets (a drop means the counter
// restarted from 0, as PromQL's increase() takes it; prometheus.io, "Query functions"), histogram_quantile
// (linear interpolation within the bucket where the rank falls; the +Inf bucket answers the largest finite
// bound), and a round trip through synthetic scrapes of known traffic.
#include "calibrate/prometheus_fit.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <string>

#include "calibrate/llm_fit.hpp"
#include "core/input_error.hpp"
#include "support/vllm_scrapes.hpp"

using namespace servesim;

namespace {

calibrate::PromSeries counter_of(std::vector<std::pair<double, double>> points) {
  calibrate::PromSeries s;
  s.name = "vllm:request_success_total";
  for (const auto& [t, v] : points) s.samples.push_back({t, v});
  return s;
}

}  // namespace

TEST_CASE("calibrate::counter_increase: a drop is a restart from 0") {
  // 10 -> 25 (+15) -> 5 (a reset: +5) -> 12 (+7).
  const auto s = counter_of({{0, 10}, {15, 25}, {30, 5}, {45, 12}});
  CHECK(calibrate::counter_increase(s, -1, 45, 0) == 27);  // the first sample at the origin adds nothing
  CHECK(calibrate::counter_increase(s, 15, 45, 0) == 12);
  CHECK(calibrate::counter_increase(s, 0, 30, 0) == 20);
  // A pod that appeared after the first scrape started its counters at 0: its first value counts.
  CHECK(calibrate::counter_increase(counter_of({{30, 4}, {45, 9}}), 0, 45, 0) == 9);
  // NaN samples are skipped.
  CHECK(calibrate::counter_increase(counter_of({{0, 1}, {15, NAN}, {30, 6}}), 0, 30, 0) == 5);
}

TEST_CASE("calibrate::histogram_quantile: linear within the bucket, as PromQL") {
  // 10 at or below 0.1 s, 20 in (0.1, 0.5], 10 in (0.5, 1], none above: 40 in all.
  const std::vector<std::pair<double, double>> b = {{0.1, 10}, {0.5, 30}, {1.0, 40}, {HUGE_VAL, 40}};
  double low = 0, high = 0;
  // p50: rank 20 falls in (0.1, 0.5], 10 below it and 20 in it: 0.1 + 0.4 x (20 - 10) / 20 = 0.3.
  CHECK(calibrate::histogram_quantile(0.5, b, &low, &high) == Approx(0.3).epsilon(1e-12));
  CHECK(low == 0.1);
  CHECK(high == 0.5);
  // p99: rank 39.6 in (0.5, 1]: 0.5 + 0.5 x 9.6 / 10 = 0.98.
  CHECK(calibrate::histogram_quantile(0.99, b) == Approx(0.98).epsilon(1e-12));
  // p5: rank 2 in the first bucket, from 0: 0.1 x 2 / 10 = 0.02.
  CHECK(calibrate::histogram_quantile(0.05, b, &low, &high) == Approx(0.02).epsilon(1e-12));
  CHECK(low == 0);
  // A rank in the +Inf bucket answers the largest finite bound.
  CHECK(calibrate::histogram_quantile(0.9, {{0.1, 10}, {HUGE_VAL, 20}}, &low, &high) == 0.1);
  CHECK(std::isinf(high));
  CHECK(std::isnan(calibrate::histogram_quantile(0.5, {{0.1, 0}, {HUGE_VAL, 0}})));
  CHECK(std::isnan(calibrate::histogram_quantile(0.5, {{0.1, 3}})));  // no +Inf bucket
}

TEST_CASE("calibrate::VllmMetrics: a round trip through synthetic scrapes recovers the traffic") {
  const test::VllmScrapes syn = test::vllm_scrapes({.rate_rps = 4.0, .hours = 2.0, .seed = 17});
  calibrate::PromData data;
  calibrate::parse_prometheus(syn.text, "syn.prom", data);
  calibrate::finish_prometheus(data);
  const calibrate::VllmMetrics metrics(data, "syn.prom");
  REQUIRE(metrics.scrapes().size() == 481);  // 2 h / 15 s + the first
  const auto w = metrics.window(metrics.scrapes().front() - 1, metrics.scrapes().back());
  // Every request counted once, the restarted pod's included (its reset came right after a scrape).
  CHECK(w.requests == syn.requests);
  CHECK(w.prompt_tokens == syn.prompt_tokens);
  CHECK(w.generation_tokens == syn.generation_tokens);
  // Rate: N ~ Poisson(4 x 7200 = 28,800), sd 170 (0.59%): within 5 sd of 4 requests/s.
  CHECK(w.requests / 7200 == Approx(4.0).epsilon(5 * std::sqrt(28800.0) / 28800.0));
  // Token means: uniform 512..1536 has sd 1025 / sqrt(12) = 296, the mean of 28,800 an SE of 1.74 tokens;
  // 64..192: sd 37.2, SE 0.22. Within 5 SE of 1024 and 128.
  CHECK(std::abs(w.mean_input_tokens() - 1024) < 5 * 1.74);
  CHECK(std::abs(w.mean_output_tokens() - 128) < 5 * 0.22);
  CHECK(w.replicas_min == 3);
  CHECK(w.replicas_max == 3);
  CHECK(w.running_peak == 3);
  // TTFT uniform in 0.02..0.2 s: p50 0.11 s, in vLLM's bucket (0.1, 0.25]; the estimate lies in it. With the
  // uniform spread over (0.1, 0.2] the bucket holds 55.6% of the requests, 44.4% below: the linear estimate
  // is 0.1 + 0.15 x (0.5 - 0.444) / 0.556 = 0.115 s (the true 0.11, bucket-width error).
  const auto ttft50 = w.ttft.quantile(0.5);
  CHECK(ttft50.low_s == 0.1);
  CHECK(ttft50.high_s == 0.25);
  CHECK(ttft50.value_s == Approx(0.115).margin(0.01));
  // Every output-token interval is 12 ms: bucket (0.01, 0.025], p50 interpolated 0.01 + 0.015 x 0.5.
  CHECK(w.tpot.quantile(0.5).value_s == Approx(0.0175).epsilon(1e-9));
  CHECK(w.ttft.count == syn.requests);
  CHECK(metrics.model_label() == "meta-llama/Llama-3.1-8B-Instruct");
  // The per-interval series adds up to the whole window.
  double sum = 0;
  for (const double c : metrics.requests_per_interval()) sum += c;
  CHECK(sum == syn.requests);
}

TEST_CASE("calibrate::VllmMetrics: data without the metrics the fit needs is refused") {
  calibrate::PromData data;
  calibrate::parse_prometheus("# servesim-scrape 1\nvllm:request_success_total{pod=\"a\"} 1\n", "x.prom",
                              data);
  try {
    calibrate::VllmMetrics metrics(data, "x.prom");
    FAIL("no error");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()) ==
          "x.prom: expected vLLM's vllm:prompt_tokens_total in the Prometheus data (docs/calibrate.md lists "
          "the "
          "metrics to export), found none");
  }
}

TEST_CASE("calibrate::rate_trace_text: each interval's requests spread evenly over its seconds") {
  // 7 requests over (0, 3] s and 2 over (3, 5] s: seconds 0..2 get 2, 2, 3 (floor((j+1)7/3) - floor(j7/3)),
  // seconds 3..4 get 1, 1.
  CHECK(calibrate::rate_trace_text({100, 103, 105}, {7, 2}) == "2\n2\n3\n1\n1\n");
}

TEST_CASE("calibrate::llm_preset_of and gpu_key_of: names in labels as presets and catalogue GPUs") {
  const std::vector<std::string> presets = {"llama-3.1-8b", "llama-3.1-70b", "llama-2-7b",
                                            "llama-2-70b",  "mistral-7b",    "qwen2.5-7b"};
  CHECK(calibrate::llm_preset_of("meta-llama/Llama-3.1-8B-Instruct", presets) == "llama-3.1-8b");
  CHECK(calibrate::llm_preset_of("meta-llama/Meta-Llama-3.1-70B-Instruct", presets) == "llama-3.1-70b");
  CHECK(calibrate::llm_preset_of("meta-llama/Llama-2-70b-chat-hf", presets) == "llama-2-70b");
  CHECK(calibrate::llm_preset_of("mistralai/Mistral-7B-Instruct-v0.3", presets) == "mistral-7b");
  CHECK(calibrate::llm_preset_of("llama-2-7b", presets) == "llama-2-7b");
  CHECK(calibrate::llm_preset_of("google/gemma-2-9b-it", presets).empty());
  const std::vector<std::string> gpus = {"t4",        "a10g",      "l4",   "l40s",
                                         "a100-40gb", "a100-80gb", "h100", "h200"};
  CHECK(calibrate::gpu_key_of("NVIDIA H100 80GB HBM3", gpus) == "h100");
  CHECK(calibrate::gpu_key_of("NVIDIA-A100-SXM4-80GB", gpus) == "a100-80gb");
  CHECK(calibrate::gpu_key_of("NVIDIA-L4", gpus) == "l4");
  CHECK(calibrate::gpu_key_of("NVIDIA L40S", gpus) == "l40s");
  CHECK(calibrate::gpu_key_of("NVIDIA A100", gpus).empty());  // which memory size is not said
  CHECK(calibrate::gpu_key_of("h200", gpus) == "h200");
}

TEST_CASE("calibrate::kubernetes_llm_scenario: the replicas, their HPA target and their nodes") {
  calibrate::VllmWindow train;
  train.from_s = 0;
  train.to_s = 3600;
  train.requests = 7200;  // 2 requests/s
  train.prompt_tokens = 7200 * 1000.4;
  train.generation_tokens = 7200 * 99.6;
  train.replicas_min = 2;
  train.replicas_max = 5;
  train.replicas_mean = 4;
  calibrate::LlmScenarioOptions options;
  options.preset = "llama-3.1-70b";
  options.node = {"p5.48xlarge", "h100", 8};
  options.tensor_parallel = 2;
  options.platform = "kubernetes-gpu";
  const auto doc = calibrate::kubernetes_llm_scenario(train, options);
  CHECK(doc["service"]["llm"]["default_input_tokens"] == 1000);  // 1000.4 rounded
  CHECK(doc["service"]["llm"]["default_output_tokens"] == 100);  // 99.6 rounded
  const auto& c = doc["candidates"][0];
  CHECK(c["min_replicas"] == 2);
  CHECK(c["max_replicas"] == 5);
  CHECK(c["hpa_target_requests_per_pod_per_s"] == 0.5);  // 2 requests/s over 4 pods on average
  CHECK(c["llm_tensor_parallel"] == 2);
  CHECK(c["max_nodes"] == 2);  // 4 two-GPU replicas per 8-GPU node: 5 replicas need 2 nodes
}
