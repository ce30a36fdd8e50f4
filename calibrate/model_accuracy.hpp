#pragma once
// servesim validate-model: reruns the bundled reference measurements through the models as compiled in and
// says how far each model is from them (the README's "How accurate is it"):
//   gpu-latency   MLPerf Inference closed results (platforms/fleet/gpus.json "calibration.measurements"):
//                 offline throughput per GPU and single-stream latency, against the calibrated roofline
//   llm-serving   published LLM serving figures (platforms/fleet/llm_measurements.json), each setup replayed
//                 through the token-level engine with the fitted efficiencies
// Each group's error is summarised per role (in sample: the rows the fit was made on; held out: the rest) as
// the median and largest absolute error, with a percentile-bootstrap 95% interval of the median over the
// rows. Platforms whose rules have no public per-request measurement bundled are listed as such.
//
//   const nlohmann::ordered_json report = calibrate::model_accuracy({.resamples = 2000, .seed = 1});
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace servesim::calibrate {

// One published figure beside the model's value for the same setup.
struct ReferenceRow {
  std::string id;      // what was measured (GPU, benchmark, scenario; or the entry's id)
  std::string role;    // in-sample | held-out
  std::string metric;  // what is compared, with its unit
  double measured = 0, modelled = 0;
  std::string source;  // where the measured figure is published
  double error() const { return modelled / measured - 1; }
};

struct ReferenceGroup {
  std::string id, title, data, doc;
  std::vector<ReferenceRow> rows;
  std::vector<std::pair<std::string, std::string>> not_replayed;  // entry id, why
};

// The groups, from the catalogues compiled in.
std::vector<ReferenceGroup> reference_groups();

struct AccuracyOptions {
  uint32_t resamples = 2000;  // bootstrap resamples of each group's rows
  uint64_t seed = 1;
};

// {"groups": [{id, title, data, doc, summary: {in-sample|held-out: {rows, median_abs_error_pct,
//   median_ci95: [low, high], max_abs_error_pct, worst}}, rows: [...], not_replayed: [...]}],
//  "platforms": [{platform, title, checked_against, public_measurements}]}
nlohmann::ordered_json model_accuracy(const AccuracyOptions& options);

}  // namespace servesim::calibrate
