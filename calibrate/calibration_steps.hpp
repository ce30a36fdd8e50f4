#pragma once
// The steps of a per-invocation calibration (calibration.cpp) that the several-memory-sizes pipeline
// (memory_sizes_calibration.cpp) repeats per group: the trace, the training note, Lambda's prices and
// scenario options from the catalogue, and the held-out comparison of one split (replay, bootstrap, rows).
//
//   const calibrate::WindowComparison compared = calibrate::compare_window(
//       {split, scenario, dir.file("scenario.json"), keep_alive_s, memory_mb, prices, "aws-lambda"},
//       options);
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "calibrate/calibration.hpp"
#include "calibrate/lambda_fit.hpp"
#include "calibrate/validation.hpp"

namespace servesim::platforms {
struct PlatformEntry;
}

namespace servesim::calibrate {

// A catalogue number of `entry` (std::logic_error when the catalogue lacks it).
double catalogue_number(const platforms::PlatformEntry& entry, const std::string& key);
// requests.csv: "arrival_s" and one row per invocation, [s from origin_s], in the order given; with throttled
// arrivals [s since 1970] (replayed, not fitted) all rows in arrival order.
std::string requests_csv(const std::vector<LambdaInvocation>& sorted, double origin_s,
                         const std::vector<double>& throttled_s = {});
// " Fitted on the first S s of E s (--train-fraction F); validation.json compares the rest."
std::string training_note(const Split& split, double train_fraction);
LambdaPrices lambda_prices(const platforms::PlatformEntry& entry, const std::string& architecture);
ScenarioOptions lambda_scenario_options(const platforms::PlatformEntry& entry,
                                        const CalibrateOptions& options, const std::string& trace,
                                        const std::string& note);
// validation.json's "method" for per-invocation logs.
const char* window_method();

struct WindowInputs {
  const Split& split;
  const nlohmann::ordered_json& scenario;  // fitted on split.train, replaying a trace from split.origin_s
  std::string scenario_file;               // where it is written (its trace beside it)
  double keep_alive_s = 0;                 // the fitted idle lifetime: sets the warm-up
  double memory_mb = 0;                    // Lambda: the billed memory
  LambdaPrices prices;
  std::string platform;
};
// validation.json's "train", "validation" and "metrics" of one split, and the largest |error_pct|.
struct WindowComparison {
  nlohmann::ordered_json train, validation, metrics;
  double max_abs_error_pct = 0;
};
WindowComparison compare_window(const WindowInputs& inputs, const CalibrateOptions& options);

}  // namespace servesim::calibrate
