#pragma once
// What traffic a scenario replays. Filled and validated by the scenario reader; consumed by
// make_arrival_source.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sim/distribution.hpp"

namespace servesim::sim {

// The most tokens a request trace may give one request, input or output (10^7: twenty times the longest
// context windows of 2026, so a larger value is a unit or column mistake).
constexpr uint32_t kMaxRequestTokens = 10'000'000;

// One request's prompt and generated token counts, as a trace gives them (0..kMaxRequestTokens each).
struct TokenPair {
  uint32_t input = 0;
  uint32_t output = 0;
};

// What a run of zeros in a rate trace means (recording gaps, see scenarios/traces/README.md).
enum class GapPolicy {
  keep,  // replay zeros as zero traffic (default)
  skip,  // drop gap seconds from the time axis
  fill,  // replace each gap second by the last non-zero rate before the gap
};

// The layout of a request trace file.
enum class TraceFormat {
  csv,    // RFC 4180 with a header row
  jsonl,  // one JSON object per line (JSON Lines)
};

// How a request trace's timestamps are written (sim/trace_timestamp.hpp).
enum class TimestampUnit {
  automatic,     // "auto": decimal seconds or "YYYY-MM-DD HH:MM:SS[.f]" (default)
  seconds,       // "s"
  milliseconds,  // "ms"
  microseconds,  // "us"
  iso8601,       // "iso8601": calendar time with an optional UTC offset
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
  // rate_trace, poisson, diurnal, spike: each arrival belongs to one of `sessions` sessions, drawn uniformly
  // from the seeded random stream; the session is the request's key (0 = none). A request trace names its
  // sessions with key_column instead. Read by session affinity and a state store's instance cache.
  uint64_t sessions = 0;
  // request_trace only: the columns holding each request's prompt and generated token counts ("" = none).
  // A token-level platform model (platforms/fleet/llm_engine.hpp) reads them through ModelContext.
  // Values: integers 0..kMaxRequestTokens.
  std::string input_tokens_column;
  std::string output_tokens_column;
  // The longest input + output a row may ask for (service.llm.max_context_tokens, set by the scenario reader;
  // 0: no limit). A longer row is bad input, found while the trace is read before the run.
  uint64_t max_request_tokens = 0;
  // What set it, for the error: service.llm's, or the shortest of a candidate's own llm (docs/scenario.md).
  std::string max_request_tokens_key = "service.llm.max_context_tokens";
  // request_trace only: the column holding each request's prompt-prefix block ids ("" = none; needs the
  // token columns), one id per prefix_block_tokens tokens of the prompt, equal ids meaning equal blocks (the
  // Mooncake traces' hash_ids with 512-token blocks). JSONL: an array of integers; CSV: integers separated by
  // spaces, commas or semicolons, optionally in brackets ("[1, 2, 3]" quoted, or "1 2 3"). Read by a
  // token-level platform model with prefix caching on (llm_prefix_caching).
  std::string prefix_blocks_column;
  uint32_t prefix_block_tokens = 512;
  TraceFormat format = TraceFormat::csv;                    // request_trace only
  TimestampUnit timestamp_unit = TimestampUnit::automatic;  // request_trace only
  // request_trace only: arrival = end - duration, for traces that log when each request ended and how long it
  // took (Azure Functions 2021): end_column holds the end (in timestamp_unit), duration_column the duration
  // [s]; both or neither, and then timestamp_column is not read. Rows are put in arrival order within
  // max_duration_s, the longest duration the trace may hold [s].
  std::string end_column;
  std::string duration_column;
  double max_duration_s = 600;
  // request_trace only: keep only the rows whose value in filter_column equals filter_equals ("" = no
  // filter).
  std::string filter_column;
  std::string filter_equals;
  // "start_utc" (ISO 8601): the UTC time of simulated t = 0, for schedules on the calendar (a Lambda
  // provisioned_concurrency_schedule in cron form, a workflow Wait until a timestamp). has_start_utc false:
  // not given (such schedules are refused). Simulated seconds are calendar seconds from it.
  bool has_start_utc = false;
  double start_utc_s = 0;            // [s since 1970-01-01 00:00:00 UTC]
  double scale = 1.0;                // multiply rates (rate_trace) [dimensionless, > 0]
  double start_s = 0.0;              // window start within the trace [s, >= 0]
  double duration_s = -1.0;          // window length [s]; < 0 = to the end of the trace
  double time_compression = 1.0;     // replay k trace seconds per simulated second [> 0]
  GapPolicy gaps = GapPolicy::keep;  // rate_trace only
  // rate_trace only: the seconds each value of the trace covers (60 for per-minute counts), and what a value
  // is: the requests in its interval (false: non-negative integers) or their rate over it (true: requests/s,
  // any non-negative decimal number, e.g. 0.35).
  double interval_s = 1.0;
  bool values_are_rates = false;
  double gap_min_s = 600.0;  // a zero run at least this long is a gap [s]

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
  // poisson, diurnal, spike: each arrival's token counts drawn from these (rounded to integers 1 ..
  // kMaxRequestTokens; the distributions' values are tokens, not seconds) when has_token_distributions.
  bool has_token_distributions = false;
  Distribution input_tokens;
  Distribution output_tokens;
  // With has_token_distributions: the correlation of the two draws' normal scores (a Gaussian copula, in
  // [-1, 1]; 0, the default, draws them independently). For two lognormals it is the correlation of
  // ln(input) and ln(output) (sim/token_draw.hpp).
  double token_rho = 0;
  // "tokens": {"type": "empirical_pairs"}: the (input, output) pairs of a trace (non-null: replaces the
  // distributions); each arrival draws one of them uniformly, with replacement, from the seeded stream.
  std::shared_ptr<const std::vector<TokenPair>> token_pairs;
};

}  // namespace servesim::sim
