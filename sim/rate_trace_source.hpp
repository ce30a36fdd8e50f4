#pragma once
// Private to sim/: the requests-per-second trace replay, and the block reader shared by the trace sources.
#include <boost/iostreams/filtering_stream.hpp>
#include <cstddef>
#include <cstdint>
#include <istream>
#include <memory>
#include <string>
#include <vector>

#include "sim/arrival_source.hpp"
#include "sim/rng.hpp"
#include "sim/token_draw.hpp"

namespace servesim::sim {

// A trace file read in blocks, decompressed by its extension: `.gz` (gzip), `.bz2` (bzip2), anything else
// plain. A UTF-8 byte order mark at the start of the (decompressed) text is skipped.
class TraceFile {
 public:
  // Opens through open_input: throws InputError "<path>: cannot open file" (also for a path with a NUL byte
  // or a file that is not a regular one, see core/input_file.hpp).
  explicit TraceFile(const std::string& path);
  // Reads up to `size` bytes into `out` and returns how many; 0 means the end of the file.
  // Throws InputError "<path>: corrupt bzip2 data" (or gzip) when the decompressor fails.
  size_t read(char* out, size_t size);
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::string format_;  // "gzip", "bzip2" or empty for a plain file
  std::unique_ptr<std::istream> file_;
  boost::iostreams::filtering_istream in_;
  bool is_at_start_ = true;  // nothing read yet: a byte order mark may come
};

// Replays a rate trace: one value per interval of interval_s seconds (1 by default), a count (a non-negative
// integer) or, with values_are_rates, a rate in requests/s (a non-negative decimal number). Memory is bounded
// by one 64 KiB block, the arrivals of one interval and a counter of buffered zeros (gap detection); nothing
// else grows with the trace. The code says "second" for an interval: they are the same by default.
//
// Within interval s the trace count r (a rate: r x interval_s) becomes n = floor(r*scale) (+1 with
// probability frac(r*scale)) arrivals, placed as the order statistics of n uniforms on the interval (a
// Poisson process conditioned on n points), generated in O(n) as normalised cumulative sums of n+1
// exponential spacings (Devroye 1986, ch. V.2).
class RateTraceSource final : public ArrivalSource {
 public:
  // Opens the file and skips to the window start; throws InputError for a missing, empty or corrupt file and
  // for a window start beyond the end of the trace.
  RateTraceSource(const WorkloadSpec& spec, uint64_t seed);

  bool next(double& t_s) override {
    if (pos_ == count_ && !place_next_second()) return false;
    double t = base_s_ + spacing_[pos_++] * unit_s_;
    if (t < last_s_) t = last_s_;  // rounding must never make the stream go backwards
    last_s_ = t;
    t_s = t;
    if (token_draw_.is_on()) tokens_ = token_draw_.next(token_rng_);
    return true;
  }
  double duration_s() const override { return duration_s_; }
  RequestTokens tokens() const override { return tokens_; }

  // Number of arrivals still to come, without placing them in time: the same count next() would deliver.
  uint64_t count_remaining();
  // Seconds of the replay delivered so far (after count_remaining(): the length of the replay before time
  // compression, gaps skipped).
  double seconds_delivered() const {
    return static_cast<double>(next_trace_second_ - window_start_s_ - skipped_seconds_) * interval_s_;
  }

 private:
  struct Second {
    double rate = 0;          // the trace's value: a count, or a rate with values_are_rates_
    bool is_skipped = false;  // dropped from the time axis (GapPolicy::skip)
    bool is_gap = false;      // a second inside a gap
  };

  bool read_value(double& value);
  bool has_more_tokens();
  void fill_from(char* keep_from);
  [[noreturn]] void throw_bad_token(char* begin, char* end);
  bool next_trace_second(Second& second);
  bool classify_second(Second& second);
  Second gap_second() const;
  bool has_classified_seconds() const;
  bool next_window_second(uint64_t& count, uint64_t& out_second);
  // The arrivals of trace second `index` (from 0) with trace count `rate`; throws InputError when
  // rate * scale exceeds kMaxArrivalsPerSecond.
  uint64_t scaled_count(double rate, uint64_t index);
  std::string where_second(uint64_t index) const;  // "second 3" (or "value 3" for other intervals)
  bool place_next_second();

  TraceFile file_;
  // Tokenizer: block_[0, end_) holds unread text, *end_ is a '\0' sentinel.
  std::unique_ptr<char[]> block_;
  char* cur_ = nullptr;
  char* end_ = nullptr;
  bool is_eof_ = false;
  uint64_t tokens_read_ = 0;

  // Gap classification (bounded lookahead: a counter of zeros not yet known to be a gap or not).
  GapPolicy policy_;
  uint64_t gap_min_seconds_;
  uint64_t pending_zeros_ = 0;
  uint64_t plain_zeros_to_emit_ = 0;
  uint64_t gap_seconds_to_emit_ = 0;
  bool is_in_gap_ = false;
  bool has_held_value_ = false;
  double held_value_ = 0;
  double last_nonzero_rate_ = 0;
  // The last minute (fill_window_ intervals, at most kFillWindow) delivered outside gaps: GapPolicy::fill
  // replays their mean.
  static constexpr size_t kFillWindow = 60;
  size_t fill_window_;
  double recent_[kFillWindow] = {};
  size_t recent_count_ = 0;
  double recent_sum_ = 0;  // exact: counts are integers below 2^53

  // Intervals and values.
  double interval_s_;
  bool values_are_rates_;
  double arrivals_per_value_;  // interval_s_ for rates, 1 for counts

  // Window and scaling, in intervals.
  uint64_t next_trace_second_ = 0;  // index (from 0) of the next second the classifier delivers
  uint64_t window_start_s_;
  uint64_t window_end_s_;
  uint64_t skipped_seconds_ = 0;
  double scale_;
  bool is_unit_scale_;
  double time_compression_;
  double duration_s_;
  Rng count_rng_;
  Rng place_rng_;
  // With the workload's "tokens": each arrival's counts, from their own stream (as SyntheticSource draws
  // them), so the arrival times do not change.
  TokenDraw token_draw_;
  Rng token_rng_;
  RequestTokens tokens_;  // of the arrival next() returned last

  // Arrivals of the current second: t = base_s_ + spacing_[i] * unit_s_.
  std::vector<double> spacing_;
  uint64_t pos_ = 0;
  uint64_t count_ = 0;
  double base_s_ = 0;
  double unit_s_ = 0;
  double last_s_ = 0;
};

}  // namespace servesim::sim
