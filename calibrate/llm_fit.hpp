#pragma once
// The kubernetes-gpu scenario fitted from a vLLM deployment's Prometheus metrics
// (calibrate/prometheus_fit.hpp): the arrivals as a per-second rate trace that replays each scrape interval's
// finished requests, spread evenly over its seconds (the simulator places them within each second as a
// Poisson process); the mean input and output tokens per request as the model's default tokens, and, where
// vLLM's token histograms were exported, each request's tokens drawn from them (token_histogram_distribution;
// else every request carries the means); the model (service.llm preset) and the GPU's node type; the replica
// range seen, with an HPA on requests per pod whose target is the training part's mean rate per replica.
//
//   const calibrate::VllmWindow train = metrics.window(first_s, split_s);
//   calibrate::LlmScenarioOptions options;
//   options.preset = "llama-3.1-8b";
//   options.node = calibrate::node_for_gpu(*entry, "h100");
//   const auto scenario = calibrate::kubernetes_llm_scenario(train, options);
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "calibrate/prometheus_fit.hpp"
#include "platforms/catalog.hpp"

namespace servesim::calibrate {

// A node type of the platform's catalogue entry with the GPU `gpu` (the first listed: the smallest).
struct NodeChoice {
  std::string node_type;  // "" when no node type has that GPU
  std::string gpu;
  uint32_t gpus_per_node = 1;
};
NodeChoice node_for_gpu(const platforms::PlatformEntry& entry, const std::string& gpu);
// The GPUs the entry's node types offer, in its order, each once.
std::vector<std::string> node_gpus(const platforms::PlatformEntry& entry);

// The rate trace (one integer per second, from the first scrape's second) holding each interval's requests
// (`per_interval[k]`, the interval (scrapes[k], scrapes[k+1]]) spread evenly over the interval's whole
// seconds; times are rounded to whole seconds from the first scrape.
std::string rate_trace_text(const std::vector<double>& scrapes, const std::vector<double>& per_interval);

struct LlmScenarioOptions {
  std::string name;
  std::string rate_file = "rate.txt";  // relative to the scenario
  std::string preset;                  // service.llm model
  std::string served_model;            // as the metrics name it ("" when given by --model only)
  NodeChoice node;
  uint32_t tensor_parallel = 1;  // GPUs per replica (llm_tensor_parallel)
  // The model's context [tokens] (service.llm max_context_tokens, vLLM's max-model-len by default): the
  // upper bound of the token histograms' +Inf bucket (0: twice the largest finite bound).
  uint32_t max_context_tokens = 0;
  uint64_t seed = 1;
  double interval_s = 60;  // metrics.interval_s
  std::string platform;    // the candidate's platform (the registry's name)
  std::string note;        // appended to the description
};

// A vLLM token-count histogram's window (cumulative counts per le, +Inf last) as a scenario distribution of
// tokens: {"type": "histogram", "bounds_tokens": [0, le1, le2, ...], "counts": [per bucket]}, uniform within
// a bucket between its bounds (the first from 0, as histogram_quantile takes it). The +Inf bucket, when it
// holds observations, ends at `inf_upper_tokens` (a request's tokens cannot pass the max-model-len, and
// vLLM's largest finite bound is the largest 1-2-5 value below it); when that is not above the largest finite
// bound (custom buckets), at twice that bound. Null when the histogram has no observations. With a
// `mean_tokens` (the token counter's increase over the requests) strictly between the buckets' lower- and
// upper-bound means, it is written as "mean_tokens": the density within the buckets then is the
// maximum-entropy one with that mean (sim::Distribution::histogram), not uniform; NaN or out of range: left
// out.
nlohmann::ordered_json token_histogram_distribution(
    const HistogramWindow& histogram, double inf_upper_tokens,
    double mean_tokens = std::numeric_limits<double>::quiet_NaN());
// Whether both token histograms have observations in the window.
bool has_token_histograms(const VllmWindow& window);

nlohmann::ordered_json kubernetes_llm_scenario(const VllmWindow& train, const LlmScenarioOptions& options);
// The fitted values and their sample sizes, in one paragraph.
std::string describe(const VllmWindow& train, const LlmScenarioOptions& options);

}  // namespace servesim::calibrate
