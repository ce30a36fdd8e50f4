// vLLM's token-count histograms (vllm:request_prompt_tokens, vllm:request_generation_tokens) as the fitted
// scenario's per-request token distributions: bucket counts to probabilities, uniform within a bucket, the
// +Inf bucket ended at the model's context; read over the training window only; without them the scenario
// is the one the counters alone give (every request carries the means).
#include <catch2/catch.hpp>
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

#include "calibrate/llm_fit.hpp"
#include "calibrate/prometheus_fit.hpp"
#include "sim/distribution.hpp"
#include "support/vllm_scrapes.hpp"

using namespace servesim;

namespace {

// Four scrapes 10 s apart of one pod with the metrics the fit needs and a prompt and a generation token
// histogram of two buckets (le 100, +Inf); `late_le100` and `late_inf` are the prompt histogram's cumulative
// counts at the last scrape (t = 30, in the held-out part when the split is at 20).
std::string tokhist_scrapes(double late_le100, double late_inf) {
  // Prompt histogram (le 100, +Inf) per scrape: (0, 0), (4, 6), then a restart with one observation (1, 1),
  // then the late values.
  const double le100[] = {0, 4, 1, late_le100};
  const double inf[] = {0, 6, 1, late_inf};
  std::string text;
  for (int k = 0; k < 4; ++k) {
    const std::string n = std::to_string(k);
    text += "# servesim-scrape " + std::to_string(1000 + 10 * k) + "\n";
    text += "vllm:request_success_total{pod=\"a\"} " + n + "\n";
    text += "vllm:prompt_tokens_total{pod=\"a\"} " + std::to_string(100 * k) + "\n";
    text += "vllm:generation_tokens_total{pod=\"a\"} " + std::to_string(10 * k) + "\n";
    text += "vllm:num_requests_running{pod=\"a\"} 1\n";
    for (const char* name : {"vllm:e2e_request_latency_seconds", "vllm:time_to_first_token_seconds",
                             "vllm:time_per_output_token_seconds"})
      text += std::string(name) + "_bucket{pod=\"a\",le=\"+Inf\"} " + n + "\n";
    text += "vllm:request_prompt_tokens_bucket{pod=\"a\",le=\"100\"} " + std::to_string(le100[k]) + "\n";
    text += "vllm:request_prompt_tokens_bucket{pod=\"a\",le=\"+Inf\"} " + std::to_string(inf[k]) + "\n";
    text += "vllm:request_generation_tokens_bucket{pod=\"a\",le=\"100\"} " + n + "\n";
    text += "vllm:request_generation_tokens_bucket{pod=\"a\",le=\"+Inf\"} " + n + "\n";
  }
  return text;
}

calibrate::VllmWindow tokhist_training(const std::string& text) {
  calibrate::PromData data;
  calibrate::parse_prometheus(text, "t.prom", data);
  calibrate::finish_prometheus(data);
  const calibrate::VllmMetrics metrics(data, "t.prom");
  return metrics.window(1000, 1020);  // (1000, 1020]: the scrapes at 1010 and 1020
}

// Two hours of synthetic scrapes at 4 requests/s with token histograms (tests/support/vllm_scrapes.hpp): the
// whole run as one window, and the requests the generator made.
std::pair<calibrate::VllmWindow, double> tokhist_whole_run() {
  const test::VllmScrapes syn =
      test::vllm_scrapes({.rate_rps = 4.0, .hours = 2.0, .seed = 17, .token_histograms = true});
  calibrate::PromData data;
  calibrate::parse_prometheus(syn.text, "syn.prom", data);
  calibrate::finish_prometheus(data);
  const calibrate::VllmMetrics metrics(data, "syn.prom");
  return {metrics.window(metrics.scrapes().front() - 1, metrics.scrapes().back()), syn.requests};
}

}  // namespace

TEST_CASE(
    "calibrate::token_histogram_distribution: bucket counts as probabilities, uniform within a bucket") {
  // Cumulative counts: 10 at or below 100 tokens, still 10 at 200, 40 at 500, 50 in all. Per bucket: 10 in
  // (0, 100], 0 in (100, 200], 30 in (200, 500], 10 above 500, which ends at the context (1,000 here).
  // Probabilities 0.2, 0, 0.6, 0.2; the mean of uniforms within the buckets:
  // 0.2 x 50 + 0.6 x 350 + 0.2 x 750 = 10 + 210 + 150 = 370 tokens.
  calibrate::HistogramWindow h;
  h.buckets = {{100, 10}, {200, 10}, {500, 40}, {HUGE_VAL, 50}};
  h.count = 50;
  const auto json = calibrate::token_histogram_distribution(h, 1000);
  CHECK(
      json.dump() ==
      R"({"type":"histogram","bounds_tokens":[0.0,100.0,200.0,500.0,1000.0],"counts":[10.0,0.0,30.0,10.0]})");
  const sim::Distribution d =
      sim::Distribution::tokens_from_json(nlohmann::json::parse(json.dump()), "s", "/d");
  CHECK(d.mean_s() == Approx(370).epsilon(1e-12));
  // Quantiles: 0.1 is halfway through the first bucket (50); the empty bucket is jumped over, so just above
  // 0.2 starts at 200; 0.5 is halfway through (200, 500] (350); 0.9 halfway through (500, 1000] (750).
  CHECK(d.quantile_s(0.1) == Approx(50));
  CHECK(d.quantile_s(0.2 + 1e-9) == Approx(200).margin(1e-3));
  CHECK(d.quantile_s(0.5) == Approx(350));
  CHECK(d.quantile_s(0.9) == Approx(750));
  // The +Inf bucket ends at twice the largest finite bound when the context is not above it (custom buckets).
  CHECK(calibrate::token_histogram_distribution(h, 300)["bounds_tokens"].back() == 1000.0);
  // An empty +Inf bucket is left out; a histogram without observations gives nothing.
  h.buckets.back().second = 40;
  h.count = 40;
  CHECK(calibrate::token_histogram_distribution(h, 1000)["counts"].size() == 3);
  h.count = 0;
  CHECK(calibrate::token_histogram_distribution(h, 1000).is_null());
}

TEST_CASE("calibrate::token_histogram_distribution: a round trip keeps the counters' mean within the bound") {
  // Inputs uniform on 512..1536, outputs on 64..192 (tests/support/vllm_scrapes.hpp). Every observation lies
  // in its bucket, whose uniform has the bucket's midpoint as mean, so the fitted mean is off the true
  // (the counters') mean by at most sum_i p_i x width_i / 2. Inputs: P(<= 1000) = 489/1025 = 0.477 in
  // (500, 1000], 0.523 in (1000, 2000]: fitted mean 0.477 x 750 + 0.523 x 1500 = 1142 (bound 0.477 x 250 +
  // 0.523 x 500 = 381; the true mean 1024). Outputs: 37/129 = 0.287 in (50, 100], 0.713 in (100, 200]:
  // 0.287 x 75 + 0.713 x 150 = 128.5 against 128.
  const auto [w, requests] = tokhist_whole_run();
  // Every request once, the restarted pod's included.
  CHECK(w.prompt_tokens_histogram.count == requests);
  CHECK(w.generation_tokens_histogram.count == requests);
  const struct {
    const calibrate::HistogramWindow& histogram;
    double counter_mean, expected_mean;
  } cases[] = {{w.prompt_tokens_histogram, w.mean_input_tokens(), 1142.4},
               {w.generation_tokens_histogram, w.mean_output_tokens(), 128.5}};
  for (const auto& c : cases) {
    const auto json =
        nlohmann::json::parse(calibrate::token_histogram_distribution(c.histogram, 131072).dump());
    const double mean = sim::Distribution::tokens_from_json(json, "s", "/d").mean_s();
    double total = 0, bound = 0;
    for (const auto& n : json["counts"]) total += n.get<double>();
    for (size_t i = 0; i < json["counts"].size(); ++i)
      bound += json["counts"][i].get<double>() / total *
               (json["bounds_tokens"][i + 1].get<double>() - json["bounds_tokens"][i].get<double>()) / 2;
    CAPTURE(mean, c.counter_mean, bound);
    CHECK(std::abs(mean - c.counter_mean) <= bound);
    // The bucket shares are binomial over 28,800 requests: SE of a share 0.003, of the mean about 2.2 tokens
    // (inputs) and 0.2 (outputs); within 5 SE of the hand-worked means.
    CHECK(mean == Approx(c.expected_mean).margin(c.expected_mean > 1000 ? 11.0 : 1.0));
  }
}

TEST_CASE("calibrate::token_histogram_distribution: with the counters' mean the drawn mean is theirs") {
  // The same scrapes; given the token counters' means (1,024-ish and 128-ish), the histograms are written
  // with "mean_tokens" and drawn with the maximum-entropy density of that mean: the drawn mean is the
  // counters' (rounded to 0.01 token), not the uniform rule's 1,142 and 128.5; the bucket shares stay the
  // counts'.
  const auto [w, requests] = tokhist_whole_run();
  for (const auto& [histogram, counter_mean] :
       {std::pair{w.prompt_tokens_histogram, w.mean_input_tokens()},
        std::pair{w.generation_tokens_histogram, w.mean_output_tokens()}}) {
    const auto json = nlohmann::json::parse(
        calibrate::token_histogram_distribution(histogram, 131072, counter_mean).dump());
    REQUIRE(json.contains("mean_tokens"));
    const auto d = sim::Distribution::tokens_from_json(json, "s", "/d");
    CHECK(d.mean_s() == Approx(counter_mean).margin(0.01));
    const auto uniform =
        nlohmann::json::parse(calibrate::token_histogram_distribution(histogram, 131072).dump());
    CHECK_FALSE(uniform.contains("mean_tokens"));
    CHECK(json["counts"] == uniform["counts"]);
  }
  // A mean outside what the buckets allow is left out (uniform within the buckets).
  CHECK_FALSE(
      calibrate::token_histogram_distribution(w.prompt_tokens_histogram, 131072, 10).contains("mean_tokens"));
}

TEST_CASE("calibrate::VllmMetrics: token histograms read over the training window only, resets included") {
  // Training (1000, 1020]: le 100 rises 0 -> 4, then drops to 1 (a restart: +1): 5; +Inf 6 + 1 = 7.
  const auto a = tokhist_training(tokhist_scrapes(3, 5));
  CHECK(a.prompt_tokens_histogram.count == 7);
  REQUIRE(a.prompt_tokens_histogram.buckets.size() == 2);
  CHECK(a.prompt_tokens_histogram.buckets[0].second == 5);
  // A held-out increase (the scrape at 1030) changes nothing in the fit.
  const auto b = tokhist_training(tokhist_scrapes(50, 90));
  CHECK(b.prompt_tokens_histogram.buckets == a.prompt_tokens_histogram.buckets);
  calibrate::LlmScenarioOptions options;
  options.preset = "llama-3.1-8b";
  options.max_context_tokens = 131072;
  CHECK(calibrate::kubernetes_llm_scenario(a, options).dump() ==
        calibrate::kubernetes_llm_scenario(b, options).dump());
  CHECK(calibrate::kubernetes_llm_scenario(a, options)["workload"]["tokens"]["input"]["counts"].dump() ==
        "[5.0,2.0]");
}

TEST_CASE("calibrate::kubernetes_llm_scenario: without token histograms every request carries the means") {
  calibrate::VllmWindow train;
  train.to_s = 3600;
  train.requests = 100;
  train.prompt_tokens = 100 * 1000.4;
  train.generation_tokens = 100 * 99.6;
  calibrate::LlmScenarioOptions options;
  options.preset = "llama-3.1-8b";
  options.max_context_tokens = 131072;
  auto doc = calibrate::kubernetes_llm_scenario(train, options);
  CHECK(doc["workload"].dump() == R"({"type":"rate_trace","path":"rate.txt"})");
  CHECK(doc["description"].get<std::string>().find(
            "Tokens: every request carries the means of the token counters, 1000.4 input and 99.6 output "
            "tokens "
            "(100040 and 9960 tokens over the requests; the counters give no distribution).") !=
        std::string::npos);
  // One histogram alone is not enough: both or neither.
  train.prompt_tokens_histogram.buckets = {{1000, 60}, {HUGE_VAL, 100}};
  train.prompt_tokens_histogram.count = 100;
  doc = calibrate::kubernetes_llm_scenario(train, options);
  CHECK_FALSE(doc["workload"].contains("tokens"));
}
