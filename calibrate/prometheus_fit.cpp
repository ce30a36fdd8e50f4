#include "calibrate/prometheus_fit.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <set>

#include "core/input_error.hpp"

namespace servesim::calibrate {

double counter_increase(const PromSeries& series, double from_s, double to_s, double origin_s) {
  double sum = 0, previous = NAN;
  bool first = true;
  for (const auto& p : series.samples) {
    if (p.t_s > to_s) break;
    if (std::isnan(p.value)) continue;
    double rise = 0;
    if (first)
      rise = p.t_s > origin_s ? p.value : 0;  // a counter that appeared later started from 0
    else
      rise = p.value >= previous ? p.value - previous : p.value;  // a drop: restarted from 0
    first = false;
    previous = p.value;
    if (p.t_s > from_s) sum += rise;
  }
  return sum;
}

double histogram_quantile(double q, const std::vector<std::pair<double, double>>& buckets, double* low,
                          double* high) {
  if (low) *low = NAN;
  if (high) *high = NAN;
  if (buckets.size() < 2 || !std::isinf(buckets.back().first)) return NAN;
  const double total = buckets.back().second;
  if (!(total > 0)) return NAN;
  const double rank = q * total;
  size_t b = 0;
  while (b < buckets.size() - 1 && buckets[b].second < rank) ++b;
  if (b == buckets.size() - 1) {  // the +Inf bucket: the largest finite bound, as PromQL answers
    if (low) *low = buckets[b - 1].first;
    if (high) *high = HUGE_VAL;
    return buckets[b - 1].first;
  }
  const double end = buckets[b].first;
  const double start = b == 0 ? std::min(0.0, end) : buckets[b - 1].first;
  const double below = b == 0 ? 0 : buckets[b - 1].second;
  if (low) *low = start;
  if (high) *high = end;
  if (b == 0 && end <= 0) return end;
  const double in_bucket = buckets[b].second - below;
  if (!(in_bucket > 0)) return end;
  return start + (end - start) * (rank - below) / in_bucket;
}

QuantileEstimate HistogramWindow::quantile(double q) const {
  QuantileEstimate e;
  e.value_s = histogram_quantile(q, buckets, &e.low_s, &e.high_s);
  return e;
}

namespace {

// vLLM's metric names (docs/calibrate.md, "Prometheus": the vLLM documentation's "Production Metrics").
constexpr const char* kSuccess = "vllm:request_success_total";
constexpr const char* kPrompt = "vllm:prompt_tokens_total";
constexpr const char* kGeneration = "vllm:generation_tokens_total";
constexpr const char* kRunning = "vllm:num_requests_running";
constexpr const char* kWaiting = "vllm:num_requests_waiting";
constexpr const char* kE2e = "vllm:e2e_request_latency_seconds_bucket";
constexpr const char* kTtft = "vllm:time_to_first_token_seconds_bucket";
constexpr const char* kTpot = "vllm:time_per_output_token_seconds_bucket";
constexpr const char* kItl = "vllm:inter_token_latency_seconds_bucket";  // its newer name
// Token-count histograms (buckets 1, 2, 5, 10, 20, 50, ... up to the max-model-len: vLLM's
// build_1_2_5_buckets(max_model_len)); optional.
constexpr const char* kPromptHistogram = "vllm:request_prompt_tokens_bucket";
constexpr const char* kGenerationHistogram = "vllm:request_generation_tokens_bucket";
constexpr const char* kGpuCache = "vllm:gpu_cache_usage_perc";
constexpr const char* kKvCache = "vllm:kv_cache_usage_perc";  // its newer name
constexpr const char* kReplicas = "kube_deployment_status_replicas";

std::string prom_pod_of(const PromSeries& s) {
  for (const char* key : {"pod", "instance", "kubernetes_pod_name"}) {
    const std::string v = s.label(key);
    if (!v.empty()) return v;
  }
  return series_key(s.name, s.labels);
}

// The value of the series at exactly t (NaN when it has no sample there).
double prom_value_at(const PromSeries& s, double t) {
  const auto it = std::lower_bound(s.samples.begin(), s.samples.end(), t,
                                   [](const PromSample& p, double x) { return p.t_s < x; });
  return it != s.samples.end() && it->t_s == t ? it->value : NAN;
}

std::vector<std::string> gpu_words_of(const std::string& text) {
  std::vector<std::string> out;
  std::string token;
  for (const char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      token += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (!token.empty()) {
      out.push_back(token);
      token.clear();
    }
  }
  if (!token.empty()) out.push_back(token);
  return out;
}

}  // namespace

VllmMetrics::VllmMetrics(const PromData& data, const std::string& file) : data_(data), file_(file) {
  const auto need = [&](const char* name, const char* alternative = nullptr) {
    std::vector<const PromSeries*> found = data.named(name);
    if (found.empty() && alternative) found = data.named(alternative);
    if (found.empty())
      throw input_error(
          file, "",
          std::string("expected vLLM's ") + name +
              (alternative ? std::string(" (or ") + alternative + ")" : "") +
              " in the Prometheus data (docs/calibrate.md lists the metrics to export), found none");
    return found;
  };
  success_ = need(kSuccess);
  prompt_ = need(kPrompt);
  generation_ = need(kGeneration);
  running_ = need(kRunning);
  e2e_ = need(kE2e);
  ttft_ = need(kTtft);
  tpot_ = need(kTpot, kItl);
  waiting_ = data.named(kWaiting);
  kv_usage_ = data.named(kGpuCache);
  if (kv_usage_.empty()) kv_usage_ = data.named(kKvCache);
  replicas_ = data.named(kReplicas);
  prompt_histogram_ = data.named(kPromptHistogram);
  generation_histogram_ = data.named(kGenerationHistogram);
  std::set<double> times;
  for (const auto* s : success_)
    for (const auto& p : s->samples) times.insert(p.t_s);
  scrapes_.assign(times.begin(), times.end());
  for (const auto* list : {&e2e_, &ttft_, &tpot_, &prompt_histogram_, &generation_histogram_})
    for (const auto* s : *list)
      if (s->label("le").empty())
        throw input_error(s->file, s->name,
                          "expected a bucket with an le label, got " + series_key(s->name, s->labels));
}

double VllmMetrics::sum_increase(const std::vector<const PromSeries*>& series, double from_s,
                                 double to_s) const {
  const double origin = scrapes_.empty() ? 0 : scrapes_.front();
  double sum = 0;
  for (const auto* s : series) sum += counter_increase(*s, from_s, to_s, origin);
  return sum;
}

std::vector<double> VllmMetrics::requests_per_interval() const {
  std::vector<double> out;
  for (size_t k = 0; k + 1 < scrapes_.size(); ++k)
    out.push_back(sum_increase(success_, scrapes_[k], scrapes_[k + 1]));
  return out;
}

HistogramWindow VllmMetrics::histogram(const std::vector<const PromSeries*>& buckets, double from_s,
                                       double to_s) const {
  std::map<double, double> by_le;
  const double origin = scrapes_.empty() ? 0 : scrapes_.front();
  for (const auto* s : buckets) {
    const std::string le = s->label("le");
    double bound = 0;
    if (le == "+Inf" || le == "Inf")
      bound = HUGE_VAL;
    else
      try {
        size_t used = 0;
        bound = std::stod(le, &used);
        if (used != le.size()) throw std::invalid_argument(le);
      } catch (const std::exception&) {
        throw input_error(s->file, series_key(s->name, s->labels),
                          "expected le a number or +Inf, got " + excerpt(le));
      }
    by_le[bound] += counter_increase(*s, from_s, to_s, origin);
  }
  HistogramWindow w;
  w.buckets.assign(by_le.begin(), by_le.end());
  // Sums over pods of cumulative counts stay cumulative; a scrape that caught buckets mid-update may not:
  // made monotone as PromQL does.
  for (size_t i = 1; i < w.buckets.size(); ++i)
    w.buckets[i].second = std::max(w.buckets[i].second, w.buckets[i - 1].second);
  if (!w.buckets.empty() && std::isinf(w.buckets.back().first)) w.count = w.buckets.back().second;
  return w;
}

VllmWindow VllmMetrics::window(double from_s, double to_s) const {
  VllmWindow w;
  w.from_s = from_s;
  w.to_s = to_s;
  w.requests = sum_increase(success_, from_s, to_s);
  w.prompt_tokens = sum_increase(prompt_, from_s, to_s);
  w.generation_tokens = sum_increase(generation_, from_s, to_s);
  w.e2e = histogram(e2e_, from_s, to_s);
  w.ttft = histogram(ttft_, from_s, to_s);
  w.tpot = histogram(tpot_, from_s, to_s);
  w.prompt_tokens_histogram = histogram(prompt_histogram_, from_s, to_s);
  w.generation_tokens_histogram = histogram(generation_histogram_, from_s, to_s);
  double kv_sum = 0, kv_n = 0, replica_sum = 0;
  w.replicas_min = UINT32_MAX;
  for (const double t : scrapes_) {
    if (!(t > from_s && t <= to_s)) continue;
    ++w.scrapes;
    std::set<std::string> pods;
    double running = 0, waiting = 0;
    for (const auto* s : running_) {
      const double v = prom_value_at(*s, t);
      if (std::isnan(v)) continue;
      pods.insert(prom_pod_of(*s));
      running += v;
    }
    for (const auto* s : waiting_) {
      const double v = prom_value_at(*s, t);
      if (!std::isnan(v)) waiting += v;
    }
    for (const auto* s : kv_usage_) {
      const double v = prom_value_at(*s, t);
      if (!std::isnan(v)) {
        kv_sum += v;
        ++kv_n;
      }
    }
    auto replicas = static_cast<uint32_t>(pods.size());
    if (pods.empty() && !replicas_.empty()) {  // no vLLM gauge at this scrape: kube-state-metrics
      double n = 0;
      for (const auto* s : replicas_) {
        const double v = prom_value_at(*s, t);
        if (!std::isnan(v)) n += v;
      }
      replicas = static_cast<uint32_t>(std::llround(n));
    }
    w.replicas_min = std::min(w.replicas_min, replicas);
    w.replicas_max = std::max(w.replicas_max, replicas);
    replica_sum += replicas;
    w.running_peak = std::max(w.running_peak, running);
    w.waiting_peak = std::max(w.waiting_peak, waiting);
  }
  if (w.scrapes == 0) w.replicas_min = 0;
  w.replicas_mean = w.scrapes ? replica_sum / static_cast<double>(w.scrapes) : 0;
  if (kv_n > 0) w.kv_usage_mean = kv_sum / kv_n;
  return w;
}

std::vector<std::pair<double, double>> VllmMetrics::running_per_scrape() const {
  std::vector<std::pair<double, double>> out;
  for (const double t : scrapes_) {
    double running = 0;
    for (const auto* s : running_) {
      const double v = prom_value_at(*s, t);
      if (!std::isnan(v)) running += v;
    }
    out.emplace_back(t, running);
  }
  return out;
}

std::string VllmMetrics::model_label() const {
  for (const auto* list : {&success_, &running_, &e2e_})
    for (const auto* s : *list) {
      const std::string v = s->label("model_name");
      if (!v.empty()) return v;
    }
  return "";
}

std::string VllmMetrics::gpu_label() const {
  for (const auto& s : data_.series)
    for (const char* key :
         {"gpu", "gpu_type", "modelName", "nvidia_com_gpu_product", "label_nvidia_com_gpu_product"}) {
      const std::string v = s.label(key);
      if (!v.empty()) return v;
    }
  return "";
}

std::string llm_preset_of(const std::string& served_name, const std::vector<std::string>& presets) {
  std::string name = served_name.substr(
      served_name.find_last_of('/') == std::string::npos ? 0 : served_name.find_last_of('/') + 1);
  for (auto& c : name) c = c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (name.rfind("meta-", 0) == 0) name = name.substr(5);
  std::string best;
  for (const auto& preset : presets)
    if (name.rfind(preset, 0) == 0 && (name.size() == preset.size() || name[preset.size()] == '-') &&
        preset.size() > best.size())
      best = preset;
  return best;
}

std::string gpu_key_of(const std::string& text, const std::vector<std::string>& gpus) {
  const std::vector<std::string> words = gpu_words_of(text);
  const std::set<std::string> have(words.begin(), words.end());
  std::string best;
  size_t best_parts = 0;
  for (const auto& gpu : gpus) {
    const std::vector<std::string> parts = gpu_words_of(gpu);
    if (parts.empty()) continue;
    if (!std::all_of(parts.begin(), parts.end(), [&](const std::string& p) { return have.count(p) > 0; }))
      continue;
    if (parts.size() > best_parts) {
      best = gpu;
      best_parts = parts.size();
    }
  }
  return best;
}

}  // namespace servesim::calibrate
