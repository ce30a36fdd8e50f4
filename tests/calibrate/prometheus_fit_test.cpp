// What the fit reads from vLLM's Prometheus metrics: counter increases with resets (a drop means the counter
// restarted from 0, as PromQL's increase() takes it; prometheus.io, "Query functions"), histogram_quantile
// (linear interpolation within the bucket where the rank falls; the +Inf bucket answers the largest finite
// bound), and a round trip through synthetic scrapes of known traffic.
#include "calibrate/prometheus_fit.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <random>
#include <string>

#include "calibrate/llm_fit.hpp"
#include "core/input_error.hpp"

using namespace servesim;

namespace {

calibrate::PromSeries counter_of(std::vector<std::pair<double, double>> points) {
  calibrate::PromSeries s;
  s.name = "vllm:request_success_total";
  for (const auto& [t, v] : points) s.samples.push_back({t, v});
  return s;
}

// vLLM's bucket bounds (vllm/engine/metrics.py of v0.5: time_to_first_token_seconds,
// time_per_output_token_seconds, e2e_request_latency_seconds).
const std::vector<double> kTtftBounds = {0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1,
                                         0.25,  0.5,   0.75, 1.0,  2.5,  5.0,  7.5,  10.0};
const std::vector<double> kTpotBounds = {0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2,
                                         0.3,  0.4,   0.5,  0.75,  1.0, 2.5};
const std::vector<double> kE2eBounds = {1.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0};

struct SyntheticPod {
  double success = 0, prompt = 0, generation = 0;
  std::map<double, double> ttft, tpot, e2e;  // le -> cumulative count
};

void observe_into(std::map<double, double>& buckets, const std::vector<double>& bounds, double value,
                  double n = 1) {
  for (const double le : bounds)
    if (value <= le) buckets[le] += n;
  buckets[HUGE_VAL] += n;
}

std::string le_text(double le) {
  if (std::isinf(le)) return "+Inf";
  char text[32];
  std::snprintf(text, sizeof text, "%g", le);
  return text;
}

struct Synthetic {
  std::string text;
  double requests = 0, prompt_tokens = 0, generation_tokens = 0;
};

// Poisson arrivals at rate_rps for `hours`, spread over 3 pods, scraped every 15 s from t0 (when every
// counter is 0). Input tokens uniform in 512..1536 (mean 1024), output uniform in 64..192 (mean 128); TTFT
// uniform in 0.02..0.2 s, TPOT 12 ms, e2e = TTFT + (output - 1) x TPOT. Pod vllm-2 restarts right after the
// scrape at half time: its counters start again from 0.
Synthetic synthetic_scrapes(double rate_rps, double hours, uint64_t seed) {
  constexpr double kT0 = 1764576000;  // 2025-12-01T08:00:00Z
  constexpr double kScrapeS = 15;
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unit(0, 1);
  std::vector<SyntheticPod> pods(3);
  Synthetic out;
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
        for (double le : bounds) {
          const auto it = b.find(le);
          out.text += std::string(name) + "_bucket" + pod + ",le=\"" + le_text(le) + "\"} " +
                      std::to_string(it == b.end() ? 0.0 : it->second) + "\n";
        }
        const auto inf = b.find(HUGE_VAL);
        out.text += std::string(name) + "_bucket" + pod + ",le=\"+Inf\"} " +
                    std::to_string(inf == b.end() ? 0.0 : inf->second) + "\n";
      };
      hist("vllm:time_to_first_token_seconds", kTtftBounds, s.ttft);
      hist("vllm:time_per_output_token_seconds", kTpotBounds, s.tpot);
      hist("vllm:e2e_request_latency_seconds", kE2eBounds, s.e2e);
    }
  };
  const auto scrapes = static_cast<int>(hours * 3600 / kScrapeS);
  std::poisson_distribution<int> per_interval(rate_rps * kScrapeS);
  scrape(kT0);
  for (int k = 1; k <= scrapes; ++k) {
    const int n = per_interval(rng);
    for (int i = 0; i < n; ++i) {
      auto& pod = pods[static_cast<size_t>(unit(rng) * 3) % 3];
      const double input = std::floor(512 + unit(rng) * 1025), output = std::floor(64 + unit(rng) * 129);
      const double ttft = 0.02 + unit(rng) * 0.18, tpot = 0.012;
      pod.success += 1;
      pod.prompt += input;
      pod.generation += output;
      observe_into(pod.ttft, kTtftBounds, ttft);
      observe_into(pod.tpot, kTpotBounds, tpot, output - 1);  // vLLM observes every output-token interval
      observe_into(pod.e2e, kE2eBounds, ttft + (output - 1) * tpot);
      out.requests += 1;
      out.prompt_tokens += input;
      out.generation_tokens += output;
    }
    scrape(kT0 + k * kScrapeS);
    if (k == scrapes / 2) pods[2] = SyntheticPod{};  // restarted right after this scrape
  }
  return out;
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
  const Synthetic syn = synthetic_scrapes(4.0, 2.0, 17);
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
