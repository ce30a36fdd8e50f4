// Rate-trace replay: a block tokenizer over a (possibly compressed) file, gap classification with bounded
// lookahead, the replay window, stochastic rounding of scaled counts and O(n) placement within each second.
#include "sim/rate_trace_source.hpp"

#include <algorithm>
#include <boost/iostreams/filter/bzip2.hpp>
#include <boost/iostreams/filter/gzip.hpp>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string_view>

#include "core/input_error.hpp"
#include "core/input_file.hpp"
#include "core/interrupt.hpp"
#include "core/json_fields.hpp"

namespace servesim::sim {

namespace {

constexpr size_t kReadBlockBytes = 64 * 1024;
constexpr size_t kMaxTokenDigits = 15;                  // counts up to 10^15 - 1 per second
constexpr uint64_t kMaxArrivalsPerSecond = 10'000'000;  // bounds the per-second buffer (80 MB)

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool is_space(char c) {
  return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}
bool is_digit(char c) {
  return static_cast<unsigned char>(c - '0') < 10;
}

// Checks the fields a rate trace uses; returns the path so that it can run in the member initialiser list.
const std::string& checked_path(const WorkloadSpec& spec) {
  const std::string& path = spec.path;
  auto fail = [&](const std::string& what, double value) {
    throw input_error(path, "", what + ", got " + core::quote_number(value));
  };
  if (!(spec.scale > 0) || !std::isfinite(spec.scale)) fail("scale must be a positive number", spec.scale);
  if (!(spec.time_compression > 0) || !std::isfinite(spec.time_compression))
    fail("time_compression must be a positive number", spec.time_compression);
  if (!(spec.interval_s > 0) || !std::isfinite(spec.interval_s))
    fail("interval_s must be a positive number of seconds", spec.interval_s);
  // The window is a whole number of the trace's intervals.
  const bool is_seconds = spec.interval_s == 1.0;
  const std::string unit =
      is_seconds ? "seconds" : "intervals (interval_s " + core::quote_number(spec.interval_s) + ")";
  const auto is_whole = [&](double s) {
    const double n = s / spec.interval_s;
    return std::isfinite(n) && std::fabs(n - std::round(n)) <= 1e-9 * std::max(1.0, n);
  };
  if (!(spec.start_s >= 0) || !is_whole(spec.start_s))
    fail("start_s must be a whole number of " + unit + " >= 0 for a rate trace", spec.start_s);
  if (spec.duration_s >= 0 && !is_whole(spec.duration_s))
    fail("duration_s must be a whole number of " + unit + " for a rate trace", spec.duration_s);
  if (std::isnan(spec.duration_s)) fail("duration_s must be a number", spec.duration_s);
  if (!(spec.gap_min_s >= 0)) fail("gap_min_s must be >= 0", spec.gap_min_s);
  return path;
}

// A number of intervals (`value` seconds / interval_s, whole by checked_path).
uint64_t to_intervals(double value, double interval_s) {
  const double n = std::round(value / interval_s);
  constexpr double kHuge = 9.0e15;
  return n >= kHuge ? static_cast<uint64_t>(kHuge) : static_cast<uint64_t>(n);
}

uint64_t to_seconds(double value) {
  constexpr double kHuge = 9.0e15;  // beyond any trace, still exact in a double and a uint64_t
  return value >= kHuge ? static_cast<uint64_t>(kHuge) : static_cast<uint64_t>(value);
}

}  // namespace

// ---- TraceFile ----

TraceFile::TraceFile(const std::string& path) : path_(path), file_(core::open_input(path, "file")) {
  namespace io = boost::iostreams;
  if (ends_with(path, ".gz")) {
    format_ = "gzip";
    in_.push(io::gzip_decompressor(io::gzip::default_window_bits, kReadBlockBytes), kReadBlockBytes);
  } else if (ends_with(path, ".bz2")) {
    format_ = "bzip2";
    in_.push(io::bzip2_decompressor(io::bzip2::default_small, kReadBlockBytes), kReadBlockBytes);
  }
  in_.push(*file_, kReadBlockBytes);
  in_.exceptions(std::ios::badbit);  // rethrow the decompressor's own exception instead of setting badbit
}

size_t TraceFile::read(char* out, size_t size) {
  try {
    in_.read(out, static_cast<std::streamsize>(size));
    size_t got = static_cast<size_t>(in_.gcount());
    if (is_at_start_ && got > 0) {
      is_at_start_ = false;
      // A UTF-8 byte order mark (editors on Windows write one) is not part of the trace.
      static constexpr char kBom[] = "\xEF\xBB\xBF";
      if (got >= 3 && std::memcmp(out, kBom, 3) == 0) {
        std::memmove(out, out + 3, got - 3);
        got -= 3;
        if (got == 0) return read(out, size);
      }
    }
    return got;
  } catch (const std::exception&) {
    throw input_error(path_, "", format_.empty() ? "cannot read file" : "corrupt " + format_ + " data");
  }
}

// ---- RateTraceSource ----

RateTraceSource::RateTraceSource(const WorkloadSpec& spec, uint64_t seed)
    : file_(checked_path(spec)),
      block_(new char[kReadBlockBytes + 1]),
      policy_(spec.gaps),
      gap_min_seconds_(std::max<uint64_t>(1, to_seconds(std::ceil(spec.gap_min_s / spec.interval_s - 1e-9)))),
      fill_window_(
          std::clamp<size_t>(static_cast<size_t>(std::lround(60 / spec.interval_s)), 1, kFillWindow)),
      interval_s_(spec.interval_s),
      values_are_rates_(spec.values_are_rates),
      arrivals_per_value_(spec.values_are_rates ? spec.interval_s : 1.0),
      window_start_s_(to_intervals(spec.start_s, spec.interval_s)),
      window_end_s_(spec.duration_s < 0 ? std::numeric_limits<uint64_t>::max()
                                        : window_start_s_ + to_intervals(spec.duration_s, spec.interval_s)),
      scale_(spec.scale),
      is_unit_scale_(spec.scale == 1.0),
      time_compression_(spec.time_compression),
      duration_s_(spec.duration_s < 0 || spec.gaps == GapPolicy::skip
                      ? -1.0
                      : spec.duration_s / spec.time_compression),
      count_rng_(Rng::derive(seed, 1)),
      place_rng_(Rng::derive(seed, 2)),
      token_draw_(spec),
      token_rng_(Rng::derive(seed, 6)) {
  cur_ = end_ = block_.get();
  *end_ = '\0';
  // Skip to the window start, classifying gaps on the way (a gap is a property of the whole trace).
  Second second;
  while (next_trace_second_ < window_start_s_ && next_trace_second(second)) ++next_trace_second_;
  const bool has_more = has_classified_seconds() || has_more_tokens();
  if (tokens_read_ == 0 && !has_more) throw input_error(file_.path(), "", "the trace is empty");
  if (!has_more) {
    throw input_error(file_.path(), "",
                      "start_s " + core::quote_number(spec.start_s) + " is beyond the end of the trace (" +
                          core::quote_number(static_cast<double>(tokens_read_) * interval_s_) + " s)");
  }
}

void RateTraceSource::fill_from(char* keep_from) {
  const size_t kept = static_cast<size_t>(end_ - keep_from);
  std::memmove(block_.get(), keep_from, kept);
  const size_t got = file_.read(block_.get() + kept, kReadBlockBytes - kept);
  if (got == 0) is_eof_ = true;
  cur_ = block_.get();
  end_ = cur_ + kept + got;
  *end_ = '\0';
}

bool RateTraceSource::has_more_tokens() {
  for (;;) {
    while (is_space(*cur_)) ++cur_;
    if (cur_ != end_) return true;
    if (is_eof_) return false;
    fill_from(end_);
  }
}

bool RateTraceSource::read_value(double& value) {
  for (;;) {
    char* p = cur_;
    while (is_space(*p)) ++p;
    if (p == end_) {
      if (is_eof_) return false;
      fill_from(end_);
      continue;
    }
    char* const begin = p;
    uint64_t v = 0;
    if (values_are_rates_) {  // a decimal number: the whole token, up to the next blank
      while (p != end_ && !is_space(*p)) ++p;
    } else {
      while (is_digit(*p)) v = v * 10 + static_cast<uint64_t>(*p++ - '0');
    }
    if (p == end_ && !is_eof_) {  // the token may go on in the next block: parse it again from its start
      if (begin == block_.get() && end_ - begin == static_cast<ptrdiff_t>(kReadBlockBytes))
        throw_bad_token(begin, p);
      fill_from(begin);
      continue;
    }
    if (values_are_rates_) {
      double rate = 0;
      const auto [stop, error] = std::from_chars(begin, p, rate, std::chars_format::general);
      if (error != std::errc() || stop != p || !(rate >= 0) || !std::isfinite(rate) || *begin == '-')
        throw_bad_token(begin, p);
      ++tokens_read_;
      cur_ = p;
      value = rate;
      return true;
    }
    if (p != end_ && !is_space(*p)) throw_bad_token(begin, p);
    if (static_cast<size_t>(p - begin) > kMaxTokenDigits) throw_bad_token(begin, p);
    ++tokens_read_;
    cur_ = p;
    value = static_cast<double>(v);  // exact: at most 15 digits
    return true;
  }
}

void RateTraceSource::throw_bad_token(char* begin, char* end) {
  while (end != end_ && !is_space(*end)) ++end;
  // A token that reaches the end of the text read so far may go on in the file: read on until it ends or
  // fills a whole block.
  while (end == end_ && !is_eof_ && end - begin < static_cast<ptrdiff_t>(kReadBlockBytes)) {
    const ptrdiff_t length = end - begin;
    fill_from(begin);
    begin = cur_;
    end = begin + length;
    while (end != end_ && !is_space(*end)) ++end;
  }
  // A token that fills a whole block goes on beyond it: its length is not known without reading on.
  const bool is_cut = end == end_ && !is_eof_;
  const std::string_view token(begin, static_cast<size_t>(end - begin));
  const bool is_number = std::all_of(token.begin(), token.end(), is_digit);
  const std::string text =
      is_cut ? excerpt(token.substr(0, 40)) + "... (over " + std::to_string(token.size()) + " bytes)"
             : excerpt(token);
  const std::string where =
      "token " + std::to_string(tokens_read_ + 1) + " (" + where_second(tokens_read_) + ")";
  if (values_are_rates_)
    throw input_error(file_.path(), where,
                      "expected a rate, a non-negative decimal number [requests/s], got '" + text + "'");
  throw input_error(file_.path(), where,
                    is_number ? "count '" + text + "' is too large (at most 15 digits)"
                              : "expected a non-negative integer, got '" + text + "'");
}

std::string RateTraceSource::where_second(uint64_t index) const {
  if (interval_s_ == 1.0) return "second " + std::to_string(index + 1);
  return "value " + std::to_string(index + 1) + ", from " +
         core::quote_number(static_cast<double>(index) * interval_s_) + " s";
}

RateTraceSource::Second RateTraceSource::gap_second() const {
  if (policy_ == GapPolicy::skip) return {0, true, true};
  if (policy_ == GapPolicy::fill) {
    // The mean of the last minute before the gap (a count rounded to an integer): the last second alone is
    // often a partial one.
    const uint64_t n = recent_count_ < fill_window_ ? recent_count_ : fill_window_;
    if (n == 0) return {last_nonzero_rate_, false, true};
    if (values_are_rates_) return {recent_sum_ / static_cast<double>(n), false, true};
    const uint64_t sum = static_cast<uint64_t>(recent_sum_);
    return {static_cast<double>((sum + n / 2) / n), false, true};
  }
  return {0, false, true};
}

bool RateTraceSource::next_trace_second(Second& second) {
  if (!classify_second(second)) return false;
  if (!second.is_gap && policy_ == GapPolicy::fill) {
    double& slot = recent_[recent_count_ % fill_window_];
    recent_sum_ += second.rate - (recent_count_ >= fill_window_ ? slot : 0);
    slot = second.rate;
    ++recent_count_;
  }
  return true;
}

bool RateTraceSource::has_classified_seconds() const {
  return plain_zeros_to_emit_ > 0 || gap_seconds_to_emit_ > 0 || has_held_value_ || pending_zeros_ > 0;
}

// Delivers the trace second by second with the gap policy applied. A zero run is buffered as a counter until
// it either reaches gap_min_seconds_ (a gap) or ends (plain zeros), so the lookahead is bounded by gap_min_s.
bool RateTraceSource::classify_second(Second& second) {
  for (;;) {
    if (plain_zeros_to_emit_ > 0) {
      --plain_zeros_to_emit_;
      second = {0, false};
      return true;
    }
    if (gap_seconds_to_emit_ > 0) {
      --gap_seconds_to_emit_;
      second = gap_second();
      return true;
    }
    if (has_held_value_) {
      has_held_value_ = false;
      last_nonzero_rate_ = held_value_;
      second = {held_value_, false};
      return true;
    }
    double value = 0;
    if (!read_value(value)) {
      if (pending_zeros_ == 0) return false;
      plain_zeros_to_emit_ = pending_zeros_;  // a trailing run shorter than a gap
      pending_zeros_ = 0;
      continue;
    }
    if (value != 0) {
      is_in_gap_ = false;
      if (pending_zeros_ == 0) {
        last_nonzero_rate_ = value;
        second = {value, false};
        return true;
      }
      plain_zeros_to_emit_ = pending_zeros_;
      pending_zeros_ = 0;
      held_value_ = value;
      has_held_value_ = true;
      continue;
    }
    if (policy_ == GapPolicy::keep) {
      second = {0, false};
      return true;
    }
    if (is_in_gap_) {
      second = gap_second();
      return true;
    }
    if (++pending_zeros_ >= gap_min_seconds_) {
      is_in_gap_ = true;
      gap_seconds_to_emit_ = pending_zeros_;
      pending_zeros_ = 0;
      continue;
    }
    // Skipped zeros at the very end of the window change nothing, so do not read past the window for them.
    if (policy_ == GapPolicy::skip && next_trace_second_ >= window_start_s_ &&
        window_end_s_ - next_trace_second_ <= pending_zeros_) {
      plain_zeros_to_emit_ = pending_zeros_;
      pending_zeros_ = 0;
    }
  }
}

uint64_t RateTraceSource::scaled_count(double rate, uint64_t index) {
  if (rate == 0) return 0;
  // Checked on the product before it becomes an integer: a double beyond 2^64 has no uint64_t value.
  const double expected = rate * arrivals_per_value_ * scale_;
  if (!(expected <= static_cast<double>(kMaxArrivalsPerSecond))) {
    const std::string value = values_are_rates_ ? "rate " + core::quote_number(rate) + " × interval_s " +
                                                      core::quote_number(interval_s_)
                                                : "count " + std::to_string(static_cast<uint64_t>(rate));
    throw input_error(file_.path(), where_second(index),
                      value + " × scale " + core::quote_number(scale_) + " = " +
                          core::quote_number(expected) + " exceeds " + std::to_string(kMaxArrivalsPerSecond) +
                          (interval_s_ == 1.0 ? " arrivals in one second" : " arrivals in one interval"));
  }
  if (is_unit_scale_ && !values_are_rates_) return static_cast<uint64_t>(rate);
  const double whole = std::floor(expected);
  uint64_t count = static_cast<uint64_t>(whole);
  const double fraction = expected - whole;
  if (fraction > 0 && count_rng_.uniform() < fraction) ++count;
  return count;
}

bool RateTraceSource::next_window_second(uint64_t& count, uint64_t& out_second) {
  Second second;
  while (next_trace_second_ < window_end_s_ && next_trace_second(second)) {
    const uint64_t index = next_trace_second_++;
    if (second.is_skipped) {
      ++skipped_seconds_;
      continue;
    }
    count = scaled_count(second.rate, index);
    out_second = index - window_start_s_ - skipped_seconds_;
    return true;
  }
  return false;
}

bool RateTraceSource::place_next_second() {
  uint64_t count = 0;
  uint64_t out_second = 0;
  do {
    if (!next_window_second(count, out_second)) return false;
  } while (count == 0);
  if (spacing_.size() < count) spacing_.resize(count);
  double* spacing = spacing_.data();
  double sum = 0;
  for (uint64_t i = 0; i < count; ++i) {
    sum -= std::log(place_rng_.uniform_open0());
    spacing[i] = sum;
  }
  sum -= std::log(place_rng_.uniform_open0());
  base_s_ = static_cast<double>(out_second) * interval_s_ / time_compression_;
  unit_s_ = sum > 0 ? interval_s_ / (sum * time_compression_) : 0.0;
  pos_ = 0;
  count_ = count;
  return true;
}

uint64_t RateTraceSource::count_remaining() {
  uint64_t total = count_ - pos_;
  pos_ = count_ = 0;
  uint64_t count = 0;
  uint64_t out_second = 0;
  for (uint32_t seconds = 0; next_window_second(count, out_second); ++seconds) {
    if (count > std::numeric_limits<uint64_t>::max() - total) {
      throw input_error(
          file_.path(), where_second(next_trace_second_ - 1),
          std::to_string(total) + " + " + std::to_string(count) + " arrivals exceeds 2^64 - 1 in total");
    }
    total += count;
    if (seconds % 65536 == 0) core::throw_if_interrupted();  // a long trace read up front stops on SIGINT too
  }
  return total;
}

}  // namespace servesim::sim
