#include "calibrate/llm_calibration.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "calibrate/llm_fit.hpp"
#include "calibrate/prometheus_fit.hpp"
#include "calibrate/replay.hpp"
#include "calibrate/validation.hpp"
#include "core/atomic_file.hpp"
#include "core/input_error.hpp"
#include "core/json_fields.hpp"
#include "platforms/catalog.hpp"
#include "reports/output_dir.hpp"
#include "sim/llm_presets.hpp"

namespace servesim::calibrate {
namespace {

// The warm-up replayed before the window: two of the HPA's 300-s scale-down stabilization windows, so that
// the replay's replicas and batches have settled when the window starts.
constexpr double kLlmWarmupS = 600;
constexpr double kMinWindowRequests = 10;

// The compared figures, in validation.json's order.
enum LlmMetric : size_t {
  ttft_p50,
  ttft_p99,
  tpot_p50,
  e2e_p50,
  e2e_p99,
  running_mean,
  running_peak,
  kLlmMetrics
};
struct LlmMetricInfo {
  const char* name;
  const char* unit;
  const char* meaning;
};
const LlmMetricInfo kLlmInfo[kLlmMetrics] = {
    {"ttft_p50_ms", "ms", "median time to first token (vllm:time_to_first_token_seconds)"},
    {"ttft_p99_ms", "ms", "99th percentile of the time to first token"},
    {"tpot_p50_ms", "ms",
     "median time per output token: observed over every output-token interval "
     "(vllm:time_per_output_token_seconds), simulated over the requests' mean interval"},
    {"e2e_p50_ms", "ms", "median end-to-end request latency (vllm:e2e_request_latency_seconds)"},
    {"e2e_p99_ms", "ms", "99th percentile of the end-to-end request latency"},
    {"running_requests_mean", "requests",
     "requests running over all pods (vllm:num_requests_running summed), averaged over the window's scrapes; "
     "simulated: time average of the sequences in the replicas' batches"},
    {"running_requests_peak", "requests",
     "observed: the most requests running over all pods at one scrape; simulated: the largest "
     "scrape-interval "
     "mean (an instantaneous peak is higher than an interval mean, so this side reads low)"}};

double median_step_s(const std::vector<double>& scrapes) {
  std::vector<double> steps;
  for (size_t k = 1; k < scrapes.size(); ++k) steps.push_back(scrapes[k] - scrapes[k - 1]);
  std::sort(steps.begin(), steps.end());
  return std::max(1.0, std::round(steps[steps.size() / 2]));
}

std::string list_text(const std::vector<std::string>& items) {
  std::string text;
  for (const auto& item : items) text += (text.empty() ? "" : ", ") + item;
  return text;
}

// The service.llm preset: --model, else the model_name label.
std::string resolve_model(const CalibrateOptions& options, const VllmMetrics& metrics, std::string& served) {
  const std::vector<std::string> presets = sim::llm_preset_names();
  if (!options.model.empty()) {
    const std::string preset = llm_preset_of(options.model, presets);
    if (preset.empty())
      throw input_error("command line", "--model",
                        "expected a model ServeSim has a preset of (" + list_text(presets) +
                            ") or a served name that starts with one, got '" + excerpt(options.model) + "'");
    served = options.model;
    return preset;
  }
  served = metrics.model_label();
  const std::string preset = llm_preset_of(served, presets);
  if (preset.empty())
    throw input_error(options.logs.front(), "",
                      "expected the served model in a model_name label naming one of ServeSim's presets (" +
                          list_text(presets) + "), got '" + excerpt(served) + "'; give --model PRESET");
  return preset;
}

// The node type: --gpu, else a GPU label.
NodeChoice resolve_node(const CalibrateOptions& options, const VllmMetrics& metrics,
                        const platforms::PlatformEntry& entry) {
  const std::vector<std::string> gpus = node_gpus(entry);
  const bool from_option = !options.gpu.empty();
  const std::string text = from_option ? options.gpu : metrics.gpu_label();
  const std::string gpu = gpu_key_of(text, gpus);
  if (gpu.empty()) {
    const std::string expected = "a GPU of the platform's node types (" + list_text(gpus) + ")";
    if (from_option)
      throw input_error("command line", "--gpu", "expected " + expected + ", got '" + excerpt(text) + "'");
    throw input_error(options.logs.front(), "",
                      "expected " + expected + " named by a gpu, gpu_type or modelName (DCGM) label, got " +
                          (text.empty() ? std::string("no such label") : "'" + excerpt(text) + "'") +
                          "; give --gpu GPU");
  }
  return node_for_gpu(entry, gpu);
}

struct LlmReplayFigures {
  double value[kLlmMetrics] = {};
  uint64_t arrived = 0;
};

LlmReplayFigures simulate_llm_window(const ReplayWindow& window, uint64_t seed) {
  const ReplayRun full = replay_run(window, seed, false);
  const ReplayRun warmup = replay_run(window, seed, true);
  LlmReplayFigures out;
  out.arrived = full.result.requests.arrived - warmup.result.requests.arrived;
  const auto ttft = difference_quantiles_ms(full.result.llm.ttft, warmup.result.llm.ttft, {0.5, 0.99}, true);
  const auto tpot = difference_quantiles_ms(full.result.llm.tpot, warmup.result.llm.tpot, {0.5}, true);
  const auto e2e = difference_quantiles_ms(full.result.latency, warmup.result.latency, {0.5, 0.99}, true);
  out.value[ttft_p50] = ttft[0];
  out.value[ttft_p99] = ttft[1];
  out.value[tpot_p50] = tpot[0];
  out.value[e2e_p50] = e2e[0];
  out.value[e2e_p99] = e2e[1];
  double sum = 0, peak = 0, n = 0;
  for (const auto& row : full.rows) {
    const double from = window.warmup_from_s + row.start_s, to = window.warmup_from_s + row.end_s;
    if (from + 1e-9 >= window.peak_from_s && to <= window.window_to_s + 1e-9 &&
        std::abs(row.end_s - row.start_s - window.interval_s) < 1e-9) {
      sum += row.llm_running_mean;
      peak = std::max(peak, row.llm_running_mean);
      ++n;
    }
  }
  out.value[running_mean] = n > 0 ? sum / n : 0;
  out.value[running_peak] = peak;
  return out;
}

}  // namespace

CalibrateOutcome calibrate_vllm(const CalibrateOptions& options) {
  const std::string& first_file = options.logs.front();
  PromData data;
  for (const auto& path : options.logs) read_prometheus(path, data);
  finish_prometheus(data);
  const VllmMetrics metrics(data, first_file);
  const std::vector<double>& scrapes = metrics.scrapes();
  if (scrapes.size() < 4)
    throw input_error(
        first_file, "",
        "expected at least 4 scrapes of vllm:request_success_total, got " + std::to_string(scrapes.size()));
  const double origin_s = scrapes.front(), end_s = scrapes.back();
  // rate.txt holds one line per second of the span, and the replay runs over it.
  constexpr double kMaxSpanS = 31 * 86400.0;
  if (end_s - origin_s > kMaxSpanS)
    throw input_error(first_file, "",
                      "expected scrapes spanning at most 31 days (calibrate a shorter period), got " +
                          core::quote_number(std::round((end_s - origin_s) / 86400)) + " days");
  // The split: the first scrape at or after train_fraction of the span.
  const double target_s = origin_s + std::floor(options.train_fraction * (end_s - origin_s));
  const double split_s = *std::lower_bound(scrapes.begin(), scrapes.end(), target_s);
  const VllmWindow train = metrics.window(origin_s, split_s);
  const VllmWindow test = metrics.window(split_s, end_s);
  if (split_s >= end_s || test.requests < kMinWindowRequests || train.requests < kMinWindowRequests)
    throw input_error(first_file, "",
                      "expected at least 10 finished requests on each side of the split at " +
                          core::quote_number(split_s - origin_s) + " s of " +
                          core::quote_number(end_s - origin_s) + " s (--train-fraction " +
                          core::quote_number(options.train_fraction) + "), got " +
                          core::quote_number(train.requests) + " and " + core::quote_number(test.requests));

  const platforms::PlatformEntry* entry = platforms::find_platform(options.platform);
  if (!entry) throw std::logic_error("calibrate: no catalogue entry for " + options.platform);
  LlmScenarioOptions scenario_options;
  scenario_options.preset = resolve_model(options, metrics, scenario_options.served_model);
  scenario_options.node = resolve_node(options, metrics, *entry);
  scenario_options.tensor_parallel = options.tensor_parallel;
  {
    // The preset's context bounds the token histograms' +Inf bucket (vLLM's max-model-len by default).
    const nlohmann::json llm = {{"model", scenario_options.preset}};
    core::JsonFields fields(llm, first_file, "/service/llm");
    scenario_options.max_context_tokens = sim::parse_llm(fields).max_context_tokens;
  }
  if (options.tensor_parallel < 1 || options.tensor_parallel > scenario_options.node.gpus_per_node)
    throw input_error("command line", "--tensor-parallel",
                      "expected 1.." + std::to_string(scenario_options.node.gpus_per_node) +
                          " (the GPUs of a " + scenario_options.node.node_type + " node), got " +
                          std::to_string(options.tensor_parallel));
  scenario_options.seed = options.seed;
  scenario_options.platform = options.platform;
  scenario_options.interval_s = median_step_s(scrapes);
  char note[200];
  std::snprintf(
      note, sizeof note,
      " Fitted on the first %.0f s of %.0f s of scrapes (--train-fraction %g); validation.json compares "
      "the rest.",
      split_s - origin_s, end_s - origin_s, options.train_fraction);
  scenario_options.note = note;
  const nlohmann::ordered_json scenario = kubernetes_llm_scenario(train, scenario_options);

  reports::OutputDirOptions dir_options;
  dir_options.force = options.force;
  dir_options.inputs = options.logs;
  reports::OutputDir::check(options.out_dir, dir_options);
  reports::OutputDir dir(options.out_dir, dir_options);
  core::write_file_atomic(dir.file(scenario_options.rate_file),
                          rate_trace_text(scrapes, metrics.requests_per_interval()));
  core::write_file_atomic(dir.file("scenario.json"), scenario.dump(2) + "\n");

  // The replay, in the rate trace's whole seconds from the first scrape.
  ReplayWindow window;
  window.scenario = nlohmann::json::parse(scenario.dump());
  // Errors name the scenario where it will be (a model that does not fit the GPUs: --tensor-parallel); the
  // replay reads rate.txt beside it in the temporary folder.
  window.scenario_file = (std::filesystem::path(options.out_dir) / "scenario.json").string();
  window.base_dir = std::filesystem::path(dir.file("scenario.json")).parent_path().string();
  window.interval_s = scenario_options.interval_s;
  window.window_from_s = std::round(split_s - origin_s);
  window.warmup_from_s =
      std::max(0.0, window.window_from_s - window.interval_s * std::ceil(kLlmWarmupS / window.interval_s));
  window.peak_from_s =
      window.warmup_from_s +
      window.interval_s * std::ceil((window.window_from_s - window.warmup_from_s) / window.interval_s);
  window.window_to_s = std::round(end_s - origin_s);

  // Observed: the histograms' estimates with their bucket bounds; the running gauge at the window's scrapes.
  double observed[kLlmMetrics] = {};
  double low[kLlmMetrics], high[kLlmMetrics];
  std::fill(std::begin(low), std::end(low), NAN);
  std::fill(std::begin(high), std::end(high), NAN);
  const auto put = [&](LlmMetric m, const HistogramWindow& h, double q) {
    const QuantileEstimate e = h.quantile(q);
    observed[m] = e.value_s * 1000;
    low[m] = e.low_s * 1000;
    high[m] = e.high_s * 1000;
  };
  put(ttft_p50, test.ttft, 0.5);
  put(ttft_p99, test.ttft, 0.99);
  put(tpot_p50, test.tpot, 0.5);
  put(e2e_p50, test.e2e, 0.5);
  put(e2e_p99, test.e2e, 0.99);
  double running_sum = 0, running_n = 0;
  for (const auto& [t, running] : metrics.running_per_scrape())
    if (t > split_s && t <= end_s) {
      running_sum += running;
      ++running_n;
    }
  observed[running_mean] = running_n > 0 ? running_sum / running_n : 0;
  observed[running_peak] = test.running_peak;

  std::vector<std::vector<double>> simulated(kLlmMetrics);
  uint64_t arrived = 0;
  for (uint32_t r = 0; r < options.replications; ++r) {
    const LlmReplayFigures run = simulate_llm_window(window, options.seed + r);
    arrived = run.arrived;
    for (size_t m = 0; m < kLlmMetrics; ++m) simulated[m].push_back(run.value[m]);
  }

  CalibrateOutcome outcome;
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (size_t m = 0; m < kLlmMetrics; ++m) {
    list.push_back(compared_figure(kLlmInfo[m].name, kLlmInfo[m].unit, kLlmInfo[m].meaning, observed[m],
                                   Interval{low[m], high[m]}, simulated[m], outcome.max_abs_error_pct));
  }
  nlohmann::ordered_json& v = outcome.validation;
  v["platform"] = options.platform;
  v["logs"] = options.logs;
  v["method"] =
      "Fit on the scrapes up to the first one at train_fraction of the scrapes' time span; replay the "
      "finished "
      "requests of the rest (the validation window, scrape interval by scrape interval) through the fitted "
      "scenario, after a warm-up that replays the training part's last " +
      core::quote_number(window.window_from_s - window.warmup_from_s) +
      " s of arrivals; compare. Observed latency: histogram_quantile estimates from the window's bucket "
      "increases (linear within a bucket); their interval (observed_ci95) is the bucket's bounds, which hold "
      "the "
      "true quantile, not a confidence interval. Simulated value: mean of the replications (seeds "
      "seed..seed+replications-1); its interval: their 2.5th..97.5th percentile; window figures are the run "
      "over warm-up + window minus the run over the warm-up (requests in flight at the window's start are "
      "counted at their full-run latency). error_pct = (simulated - observed) / observed x 100. "
      "docs/calibrate.md";
  v["observed_intervals"] =
      "the bounds of the histogram bucket holding each observed quantile (no interval for running requests)";
  v["seed"] = options.seed;
  v["bootstrap_resamples"] = 0;
  v["replications"] = options.replications;
  v["model"] = {{"served", scenario_options.served_model}, {"preset", scenario_options.preset}};
  v["gpu"] = {{"gpu", scenario_options.node.gpu}, {"node_type", scenario_options.node.node_type}};
  v["scrape_interval_s"] = scenario_options.interval_s;
  v["train"] = {{"fraction", options.train_fraction},
                {"from_s", 0},
                {"to_s", split_s - origin_s},
                {"invocations", std::llround(train.requests)},
                {"scrapes", train.scrapes}};
  v["validation"] = {{"from_s", split_s - origin_s},
                     {"to_s", end_s - origin_s},
                     {"invocations", std::llround(test.requests)},
                     {"scrapes", test.scrapes},
                     {"replayed_arrivals", arrived},
                     {"warmup_from_s", window.warmup_from_s},
                     {"peak_intervals_from_s", window.peak_from_s},
                     {"peak_intervals_to_s", window.window_to_s}};
  finish_validation(dir, outcome, std::move(list), scenario);
  return outcome;
}

}  // namespace servesim::calibrate
