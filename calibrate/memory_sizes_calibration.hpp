#pragma once
// servesim calibrate on AWS Lambda logs that hold several Memory Sizes: each size's records are one
// configuration, fitted on the first part of its own records by time and validated on the rest (the split
// never crosses groups); a size with too few records to fit is left out with a note. Writes, besides what a
// single-size calibration writes (calibrate/calibration.hpp):
// - requests-<MB>.csv, scenario-<MB>.json: each size's own trace and its single-candidate scenario
//   (what its validation replays);
// - scenario.json, requests.csv: one candidate per fitted size (fitted-lambda-<MB>) on every size's
//   arrivals;
// - validation.json, validation.html: one comparison block per size, the sizes left out, and the fit
//   of the warm median against the CPU share (memory_sizes.hpp).
// docs/calibrate.md, "Several memory sizes".
//
//   if (calibrate::has_several_memory_sizes(calls))
//     return calibrate::calibrate_memory_sizes(options, std::move(calls));
#include <vector>

#include "calibrate/calibration.hpp"
#include "calibrate/memory_sizes.hpp"

namespace servesim::calibrate {

CalibrateOutcome calibrate_memory_sizes(const CalibrateOptions& options, std::vector<LambdaInvocation> calls);

}  // namespace servesim::calibrate
