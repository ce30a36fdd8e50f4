#pragma once
// The simulated side of a held-out validation: the fitted scenario replayed through app::run over the
// validation window, with a warm-up before it. The warm-up replays the training part's last arrivals (inputs
// the real function also saw, never its logged outcomes) so that the window starts with the environments a
// real deployment would have warm, not from an empty fleet. What the window's arrivals did is the run over
// warm-up + window minus the run over the warm-up alone, with the same seed: every random draw happens at an
// arrival, in arrival order, so the warm-up's requests draw the same values in both runs and the difference
// is exact (counts, costs, the latency histogram bucket by bucket).
//
//   const calibrate::WindowMetrics simulated = calibrate::simulate_window(window, seed);
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "calibrate/validation.hpp"
#include "sim/latency_histogram.hpp"
#include "sim/recorder.hpp"
#include "sim/run_result.hpp"

namespace servesim::calibrate {

struct ReplayWindow {
  nlohmann::json scenario;    // the fitted scenario (its workload a request trace from time 0)
  std::string scenario_file;  // where it is written (errors, relative paths)
  std::string base_dir;       // the folder holding its trace
  double warmup_from_s = 0;   // trace time where the replay starts [whole s]
  double window_from_s = 0;   // trace time where the validation window starts [whole s]
  double peak_from_s = 0;     // start of the first whole interval compared for peak_busy [s]
  double window_to_s = 0;     // end of the last whole interval compared for peak_busy [s]
  double interval_s = 60;     // peak_busy resolution; peak_from_s - warmup_from_s is a multiple of it
  LambdaPrices prices;
  double memory_mb = 0;
};

struct SimulatedWindow {
  WindowMetrics metrics;
  uint64_t arrived = 0;    // requests that arrived in the window (a check against the logs)
  uint64_t throttled = 0;  // of them, refused (HTTP 429) after the client's last retry
};

SimulatedWindow simulate_window(const ReplayWindow& window, uint64_t seed);

// One replay: from warmup_from_s to the end of the trace, or (warmup_only) to window_from_s; its candidate's
// result and interval rows (the run's time 0 is warmup_from_s).
struct ReplayRun {
  sim::CandidateResult result;
  std::vector<sim::IntervalRow> rows;
};
ReplayRun replay_run(const ReplayWindow& window, uint64_t seed, bool warmup_only);

// The nearest-rank quantiles [ms] of the histogram `all` minus `part` (bucket by bucket). A bucket where
// `part` holds more than `all` is a std::logic_error, or (clamp_negative) counts as empty: a token-level
// server's requests in flight at the window's start finish later, in another bucket, when the window's
// arrivals join their batches.
std::vector<double> difference_quantiles_ms(const sim::LatencyHistogram& all,
                                            const sim::LatencyHistogram& part,
                                            const std::vector<double>& quantiles,
                                            bool clamp_negative = false);

}  // namespace servesim::calibrate
