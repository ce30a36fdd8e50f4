#include "calibrate/calibration.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "calibrate/calibration_steps.hpp"
#include "calibrate/instance_fit.hpp"
#include "calibrate/lambda_attempts.hpp"
#include "calibrate/lambda_fit.hpp"
#include "calibrate/llm_calibration.hpp"
#include "calibrate/memory_sizes_calibration.hpp"
#include "calibrate/prometheus_scrape.hpp"
#include "calibrate/replay.hpp"
#include "calibrate/request_log.hpp"
#include "calibrate/validation.hpp"
#include "calibrate/validation_html.hpp"
#include "core/input_error.hpp"
#include "core/input_file.hpp"
#include "core/json_fields.hpp"
#include "platforms/catalog.hpp"
#include "platforms/kubernetes_gpu/kubernetes_gpu_platform.hpp"
#include "reports/output_dir.hpp"

namespace servesim::calibrate {
namespace {

constexpr const char* kLambda = "aws-lambda";
constexpr const char* kCloudRun = "gcp-cloud-run";
constexpr const char* kAzureFunctions = "azure-functions";
constexpr double kIntervalS = 60;

void check_options(const CalibrateOptions& options) {
  const auto fail = [](const std::string& option, const std::string& expected) {
    return input_error("command line", option, "expected " + expected);
  };
  if (options.logs.empty()) throw fail("LOGS", "at least one log file (see --help)");
  const auto& known = calibrated_platforms();
  if (!options.platform.empty() && std::find(known.begin(), known.end(), options.platform) == known.end()) {
    std::string list;
    for (const auto& p : known) list += (list.empty() ? "" : ", ") + p;
    throw fail("--platform", "one of the platforms calibrate reads logs of (" + list + "), got '" +
                                 excerpt(options.platform) + "'");
  }
  if (!(options.train_fraction > 0 && options.train_fraction < 1))
    throw fail("--train-fraction",
               "a number between 0 and 1 (both excluded), got " + core::quote_number(options.train_fraction));
  if (options.replications < 2 || options.replications > 1000)
    throw fail("--replications", "2..1000, got " + std::to_string(options.replications));
  if (options.bootstrap < 100 || options.bootstrap > 100000)
    throw fail("--bootstrap", "100..100000, got " + std::to_string(options.bootstrap));
  if (options.architecture != "x86_64" && options.architecture != "arm64")
    throw fail("--architecture", "x86_64 or arm64, got '" + excerpt(options.architecture) + "'");
  if (options.out_dir.empty()) throw fail("--out", "an output folder");
  if (options.timestamp_at != "start" && options.timestamp_at != "end")
    throw fail("--timestamp-at", "start or end, got '" + excerpt(options.timestamp_at) + "'");
}

}  // namespace

double catalogue_number(const platforms::PlatformEntry& entry, const std::string& key) {
  const platforms::Parameter* p = entry.find(key);
  if (!p || !p->value.is_number()) throw std::logic_error("calibrate: catalogue has no number " + key);
  return p->value.get<double>();
}

std::string requests_csv(const std::vector<LambdaInvocation>& sorted, double origin_s,
                         const std::vector<double>& throttled_s) {
  std::vector<double> arrivals_s;
  arrivals_s.reserve(sorted.size() + throttled_s.size());
  // A retry (Lambda: a repeated RequestId) is not an arrival: its request arrived at its first attempt.
  for (const auto& call : sorted)
    if (!call.is_retry()) arrivals_s.push_back(call.arrival_s() - origin_s);
  if (!throttled_s.empty()) {
    for (const double t : throttled_s) arrivals_s.push_back(t - origin_s);
    std::stable_sort(arrivals_s.begin(), arrivals_s.end());
  }
  std::string text = "arrival_s\n";
  char row[48];
  for (const double arrival_s : arrivals_s) {
    std::snprintf(row, sizeof row, "%.6f\n", arrival_s);
    text += row;
  }
  return text;
}

std::string training_note(const Split& split, double train_fraction) {
  char note[160];
  std::snprintf(
      note, sizeof note,
      " Fitted on the first %.0f s of %.0f s (--train-fraction %g); validation.json compares the rest.",
      split.split_s, std::floor(split.end_s), train_fraction);
  return note;
}

LambdaPrices lambda_prices(const platforms::PlatformEntry& entry, const std::string& architecture) {
  LambdaPrices prices;
  prices.usd_per_gb_s = catalogue_number(
      entry, architecture == "arm64" ? "price_usd_per_gb_s_arm64" : "price_usd_per_gb_s_x86");
  prices.usd_per_request = catalogue_number(entry, "price_usd_per_million_requests") / 1e6;
  return prices;
}

ScenarioOptions lambda_scenario_options(const platforms::PlatformEntry& entry,
                                        const CalibrateOptions& options, const std::string& trace,
                                        const std::string& note) {
  ScenarioOptions scenario_options;
  scenario_options.trace = trace;
  scenario_options.architecture = options.architecture;
  scenario_options.mb_per_vcpu = catalogue_number(entry, "mb_per_vcpu");
  scenario_options.max_vcpu = catalogue_number(entry, "max_vcpu");
  scenario_options.seed = options.seed;
  scenario_options.note = note;
  return scenario_options;
}

const char* window_method() {
  return "Fit on the invocations that arrived in the first train_fraction of the logs' time span; "
         "replay the arrivals of the rest (the validation window) through the fitted scenario, after a "
         "warm-up that replays the training part's last arrivals; compare. "
         "Observed intervals: percentile bootstrap over the window's invocations. "
         "Simulated value: mean of the replications (seeds seed..seed+replications-1); "
         "its interval: their 2.5th..97.5th percentile. "
         "error_pct = (simulated - observed) / observed x 100. docs/calibrate.md";
}

void finish_validation(reports::OutputDir& dir, CalibrateOutcome& outcome, nlohmann::ordered_json metrics,
                       const nlohmann::ordered_json& scenario) {
  nlohmann::ordered_json& v = outcome.validation;
  v["metrics"] = std::move(metrics);
  v["max_abs_error_pct"] = outcome.max_abs_error_pct;
  core::write_file_atomic(dir.file("validation.json"), v.dump(2) + "\n");
  core::write_file_atomic(dir.file("validation.html"), validation_html(v, scenario));
  dir.commit();
  outcome.out_dir = dir.final_path();
}

const std::vector<std::string>& calibrated_platforms() {
  static const std::vector<std::string> kPlatforms = {kLambda, kCloudRun, kAzureFunctions,
                                                      platforms::kKubernetesGpuPlatform};
  return kPlatforms;
}

Split split_by_time(std::vector<LambdaInvocation> calls, double train_fraction, const std::string& file) {
  std::stable_sort(calls.begin(), calls.end(),
                   [](const auto& a, const auto& b) { return a.arrival_s() < b.arrival_s(); });
  Split split;
  split.origin_s = calls.front().arrival_s();
  split.end_s = calls.back().arrival_s() - split.origin_s;
  split.split_s = std::floor(train_fraction * split.end_s);
  // Compared as requests.csv writes it (microseconds), so that the replay's window holds exactly the test
  // part.
  for (auto& call : calls) {
    const double arrival_s = std::round((call.arrival_s() - split.origin_s) * 1e6) / 1e6;
    (arrival_s < split.split_s ? split.train : split.test).push_back(call);
  }
  if (split.test.size() < kMinValidation)
    throw input_error(file, "",
                      "expected at least " + std::to_string(kMinValidation) +
                          " invocations after the split at " + core::quote_number(split.split_s) + " s of " +
                          core::quote_number(std::floor(split.end_s)) + " s (--train-fraction " +
                          core::quote_number(train_fraction) + "), got " + std::to_string(split.test.size()));
  return split;
}

void add_throttled(Split& split, std::vector<double> arrivals_s) {
  std::sort(arrivals_s.begin(), arrivals_s.end());
  const double end_s = std::round(split.end_s * 1e6) / 1e6;
  for (const double t : arrivals_s) {
    const double arrival_s = std::round((t - split.origin_s) * 1e6) / 1e6;
    if (arrival_s < 0 || arrival_s > end_s)
      ++split.throttled_outside;
    else
      (arrival_s < split.split_s ? split.throttled_train_s : split.throttled_test_s).push_back(t);
  }
}

std::string platform_of_log(const std::string& file) {
  const auto in = core::open_input(file, "log file");
  std::string head(65536, '\0');
  in->read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(in->gcount()));
  std::string platform = detect_platform(head);
  if (platform.empty() && looks_like_prometheus(head)) platform = platforms::kKubernetesGpuPlatform;
  return platform;
}

bool takes_gpu_options(const std::string& platform) {
  return platform == platforms::kKubernetesGpuPlatform;
}

namespace {

// The platform of the logs: --platform, else what the first file looks like.
std::string platform_of(const CalibrateOptions& options) {
  if (!options.platform.empty()) return options.platform;
  const std::string& file = options.logs.front();
  const std::string platform = platform_of_log(file);
  if (platform.empty())
    throw input_error(file, "",
                      "expected AWS Lambda REPORT records, Cloud Run request log entries (httpRequest), "
                      "Application Insights request rows (cloud_RoleInstance) or vLLM's Prometheus metrics; "
                      "give --platform to say which");
  return platform;
}

// What each platform's logs are called in errors and docs.
std::string records_of(const std::string& platform) {
  if (platform == kCloudRun) return "Cloud Run request log entries (httpRequest with labels.instanceId)";
  if (platform == kAzureFunctions) return "Application Insights request rows";
  return "AWS Lambda REPORT records (CloudWatch Logs)";
}

// The served requests as invocations, and the arrivals of the throttled ones [s since 1970] (none in
// Lambda's REPORT lines: a throttled invocation never ran, so it has none).
struct LoggedRequests {
  std::vector<LambdaInvocation> calls;
  std::vector<double> throttled_s;
};

LoggedRequests read_logs(const std::vector<std::string>& logs, const std::string& platform,
                         bool stamped_at_end) {
  LoggedRequests logged;
  std::vector<LambdaInvocation>& calls = logged.calls;
  if (platform == kLambda) {
    for (const auto& path : logs) {
      auto more = read_lambda_log(path);
      calls.insert(calls.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
    }
    mark_retries(calls);  // over every file: a retry may be logged in another export than its first attempt
    return logged;
  }
  RequestLog all;
  for (const auto& path : logs) {
    RequestLog more = read_request_log(path, platform);
    all.requests.insert(all.requests.end(), std::make_move_iterator(more.requests.begin()),
                        std::make_move_iterator(more.requests.end()));
    all.started_instances.insert(more.started_instances.begin(), more.started_instances.end());
    all.startup_entries += more.startup_entries;
    all.without_instance += more.without_instance;
    all.throttled.insert(all.throttled.end(), std::make_move_iterator(more.throttled.begin()),
                         std::make_move_iterator(more.throttled.end()));
  }
  check_one_revision(all, logs.front());
  if (stamped_at_end) {  // the entry was written when the response went out
    for (RequestRecord& r : all.requests) r.arrival_s -= r.latency_ms / 1000.0;
    for (RequestRecord& r : all.throttled) r.arrival_s -= r.latency_ms / 1000.0;
  }
  for (const RequestRecord& r : all.throttled) logged.throttled_s.push_back(r.arrival_s);
  calls = as_invocations(all);
  return logged;
}

}  // namespace

CalibrateOutcome calibrate(const CalibrateOptions& options) {
  check_options(options);
  const std::string platform = platform_of(options);
  if (platform != platforms::kKubernetesGpuPlatform) {
    const char* vllm_only = !options.model.empty()         ? "--model"
                            : !options.gpu.empty()         ? "--gpu"
                            : options.tensor_parallel != 1 ? "--tensor-parallel"
                                                           : nullptr;
    if (vllm_only)
      throw input_error("command line", vllm_only,
                        std::string("expected only with vLLM's Prometheus metrics (--platform ") +
                            platforms::kKubernetesGpuPlatform + "), got logs of " + platform);
  }
  if (platform == platforms::kKubernetesGpuPlatform) {
    CalibrateOptions vllm = options;
    vllm.platform = platform;
    return calibrate_vllm(vllm);
  }
  const bool lambda = platform == kLambda;
  if (options.timestamp_at == "end" && platform != kCloudRun)
    throw input_error("command line", "--timestamp-at",
                      std::string("expected only with Cloud Run request logs (--platform ") + kCloudRun +
                          ": Lambda's REPORT lines and Application Insights' requests say what their time "
                          "marks), got logs of " +
                          platform);
  LoggedRequests logged = read_logs(options.logs, platform, options.timestamp_at == "end");
  std::vector<LambdaInvocation>& calls = logged.calls;
  const std::string& first_file = options.logs.front();
  if (calls.empty()) throw input_error(first_file, "", "expected " + records_of(platform) + ", found none");
  if (lambda && has_several_memory_sizes(calls)) return calibrate_memory_sizes(options, std::move(calls));
  Split split = split_by_time(calls, options.train_fraction, first_file);
  add_throttled(split, std::move(logged.throttled_s));
  const platforms::PlatformEntry* entry = platforms::find_platform(platform);
  if (!entry) throw std::logic_error("calibrate: no catalogue entry for " + platform);

  const std::string note = training_note(split, options.train_fraction);
  LambdaPrices prices;
  double keep_alive_s = 0, memory_mb = 0;
  nlohmann::ordered_json scenario;
  if (lambda) {
    const LambdaFit fit = fit_lambda(split.train, catalogue_number(*entry, "keep_alive_s"));
    prices = lambda_prices(*entry, options.architecture);
    scenario = lambda_scenario(fit, lambda_scenario_options(*entry, options, "requests.csv", note));
    keep_alive_s = fit.keep_alive.estimate_s;
    memory_mb = fit.memory_mb;
  } else {
    const InstanceFit fit = fit_instances(split.train, catalogue_number(*entry, "idle_timeout_s"));
    InstanceScenarioOptions scenario_options;
    scenario_options.trace = "requests.csv";
    scenario_options.seed = options.seed;
    scenario_options.note = note;
    scenario_options.throttled = split.throttled_train_s.size();
    if (platform == kCloudRun) {
      scenario_options.vcpu = catalogue_number(*entry, "vcpu");
      scenario_options.memory_gib = catalogue_number(*entry, "memory_gib");
      scenario = cloud_run_scenario(fit, scenario_options);
    } else {
      scenario_options.flex_memory_mb = catalogue_number(*entry, "flex_memory_mb");
      scenario_options.flex_mb_per_vcpu = catalogue_number(*entry, "flex_mb_per_vcpu");
      scenario = azure_functions_scenario(fit, scenario_options);
    }
    keep_alive_s = fit.keep_alive.estimate_s;
  }

  reports::OutputDirOptions dir_options;
  dir_options.force = options.force;
  dir_options.inputs = options.logs;
  reports::OutputDir::check(options.out_dir, dir_options);
  reports::OutputDir dir(options.out_dir, dir_options);

  std::vector<LambdaInvocation> all = split.train;
  all.insert(all.end(), split.test.begin(), split.test.end());
  std::vector<double> throttled_s = split.throttled_train_s;
  throttled_s.insert(throttled_s.end(), split.throttled_test_s.begin(), split.throttled_test_s.end());
  core::write_file_atomic(dir.file("requests.csv"), requests_csv(all, split.origin_s, throttled_s));
  core::write_file_atomic(dir.file("scenario.json"), scenario.dump(2) + "\n");

  WindowInputs inputs{split, scenario, dir.file("scenario.json"), keep_alive_s, memory_mb, prices, platform};
  WindowComparison compared = compare_window(inputs, options);
  CalibrateOutcome outcome;
  outcome.max_abs_error_pct = compared.max_abs_error_pct;
  nlohmann::ordered_json& v = outcome.validation;
  v["platform"] = platform;
  v["logs"] = options.logs;
  v["method"] = window_method();
  v["seed"] = options.seed;
  v["bootstrap_resamples"] = options.bootstrap;
  v["replications"] = options.replications;
  if (lambda) v["architecture"] = options.architecture;
  v["train"] = std::move(compared.train);
  v["validation"] = std::move(compared.validation);
  finish_validation(dir, outcome, std::move(compared.metrics), scenario);
  return outcome;
}

WindowComparison compare_window(const WindowInputs& in, const CalibrateOptions& options) {
  const Split& split = in.split;
  const bool lambda = in.platform == kLambda;
  // Observed side: the window's invocations; simulated side: replications of the replay.
  ReplayWindow window;
  window.scenario = nlohmann::json::parse(in.scenario.dump());
  window.scenario_file = in.scenario_file;
  window.base_dir = std::filesystem::path(window.scenario_file).parent_path().string();
  // The warm-up: a keep-alive and a minute more (no environment older than that can still be warm), or the
  // whole training part when it is shorter. The peak is compared over the whole intervals of the replay's
  // grid (from warmup_from_s) that lie in the window.
  const double warmup_s = (std::ceil(in.keep_alive_s / kIntervalS) + 1) * kIntervalS;
  window.window_from_s = split.split_s;
  window.warmup_from_s = std::max(0.0, split.split_s - warmup_s);
  window.peak_from_s =
      window.warmup_from_s + kIntervalS * std::ceil((split.split_s - window.warmup_from_s) / kIntervalS);
  window.window_to_s =
      window.peak_from_s +
      kIntervalS * std::max(0.0, std::floor((split.end_s - window.peak_from_s) / kIntervalS));
  window.interval_s = kIntervalS;
  window.prices = in.prices;
  window.memory_mb = in.memory_mb;

  // The compared figures are those of the requests' first attempts, the arrivals the replay offers (Lambda's
  // retries are counted apart: the fitted scenario does not carry their rate, lambda_attempts.hpp).
  const auto first_attempts = [](const std::vector<LambdaInvocation>& calls) {
    std::vector<LambdaInvocation> out;
    for (const auto& call : calls)
      if (!call.is_retry()) out.push_back(call);
    return out;
  };
  const std::vector<LambdaInvocation> test = first_attempts(split.test);
  std::vector<LambdaInvocation> all = first_attempts(split.train);
  all.insert(all.end(), test.begin(), test.end());
  WindowMetrics observed = observe(test, in.prices);
  observed.value[peak_busy] =
      observed_peak_busy(all, split.origin_s, window.peak_from_s, window.window_to_s, kIntervalS);
  const std::vector<Interval> observed_ci = bootstrap(test, in.prices, options.bootstrap, options.seed);
  std::vector<std::vector<double>> simulated(kMetrics);
  std::vector<double> simulated_throttled;
  const size_t window_requests = test.size() + split.throttled_test_s.size();
  for (uint32_t r = 0; r < options.replications; ++r) {
    const SimulatedWindow run = simulate_window(window, options.seed + r);
    if (run.arrived != window_requests)
      throw std::logic_error("calibrate: the replay's window holds " + std::to_string(run.arrived) +
                             " arrivals, the logs " + std::to_string(window_requests));
    for (size_t m = 0; m < kMetrics; ++m) simulated[m].push_back(run.metrics.value[m]);
    simulated_throttled.push_back(static_cast<double>(run.throttled) / static_cast<double>(run.arrived));
  }

  WindowComparison out;
  out.metrics = nlohmann::ordered_json::array();
  for (size_t m = 0; m < kMetrics; ++m) {
    // Billing is in Lambda's logs only.
    if (!lambda && (m == billed_mean_ms || m == cost_usd)) continue;
    const MetricInfo& info = metric_info(m, in.platform);
    out.metrics.push_back(compared_figure(info.name, info.unit, info.meaning, observed.value[m],
                                          observed_ci[m], simulated[m], out.max_abs_error_pct));
  }
  // Throttles are in Cloud Run's and Application Insights' request logs, not in Lambda's REPORT lines.
  if (!lambda) {
    const size_t throttled = split.throttled_test_s.size();
    out.metrics.push_back(compared_figure(
        "throttled_share", "fraction",
        "requests refused without service (HTTP 429; Cloud Run 500 or 503 naming no instance) / requests",
        static_cast<double>(throttled) / static_cast<double>(window_requests),
        bootstrap_share(throttled, window_requests, options.bootstrap, options.seed), simulated_throttled,
        out.max_abs_error_pct));
  }
  out.train = {{"fraction", options.train_fraction},
               {"from_s", 0},
               {"to_s", split.split_s},
               {"invocations", split.train.size()}};
  if (!lambda) out.train["throttled"] = split.throttled_train_s.size();
  out.validation = {{"from_s", split.split_s},
                    {"to_s", split.end_s},
                    {"invocations", split.test.size()},
                    {"warmup_from_s", window.warmup_from_s},
                    {"peak_intervals_from_s", window.peak_from_s},
                    {"peak_intervals_to_s", window.window_to_s}};
  if (!lambda) {
    out.validation["throttled"] = split.throttled_test_s.size();
    out.validation["throttled_outside_span"] = split.throttled_outside;
  } else {
    out.train["attempts"] = attempts_json(count_attempts(split.train), 0, options.seed);
    out.validation["attempts"] = attempts_json(count_attempts(split.test), options.bootstrap, options.seed);
  }
  return out;
}

}  // namespace servesim::calibrate
