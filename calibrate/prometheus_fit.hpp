#pragma once
// What a vLLM deployment's Prometheus metrics (calibrate/prometheus_scrape.hpp) say about its traffic and
// its latency, over a window of time, and the kubernetes-gpu scenario fitted from them:
// - the arrival stream: the increase of vllm:request_success_total (summed over pods and finish reasons)
//   between consecutive scrapes, with counter resets taken as Prometheus takes them (a drop means the
//   counter restarted from 0);
// - the mean input and output tokens per request: the increases of vllm:prompt_tokens_total and
//   vllm:generation_tokens_total over that of the requests; their distributions from the histograms
//   vllm:request_prompt_tokens and vllm:request_generation_tokens when exported (bucket increases, as for
//   the latency histograms);
// - replicas: the pods (`pod`, else `instance` label) with a vllm:num_requests_running sample at a scrape;
// - TTFT, TPOT (vllm:time_per_output_token_seconds, or vllm:inter_token_latency_seconds of newer versions)
//   and end-to-end latency percentiles from the histograms' bucket increases, interpolated linearly within
//   the bucket as PromQL's histogram_quantile does: an estimate, the true value lies in the bucket's bounds.
//
//   const calibrate::VllmMetrics metrics(data, "vllm.prom");
//   const calibrate::VllmWindow w = metrics.window(from_s, to_s);
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "calibrate/prometheus_scrape.hpp"

namespace servesim::calibrate {

// The increase of a counter series over (from_s, to_s]: the sum of its rises between consecutive samples
// whose later sample lies in the window, a drop counting as a restart from 0 (the later value is the
// increase). A series whose first sample comes after `origin_s` (a pod that started later) rose from 0 to
// its first value. NaN samples are skipped.
double counter_increase(const PromSeries& series, double from_s, double to_s, double origin_s);

// PromQL's histogram_quantile over cumulative bucket counts (le, count), le ascending with +Inf last: the
// bucket where the rank q x total falls, interpolated linearly from its lower bound (0 for the first) to its
// upper bound; in the +Inf bucket, the largest finite bound. NaN without observations. `low`, `high`: the
// bucket's bounds, which hold the true quantile.
double histogram_quantile(double q, const std::vector<std::pair<double, double>>& buckets,
                          double* low = nullptr, double* high = nullptr);

struct QuantileEstimate {
  double value_s = 0, low_s = 0, high_s = 0;  // the estimate and its bucket's bounds
};
struct HistogramWindow {
  double count = 0;  // observations in the window (the +Inf bucket's increase)
  std::vector<std::pair<double, double>> buckets;
  QuantileEstimate quantile(double q) const;
};

struct VllmWindow {
  double from_s = 0, to_s = 0;  // (from, to] [s since 1970]
  double requests = 0;          // increase of vllm:request_success_total
  double prompt_tokens = 0, generation_tokens = 0;
  HistogramWindow e2e, ttft, tpot;
  // vllm:request_prompt_tokens, vllm:request_generation_tokens (le in tokens); empty when not exported.
  HistogramWindow prompt_tokens_histogram, generation_tokens_histogram;
  uint32_t replicas_min = 0, replicas_max = 0;
  double replicas_mean = 0;
  double running_peak = 0;    // the most requests running over all pods at one scrape
  double waiting_peak = 0;    // the same of vllm:num_requests_waiting (0 when not exported)
  double kv_usage_mean = -1;  // mean of the KV-cache usage gauge over pods and scrapes (-1: not exported)
  size_t scrapes = 0;         // scrape times in the window
  double mean_input_tokens() const { return requests > 0 ? prompt_tokens / requests : 0; }
  double mean_output_tokens() const { return requests > 0 ? generation_tokens / requests : 0; }
};

class VllmMetrics {
 public:
  // Throws InputError naming `file` when a metric the fit needs is missing.
  VllmMetrics(const PromData& data, const std::string& file);

  // The scrape times: every time at which a vllm:request_success_total series has a sample, ascending.
  const std::vector<double>& scrapes() const { return scrapes_; }
  // The requests finished in each interval (scrapes[k], scrapes[k+1]].
  std::vector<double> requests_per_interval() const;
  VllmWindow window(double from_s, double to_s) const;
  // The served model's name (the model_name label; "" when absent) and a GPU named by a label (`gpu`,
  // `gpu_type`, DCGM's `modelName`, a relabelled `nvidia_com_gpu_product`; "" when none).
  std::string model_label() const;
  std::string gpu_label() const;
  // Running requests summed over pods at each scrape time, in order.
  std::vector<std::pair<double, double>> running_per_scrape() const;

 private:
  double sum_increase(const std::vector<const PromSeries*>& series, double from_s, double to_s) const;
  HistogramWindow histogram(const std::vector<const PromSeries*>& buckets, double from_s, double to_s) const;
  const PromData& data_;
  std::string file_;
  std::vector<double> scrapes_;
  std::vector<const PromSeries*> success_, prompt_, generation_, running_, waiting_, kv_usage_, replicas_;
  std::vector<const PromSeries*> e2e_, ttft_, tpot_;
  std::vector<const PromSeries*> prompt_histogram_, generation_histogram_;  // optional
};

// A served model's name ("meta-llama/Llama-3.1-8B-Instruct") as one of `presets` ("llama-3.1-8b"): the
// part after the last '/', lower case, without a leading "meta-", that starts with a preset followed by its
// end or '-'; the longest such preset. "" when none does.
std::string llm_preset_of(const std::string& served_name, const std::vector<std::string>& presets);
// A GPU as written in a label or an option ("NVIDIA H100 80GB HBM3", "NVIDIA-A100-SXM4-80GB", "h100") as
// one of `gpus` (the catalogue's keys: "h100", "a100-80gb", "l4", ...); "" when none matches.
std::string gpu_key_of(const std::string& text, const std::vector<std::string>& gpus);

}  // namespace servesim::calibrate
