#pragma once
// Private to sim/: replay of a per-request CSV trace (one row per request, e.g. the Azure LLM inference
// trace).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sim/arrival_source.hpp"
#include "sim/rng.hpp"
#include "sim/trace_rows.hpp"
#include "sim/trace_timestamp.hpp"

namespace servesim::sim {

// The file is CSV as RFC 4180 writes it (see CsvReader); errors name the line where the row starts.
// Arrival time = (timestamp - first timestamp - start_s) / time_compression, for rows whose relative time
// lies in the window [start_s, start_s + duration_s). Timestamps are read in the workload's timestamp_unit
// (sim/trace_timestamp.hpp; by default seconds or "YYYY-MM-DD HH:MM:SS[.f]").
//
// scale: each row is replayed m = floor(scale) (+1 with probability frac(scale)) times, so scale < 1 thins
// the trace and scale > 1 multiplies it with the exact mean. One copy keeps the row's instant; the others are
// spread uniformly within +-0.5 s of it and merged in time order through a reorder buffer that holds about
// one second of copies. Copies are windowed like rows (a copy falling before start_s or after the end is
// dropped).
//
// key_column: each row's value there (trimmed, unquoted) is hashed to its input key (64-bit FNV-1a; two
// distinct values share a key with probability ~ n^2 / 2^65, negligible below billions of inputs). Copies
// made by scale > 1 repeat their row's key: a scaled trace keeps the inputs and multiplies how often each
// comes.
//
// filter_column: only the rows whose value there equals filter_equals are read (the others are skipped
// unchecked); the first kept row is time 0. A row without that column is not kept.
//
// end_column, duration_column: a row's arrival is its end less its duration [s]. Rows (in end order, which
// must not decrease) wait in a min-heap on their arrival until the latest end read, less max_duration_s, has
// passed it, so memory holds the rows of max_duration_s; a longer duration is an error.
//
// input_tokens_column, output_tokens_column (both or neither): each row's prompt and generated token counts,
// integers 0..kMaxRequestTokens, returned by tokens(); copies made by scale > 1 repeat their row's counts.
//
// prefix_blocks_column (with the token columns): each row's prompt-prefix block ids (WorkloadSpec), returned
// as tokens().prefix with the blocks chained (RequestPrefix); copies share their row's blocks.
class RequestTraceSource final : public ArrivalSource {
 public:
  // Reads the header and skips to the window start; throws InputError for a missing file, a missing column,
  // an empty trace or a window start beyond the end.
  RequestTraceSource(const WorkloadSpec& spec, uint64_t seed);

  bool next(double& t_s) override;
  double duration_s() const override { return duration_s_; }
  uint64_t key() const override { return key_; }
  RequestTokens tokens() const override { return tokens_; }

  // Instead of next(): reads the remaining rows without making their copies and returns how many fall in
  // the window; `last_s` gets the replay time of the last one [s, after time compression]. The work
  // estimate (sim/run_limits.cpp) multiplies the rows by the scale.
  uint64_t count_rows(double& last_s);
  // Instead of next(): the next row in the window, without copies; `stamp_s` gets its timestamp on the
  // trace's own clock [s] (seconds since 1970-01-01 UTC for calendar stamps) and `tokens` its token counts.
  // For summaries of the trace (sim/trace_summary.hpp).
  bool next_window_row(double& stamp_s, RequestTokens& tokens);

 private:
  struct Row {
    double t_s = 0;  // relative to the first row [s, trace time]
    uint64_t key = kNoKey;
    RequestTokens tokens;
  };
  // The indices of the wanted columns in rows_.
  static constexpr size_t kTimestamp = 0;

  // The next row (t_s relative to the first row; key kNoKey without a key column).
  bool next_row(Row& row);
  // The lookahead row or else the next one; false at the end of the input or at the window's end (the input
  // then counts as done).
  bool take_row(Row& row);
  // One row of the file that the filter keeps: its arrival stamp, key and tokens; false at the end.
  bool read_row(Row& row, TraceStamp& stamp);
  // Sets row.t_s from the stamp, relative to the first row, and checks that rows do not go back in time.
  void place(Row& row, const TraceStamp& stamp);
  void push_copies(const Row& row);
  uint32_t parse_tokens(size_t column) const;
  std::shared_ptr<const RequestPrefix> parse_prefix() const;

  TraceRows rows_;
  std::string column_name_;
  TimestampUnit timestamp_unit_;
  bool has_key_column_ = false;
  size_t key_column_ = 0;  // in rows_
  std::string key_column_name_;
  bool has_token_columns_ = false;
  uint64_t max_request_tokens_ = 0;  // WorkloadSpec::max_request_tokens
  std::string max_request_tokens_key_;
  size_t input_tokens_column_ = 0;  // in rows_; output tokens follow
  std::string input_tokens_name_;
  std::string output_tokens_name_;
  bool has_filter_ = false;
  size_t filter_column_ = 0;  // in rows_
  std::string filter_equals_;
  // arrival = end - duration: rows read but not yet returned, a min-heap on their arrival.
  bool has_durations_ = false;
  size_t duration_column_ = 0;  // in rows_
  std::string duration_name_;
  double max_duration_s_ = 0;
  bool has_prefix_column_ = false;
  size_t prefix_column_ = 0;  // in rows_
  std::string prefix_column_name_;
  uint32_t prefix_block_tokens_ = 512;
  struct Pending {
    Row row;
    TraceStamp arrival;
  };
  std::vector<Pending> pending_;
  TraceStamp latest_end_;
  bool has_latest_end_ = false;
  bool is_file_done_ = false;
  uint64_t rows_seen_ = 0;  // rows read, kept or not
  uint64_t key_ = kNoKey;   // of the arrival next() returned last
  RequestTokens tokens_;    // likewise
  bool has_first_ = false;
  TraceStamp first_;
  double previous_s_ = 0;

  double start_s_;
  double end_s_;
  double time_compression_;
  double duration_s_;
  double scale_;
  bool is_unit_scale_;
  double jitter_s_;  // half-width of the spread of copies (0 when scale == 1)
  Rng count_rng_;
  Rng jitter_rng_;

  bool has_lookahead_ = false;  // lookahead_ holds the next row not yet expanded into copies
  Row lookahead_;
  bool is_input_done_ = false;
  std::vector<Row> heap_;  // min-heap of pending copies on t_s [s, trace time]
};

}  // namespace servesim::sim
