#pragma once
// What traffic a scenario replays. Filled and validated by the scenario reader; consumed by
// make_arrival_source.
#include <cstdint>
#include <string>

namespace servesim::sim {

// What a run of zeros in a rate trace means (recording gaps, see scenarios/traces/README.md).
enum class GapPolicy {
  keep,  // replay zeros as zero traffic (default)
  skip,  // drop gap seconds from the time axis
  fill,  // replace each gap second by the last non-zero rate before the gap
};

struct WorkloadSpec {
  enum class Kind { rate_trace, request_trace, poisson, diurnal, spike };
  Kind kind = Kind::poisson;

  // rate_trace: whitespace-separated requests-per-second integers (plain, .gz or .bz2).
  // request_trace: CSV with a header; one row per request, timestamps in column `timestamp_column`.
  std::string path;                            // as resolved (relative paths are relative to the scenario)
  std::string timestamp_column = "TIMESTAMP";  // request_trace only
  // request_trace only: the column naming each request's input ("" = none). Rows with equal values carry the
  // same input, so an edge cache with "keys": "trace" hits on them and the advisor measures repeated inputs.
  std::string key_column;
  // request_trace only: the columns holding each request's prompt and generated token counts ("" = none).
  // A token-level platform model (platforms/fleet/llm_engine.hpp) reads them through ModelContext.
  std::string input_tokens_column;
  std::string output_tokens_column;
  double scale = 1.0;                // multiply rates (rate_trace) [dimensionless, > 0]
  double start_s = 0.0;              // window start within the trace [s, >= 0]
  double duration_s = -1.0;          // window length [s]; < 0 = to the end of the trace
  double time_compression = 1.0;     // replay k trace seconds per simulated second [> 0]
  GapPolicy gaps = GapPolicy::keep;  // rate_trace only
  double gap_min_s = 600.0;          // a zero run at least this long is a gap [s]

  // poisson: constant rate. diurnal: rate_rps * (1 + amplitude * sin(2*pi*t/period_s)).
  double rate_rps = 0.0;    // [requests/s]
  double period_s = 86400;  // diurnal period [s]
  double amplitude = 0.5;   // diurnal relative amplitude [0, 1]
  // spike: base_rps, rising linearly over ramp_s from spike_start_s to base_rps*spike_factor, held for
  // spike_duration_s, then falling back over ramp_s.
  double spike_factor = 6.0;
  double spike_start_s = 0.0;
  double ramp_s = 60.0;
  double spike_duration_s = 600.0;
  double synthetic_duration_s = 3600.0;  // length of a synthetic workload [s]
};

}  // namespace servesim::sim
