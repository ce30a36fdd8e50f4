#include "advisor/thresholds.hpp"

#include <stdexcept>

#include "core/input_error.hpp"
#include "core/json_fields.hpp"

namespace servesim::advisor {

const std::vector<ThresholdSpec>& threshold_table() {
  static const std::vector<ThresholdSpec> table = {
      {"serverless_min_slo_ms", "ms", 10, 0, 1e7,
       "Below ~10 ms p99 a function's invocation path (front door + runtime hand-off, several ms) and any "
       "cold "
       "start (0.2-10 s, docs/platform-sources.md) use up the budget: serve from a warm container or the "
       "edge."},
      {"serverless_max_model_mb", "MB", 5000, 0, 1e9,
       "Above 5 GB every cold start fetches and loads > 5 GB (about 60 s at the ~85 MB/s of one S3 "
       "connection); "
       "Lambda images stop at 10 GB and Azure Flex memory at 4 GB: containers that keep the model loaded."},
      {"gpu_min_cpu_slo_share", "fraction", 0.5, 0, 1e6,
       "A model is GPU-intensive when its compute alone, on the largest function CPU share, takes more than "
       "this share of the p99 SLO (the rest is left for queueing, network and tail)."},
      {"cpu_gflops_per_vcpu", "GFLOP/s", 20, 1e-6, 1e9,
       "Estimated effective fp32 throughput of one vCPU running ONNX Runtime (AVX2 peak ~80 GFLOP/s per core "
       "at 2.5 GHz; inference kernels reach ~25%). Not measured: override with your profile."},
      {"function_max_vcpu", "vCPU", 6, 1e-6, 1e6,
       "Largest CPU share of a function: Lambda 6 vCPU at >= 8,846 MB (Cloud Run allows 8)."},
      {"steady_min_utilisation", "fraction", 0.5, 0, 1e9,
       "Steady high throughput: the mean load keeps at least half a reference instance busy around the "
       "clock. "
       "Break-even: Lambda at 1,769 MB (1 vCPU) busy 1 h costs $0.106 vs ~$0.04-0.05/h for a 1-vCPU VM, so "
       "reserved capacity is cheaper above ~40-50% utilisation."},
      {"steady_max_peak_to_mean", "ratio", 2, 1, 1e9,
       "...and the busiest minute is at most twice the mean: a fleet sized for the peak stays >= 50% busy."},
      {"spiky_min_peak_to_mean", "ratio", 3, 1, 1e9,
       "Spiky: the busiest minute is >= 3x the mean (the Twitter trending-topic trace reaches 6x): a fixed "
       "fleet sized for the peak idles two thirds of the time, an autoscaler must react within minutes."},
      {"spiky_min_cv", "ratio", 1, 0, 1e9,
       "Unpredictable: the per-minute rates' coefficient of variation is >= 1 (Poisson traffic of a few "
       "requests per second already has CV ~ 1/sqrt(60 x rate), far below 1)."},
      {"intermittent_min_idle_fraction", "fraction", 0.3, 0, 1,
       "Intermittent: >= 30% of the minutes see no request: scale-to-zero bills nothing for them."},
      {"cache_min_repeat_share", "fraction", 0.3, 0, 1,
       "An edge cache in front pays when >= 30% of requests repeat an input already seen: each hit saves an "
       "inference and its latency, whatever the back end."},
      {"reference_instance_concurrency", "requests", 1, 1e-6, 1e9,
       "Capacity of the reference instance of the utilisation fact: requests it serves at once on "
       "service.reference_vcpu (1 = one request at a time, as the service times were measured)."},
      {"pool_target_utilisation", "fraction", 0.7, 1e-3, 1,
       "Default warm-container candidate: servers = ceil(peak-minute load / this); 70% leaves queueing "
       "headroom (M/M/c waits grow sharply above ~80%)."},
  };
  return table;
}

namespace {

const ThresholdSpec* find_spec(const std::string& key) {
  for (const auto& t : threshold_table())
    if (key == t.key) return &t;
  return nullptr;
}

// "serverless_min_slo_s" -> the threshold with the same stem and another unit suffix, if any.
const ThresholdSpec* same_stem(const std::string& key) {
  const auto cut = key.rfind('_');
  if (cut == std::string::npos) return nullptr;
  const std::string stem = key.substr(0, cut + 1);
  for (const auto& t : threshold_table()) {
    const std::string k = t.key;
    if (k.size() > stem.size() && k.compare(0, stem.size(), stem) == 0 &&
        k.find('_', stem.size()) == std::string::npos)
      return &t;
  }
  return nullptr;
}

}  // namespace

Thresholds::Thresholds() {
  for (const auto& t : threshold_table()) values_[t.key] = t.value;
}

Thresholds Thresholds::from_json(const nlohmann::json& section, const std::string& file,
                                 const std::string& pointer) {
  Thresholds out;
  if (section.is_null()) return out;
  if (!section.is_object())
    throw input_error(file, pointer,
                      "expected an object of threshold overrides, got " + core::quote_json(section));
  for (const auto& [key, given] : section.items()) {
    const std::string ptr = pointer + "/" + core::JsonFields::escape(key);
    const ThresholdSpec* spec = find_spec(key);
    if (key == "slo_min_attainment")
      throw input_error(
          file, ptr,
          "moved: the attainment target is part of the SLO now (/slo/attainment_target), so that "
          "the report, the advisor, tune and sweep judge the SLO alike");
    if (!spec) {
      if (const ThresholdSpec* other = same_stem(key))
        throw input_error(file, ptr,
                          std::string("wrong unit: this threshold is ") + other->key + " [" + other->unit +
                              "], got " + key);
      std::string known;
      for (const auto& t : threshold_table()) known += std::string(known.empty() ? "" : ", ") + t.key;
      throw input_error(file, ptr, "unknown threshold (known: " + known + ")");
    }
    const nlohmann::json* value = &given;
    if (given.is_object()) {
      for (const auto& [k, v] : given.items())
        if (k != "value" && k != "unit")
          throw input_error(file, ptr + "/" + core::JsonFields::escape(k),
                            "unknown key (use \"value\" and \"unit\")");
      if (!given.contains("value")) throw input_error(file, ptr + "/value", "missing");
      if (given.contains("unit") && given["unit"] != spec->unit)
        throw input_error(file, ptr + "/unit",
                          std::string("wrong unit: expected \"") + spec->unit + "\", got " +
                              core::quote_json(given["unit"]));
      value = &given["value"];
    }
    if (!value->is_number())
      throw input_error(
          file, ptr, std::string("expected a number [") + spec->unit + "], got " + core::quote_json(*value));
    const double v = value->get<double>();
    if (!(v >= spec->min && v <= spec->max))
      throw input_error(file, ptr,
                        "expected " + core::quote_number(spec->min) + ".." + core::quote_number(spec->max) +
                            " " + spec->unit + ", got " + core::quote_number(v));
    out.values_[key] = v;
    out.overridden_[key] = true;
  }
  return out;
}

double Thresholds::get(const std::string& key) const {
  const auto it = values_.find(key);
  if (it == values_.end()) throw std::out_of_range("advisor: no threshold " + key);
  return it->second;
}

}  // namespace servesim::advisor
