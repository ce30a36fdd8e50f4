#include "calibrate/memory_sizes_calibration.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "calibrate/calibration_steps.hpp"
#include "calibrate/lambda_fit.hpp"
#include "calibrate/validation_html.hpp"
#include "core/input_error.hpp"
#include "core/input_file.hpp"
#include "platforms/catalog.hpp"
#include "reports/output_dir.hpp"

namespace servesim::calibrate {
namespace {

constexpr const char* kLambdaPlatform = "aws-lambda";

std::string megabytes(double memory_mb) {
  char text[32];
  std::snprintf(text, sizeof text, "%.0f", memory_mb);
  return text;
}

// One memory size that could be fitted.
struct FittedGroup {
  double memory_mb = 0;
  Split split;
  LambdaFit fit;
  nlohmann::ordered_json scenario;  // the size alone, on its own trace
};

struct LeftOut {
  double memory_mb = 0;
  size_t invocations = 0;
  std::string reason;  // the error a calibration of this size alone would give
};

std::string describe_all(const std::vector<FittedGroup>& fitted, const std::vector<LeftOut>& left_out,
                         size_t records, bool overlap) {
  std::string sizes;
  for (const auto& group : fitted) sizes += (sizes.empty() ? "" : ", ") + megabytes(group.memory_mb);
  std::string text = "Fitted by servesim calibrate from " + std::to_string(records) +
                     " AWS Lambda REPORT records at several memory sizes; fitted: " + sizes +
                     " MB, each on the first part of its own records by time. Each candidate is a one-stage "
                     "topology whose service is its size's fit. The workload replays every logged invocation "
                     "(requests.csv) through each candidate: ";
  text += overlap
              ? "the sizes' records overlap in time (aliases or functions served at once), so that is the "
                "sum of their traffic, more than any one size served; scenario-<MB>.json replays one size's "
                "own invocations. "
              : "the sizes' records follow one another in time (a configuration change or a sequential "
                "sweep), so that is the function's traffic over the whole period, served at one size "
                "throughout; scenario-<MB>.json replays one size's own invocations. ";
  for (const auto& out : left_out)
    text += megabytes(out.memory_mb) + " MB left out (" + std::to_string(out.invocations) +
            " records, too few to fit). ";
  for (const auto& group : fitted)
    text += megabytes(group.memory_mb) + " MB: " + group.scenario["description"].get<std::string>() + " ";
  text.pop_back();
  return text;
}

}  // namespace

CalibrateOutcome calibrate_memory_sizes(const CalibrateOptions& options,
                                        std::vector<LambdaInvocation> calls) {
  const platforms::PlatformEntry* entry = platforms::find_platform(kLambdaPlatform);
  if (!entry) throw std::logic_error("calibrate: no catalogue entry for aws-lambda");
  const std::string& first_file = options.logs.front();
  const size_t records = calls.size();
  std::stable_sort(calls.begin(), calls.end(),
                   [](const auto& a, const auto& b) { return a.arrival_s() < b.arrival_s(); });
  const double origin_s = calls.front().arrival_s();
  const std::string all_requests = requests_csv(calls, origin_s);
  const std::vector<MemoryGroup> groups = group_by_memory(std::move(calls));
  const bool overlap = groups_overlap(groups);

  // Each size alone, as a single-size calibration would fit it; one it would refuse is left out.
  std::vector<FittedGroup> fitted;
  std::vector<LeftOut> left_out;
  for (const auto& group : groups) {
    try {
      FittedGroup g;
      g.memory_mb = group.memory_mb;
      g.split = split_by_time(group.calls, options.train_fraction, first_file);
      g.fit = fit_lambda(g.split.train, catalogue_number(*entry, "keep_alive_s"));
      const std::string mb = megabytes(g.memory_mb);
      ScenarioOptions scenario_options = lambda_scenario_options(
          *entry, options, "requests-" + mb + ".csv", training_note(g.split, options.train_fraction));
      scenario_options.name = "calibrated-lambda-" + mb;
      g.scenario = lambda_scenario(g.fit, scenario_options);
      fitted.push_back(std::move(g));
    } catch (const InputError& e) {
      left_out.push_back({group.memory_mb, group.calls.size(), e.what()});
    }
  }
  if (fitted.empty()) {
    std::string list;
    for (const auto& out : left_out)
      list += (list.empty() ? "" : ", ") + megabytes(out.memory_mb) + " MB (" +
              std::to_string(out.invocations) + " records)";
    throw input_error(first_file, "",
                      "expected a Memory Size with at least " + std::to_string(kMinWarm) +
                          " warm invocations in the first part of its records and " +
                          std::to_string(kMinValidation) + " after its split, got " + "none among " + list);
  }

  std::vector<nlohmann::ordered_json> group_scenarios;
  std::vector<std::pair<double, double>> medians;
  for (const auto& g : fitted) {
    group_scenarios.push_back(g.scenario);
    for (const auto& [pct, ms] : g.fit.warm_ms)
      if (pct == 50) medians.emplace_back(g.memory_mb, ms);
  }
  const nlohmann::ordered_json scenario = memory_sizes_scenario(
      group_scenarios, "requests.csv", describe_all(fitted, left_out, records, overlap));
  const MemoryScalingFit scaling = fit_memory_scaling(medians, catalogue_number(*entry, "mb_per_vcpu"),
                                                      catalogue_number(*entry, "max_vcpu"));

  reports::OutputDirOptions dir_options;
  dir_options.force = options.force;
  dir_options.inputs = options.logs;
  reports::OutputDir::check(options.out_dir, dir_options);
  reports::OutputDir dir(options.out_dir, dir_options);
  core::write_file_atomic(dir.file("requests.csv"), all_requests);
  core::write_file_atomic(dir.file("scenario.json"), scenario.dump(2) + "\n");

  CalibrateOutcome outcome;
  const LambdaPrices prices = lambda_prices(*entry, options.architecture);
  nlohmann::ordered_json blocks = nlohmann::ordered_json::array();
  for (const auto& g : fitted) {
    const std::string mb = megabytes(g.memory_mb);
    std::vector<LambdaInvocation> sorted = g.split.train;
    sorted.insert(sorted.end(), g.split.test.begin(), g.split.test.end());
    core::write_file_atomic(dir.file("requests-" + mb + ".csv"), requests_csv(sorted, g.split.origin_s));
    const std::string scenario_file = dir.file("scenario-" + mb + ".json");
    core::write_file_atomic(scenario_file, g.scenario.dump(2) + "\n");
    const WindowComparison compared =
        compare_window({g.split, g.scenario, scenario_file, g.fit.keep_alive.estimate_s, g.memory_mb, prices,
                        kLambdaPlatform},
                       options);
    outcome.max_abs_error_pct = std::max(outcome.max_abs_error_pct, compared.max_abs_error_pct);
    blocks.push_back({{"memory_mb", g.memory_mb},
                      {"candidate", "fitted-lambda-" + mb},
                      {"scenario", "scenario-" + mb + ".json"},
                      {"trace", "requests-" + mb + ".csv"},
                      {"train", compared.train},
                      {"validation", compared.validation},
                      {"metrics", compared.metrics},
                      {"max_abs_error_pct", compared.max_abs_error_pct}});
  }
  nlohmann::ordered_json left = nlohmann::ordered_json::array();
  for (const auto& out : left_out)
    left.push_back({{"memory_mb", out.memory_mb}, {"invocations", out.invocations}, {"reason", out.reason}});

  nlohmann::ordered_json& v = outcome.validation;
  v["platform"] = kLambdaPlatform;
  v["logs"] = options.logs;
  v["method"] =
      std::string(window_method()) +
      " Several memory sizes: each size's records are split and fitted apart (its own span, its own "
      "train_fraction), and validated on its own window.";
  v["seed"] = options.seed;
  v["bootstrap_resamples"] = options.bootstrap;
  v["replications"] = options.replications;
  v["architecture"] = options.architecture;
  v["groups_in_time"] = overlap ? "overlapping" : "consecutive";
  v["memory_sizes"] = std::move(blocks);
  v["left_out"] = std::move(left);
  v["memory_scaling"] = memory_scaling_json(scaling);
  v["max_abs_error_pct"] = outcome.max_abs_error_pct;
  core::write_file_atomic(dir.file("validation.json"), v.dump(2) + "\n");
  core::write_file_atomic(dir.file("validation.html"), validation_html(v, scenario));
  dir.commit();
  outcome.out_dir = dir.final_path();
  return outcome;
}

}  // namespace servesim::calibrate
