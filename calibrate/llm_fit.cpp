#include "calibrate/llm_fit.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace servesim::calibrate {
namespace {

std::string llm_fixed(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

std::string quantile_text(const HistogramWindow& h, double q, const char* label) {
  const QuantileEstimate e = h.quantile(q);
  if (std::isnan(e.value_s)) return std::string(label) + " n/a";
  std::string text = std::string(label) + " " + llm_fixed(e.value_s * 1000, 1) + " ms (bucket " +
                     llm_fixed(e.low_s * 1000, 0) + "..";
  text += std::isinf(e.high_s) ? std::string("+Inf") : llm_fixed(e.high_s * 1000, 0);
  return text + " ms)";
}

std::string tokens_text(const VllmWindow& train) {
  const std::string means = llm_fixed(train.mean_input_tokens(), 1) + " input and " +
                            llm_fixed(train.mean_output_tokens(), 1) + " output tokens (" +
                            llm_fixed(train.prompt_tokens, 0) + " and " +
                            llm_fixed(train.generation_tokens, 0) + " tokens over the requests";
  if (!has_token_histograms(train))
    return "Tokens: every request carries the means of the token counters, " + means +
           "; the counters give no distribution).";
  return "Tokens: each request's input and output drawn independently from vLLM's histograms "
         "vllm:request_prompt_tokens and vllm:request_generation_tokens (" +
         llm_fixed(train.prompt_tokens_histogram.count, 0) + " and " +
         llm_fixed(train.generation_tokens_histogram.count, 0) +
         " requests), within a bucket the maximum-entropy density with the token counters' means (uniform if "
         "a mean lies "
         "outside what the buckets allow), " +
         means + "), which are also the defaults.";
}

}  // namespace

std::vector<std::string> node_gpus(const platforms::PlatformEntry& entry) {
  std::vector<std::string> out;
  const platforms::Parameter* types = entry.find("node_type");
  if (!types) return out;
  for (const auto& type : types->allowed) {
    const platforms::Parameter* gpu = entry.find("node_gpu_" + platforms::catalog_key_part(type));
    if (!gpu || !gpu->value.is_string()) continue;
    const std::string id = gpu->value.get<std::string>();
    if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
  }
  return out;
}

NodeChoice node_for_gpu(const platforms::PlatformEntry& entry, const std::string& gpu) {
  NodeChoice choice;
  choice.gpu = gpu;
  const platforms::Parameter* types = entry.find("node_type");
  if (!types) return choice;
  for (const auto& type : types->allowed) {
    const std::string part = platforms::catalog_key_part(type);
    const platforms::Parameter* id = entry.find("node_gpu_" + part);
    const platforms::Parameter* count = entry.find("node_gpus_" + part);
    if (!id || !id->value.is_string() || id->value.get<std::string>() != gpu) continue;
    choice.node_type = type;
    if (count && count->value.is_number()) choice.gpus_per_node = count->value.get<uint32_t>();
    return choice;
  }
  return choice;
}

std::string rate_trace_text(const std::vector<double>& scrapes, const std::vector<double>& per_interval) {
  if (scrapes.size() < 2) return "";
  const double origin = scrapes.front();
  const auto second_of = [&](double t) { return static_cast<int64_t>(std::llround(t - origin)); };
  std::vector<int64_t> counts(static_cast<size_t>(std::max<int64_t>(1, second_of(scrapes.back()))), 0);
  for (size_t k = 0; k < per_interval.size() && k + 1 < scrapes.size(); ++k) {
    const int64_t c = std::llround(per_interval[k]);
    if (c <= 0) continue;
    int64_t a = second_of(scrapes[k]), b = second_of(scrapes[k + 1]);
    a = std::min<int64_t>(a, static_cast<int64_t>(counts.size()) - 1);
    if (b <= a) b = a + 1;  // scrapes less than a second apart: the interval's second
    b = std::min<int64_t>(b, static_cast<int64_t>(counts.size()));
    const int64_t n = b - a;
    // Second j of the interval gets floor((j+1)c/n) - floor(jc/n): c in all, as even as whole counts allow.
    for (int64_t j = 0; j < n; ++j) counts[static_cast<size_t>(a + j)] += (j + 1) * c / n - j * c / n;
  }
  std::string text;
  text.reserve(counts.size() * 3);
  for (const int64_t c : counts) text += std::to_string(c) + "\n";
  return text;
}

nlohmann::ordered_json token_histogram_distribution(const HistogramWindow& histogram, double inf_upper_tokens,
                                                    double mean_tokens) {
  const auto& buckets = histogram.buckets;
  if (!(histogram.count > 0) || buckets.size() < 2) return nullptr;
  nlohmann::ordered_json bounds = nlohmann::ordered_json::array({std::min(0.0, buckets.front().first)});
  nlohmann::ordered_json counts = nlohmann::ordered_json::array();
  double below = 0;
  for (const auto& [le, cumulative] : buckets) {
    const double in_bucket = cumulative - below;
    below = cumulative;
    if (std::isinf(le)) {
      if (!(in_bucket > 0)) break;  // an empty +Inf bucket needs no bound
      const double largest = bounds.back().get<double>();
      bounds.push_back(inf_upper_tokens > largest ? inf_upper_tokens : 2 * largest);
    } else {
      bounds.push_back(le);
    }
    counts.push_back(in_bucket);
  }
  nlohmann::ordered_json out = {{"type", "histogram"}, {"bounds_tokens", bounds}, {"counts", counts}};
  double total = 0, low = 0, high = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    const double c = counts[i].get<double>();
    total += c;
    low += c * bounds[i].get<double>();
    high += c * bounds[i + 1].get<double>();
  }
  if (total > 0 && mean_tokens > low / total && mean_tokens < high / total)
    out["mean_tokens"] = std::round(mean_tokens * 100) / 100;  // two decimals: enough, and stable in text
  return out;
}

bool has_token_histograms(const VllmWindow& window) {
  return window.prompt_tokens_histogram.count > 0 && window.generation_tokens_histogram.count > 0;
}

std::string describe(const VllmWindow& train, const LlmScenarioOptions& options) {
  const double span_s = train.to_s - train.from_s;
  std::string text =
      "Fitted by servesim calibrate from Prometheus metrics of a vLLM deployment on Kubernetes" +
      (options.served_model.empty() ? std::string() : " serving " + options.served_model) + ", over " +
      llm_fixed(span_s / 3600, 2) + " h (" + std::to_string(train.scrapes) +
      " scrapes). Arrivals: " + llm_fixed(train.requests, 0) +
      " finished requests (increase of vllm:request_success_total), mean " +
      llm_fixed(train.requests / std::max(span_s, 1.0), 3) +
      " requests/s, replayed scrape interval by scrape interval from " + options.rate_file +
      " (each interval's requests spread evenly over its seconds, Poisson within a second). " +
      tokens_text(train) + " Replicas: " + std::to_string(train.replicas_min) + " to " +
      std::to_string(train.replicas_max) + " pods (mean " + llm_fixed(train.replicas_mean, 2) +
      "), written as an HPA on requests per pod with the mean rate per pod "
      "as target. Model " +
      options.preset + " on " + options.node.gpu + " (" + options.node.node_type +
      (options.tensor_parallel > 1 ? ", " + std::to_string(options.tensor_parallel) + " GPUs per replica"
                                   : "") +
      "). Observed latency (histogram_quantile estimates, linear within vLLM's buckets, bounded by them): " +
      quantile_text(train.ttft, 0.5, "TTFT p50") + ", " + quantile_text(train.ttft, 0.99, "p99") + " of " +
      llm_fixed(train.ttft.count, 0) + " requests; " + quantile_text(train.tpot, 0.5, "TPOT p50") + " of " +
      llm_fixed(train.tpot.count, 0) + " output-token intervals; " +
      quantile_text(train.e2e, 0.5, "e2e p50") + ", " + quantile_text(train.e2e, 0.99, "p99") + " of " +
      llm_fixed(train.e2e.count, 0) + " requests; at most " + llm_fixed(train.running_peak, 0) +
      " requests running over all pods at a scrape.";
  return text;
}

nlohmann::ordered_json kubernetes_llm_scenario(const VllmWindow& train, const LlmScenarioOptions& options) {
  nlohmann::ordered_json doc;
  doc["name"] = options.name.empty() ? "calibrated-vllm-kubernetes" : options.name;
  doc["description"] = describe(train, options) + options.note;
  doc["seed"] = options.seed;
  doc["workload"] = {{"type", "rate_trace"}, {"path", options.rate_file}};
  if (has_token_histograms(train)) {
    const double inf_upper = options.max_context_tokens;
    doc["workload"]["tokens"] = {
        {"input",
         token_histogram_distribution(train.prompt_tokens_histogram, inf_upper, train.mean_input_tokens())},
        {"output", token_histogram_distribution(train.generation_tokens_histogram, inf_upper,
                                                train.mean_output_tokens())}};
  }
  nlohmann::ordered_json llm;
  llm["model"] = options.preset;
  llm["default_input_tokens"] = std::max<int64_t>(1, std::llround(train.mean_input_tokens()));
  llm["default_output_tokens"] = std::max<int64_t>(1, std::llround(train.mean_output_tokens()));
  doc["service"] = {{"llm", llm}};
  // vLLM's server has no request timeout of its own: the longest the client waits is the caller's; 600 s
  // keeps every logged request (vLLM's e2e buckets end at 60 s) inside it.
  doc["slo"] = {{"timeout_s", 600}};
  doc["metrics"] = {{"interval_s", options.interval_s}};

  const double span_s = std::max(train.to_s - train.from_s, 1.0);
  const double per_pod_rps = train.requests / span_s / std::max(train.replicas_mean, 1.0);
  nlohmann::ordered_json candidate;
  candidate["name"] = "fitted-vllm";
  candidate["platform"] = options.platform;
  candidate["node_type"] = options.node.node_type;
  candidate["min_replicas"] = std::max<uint32_t>(1, train.replicas_min);
  candidate["max_replicas"] = std::max<uint32_t>(1, train.replicas_max);
  // Whole replicas per node (each on tensor_parallel GPUs); enough nodes for the most replicas seen.
  const uint32_t gpus_per_replica = std::max<uint32_t>(1, options.tensor_parallel);
  const uint32_t per_node = std::max<uint32_t>(1, options.node.gpus_per_node / gpus_per_replica);
  candidate["max_nodes"] = (std::max<uint32_t>(1, train.replicas_max) + per_node - 1) / per_node;
  if (gpus_per_replica > 1) candidate["llm_tensor_parallel"] = gpus_per_replica;
  candidate["hpa_metric"] = "requests_per_pod";
  candidate["hpa_target_requests_per_pod_per_s"] = std::max(0.001, std::round(per_pod_rps * 1000) / 1000);
  doc["candidates"] = nlohmann::ordered_json::array({candidate});
  return doc;
}

}  // namespace servesim::calibrate
