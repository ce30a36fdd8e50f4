// Per-request CSV trace replay: streamed line by line from blocks, with a bounded reorder buffer for scaled
// copies.
#include "sim/request_trace_source.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "core/input_error.hpp"
#include "core/json_fields.hpp"

namespace servesim::sim {

namespace {

constexpr double kReorderToleranceS = 1e-3;  // rows may go back in time by this much (clock jitter in logs)

bool is_decimal_digit(char c) {
  return static_cast<unsigned char>(c - '0') < 10;
}

// Digits [begin, begin+count) as an integer; false if any is not a digit.
bool parse_digits(std::string_view text, size_t begin, size_t count, int64_t& value) {
  if (begin + count > text.size()) return false;
  value = 0;
  for (size_t i = begin; i < begin + count; ++i) {
    if (!is_decimal_digit(text[i])) return false;
    value = value * 10 + (text[i] - '0');
  }
  return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant, "chrono-Compatible Low-Level Date
// Algorithms").
int64_t days_from_civil(int64_t year, int64_t month, int64_t day) {
  year -= month <= 2;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t year_of_era = year - era * 400;
  const int64_t day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

int64_t days_in_month(int64_t year, int64_t month) {
  static constexpr int64_t kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool is_leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && is_leap ? 29 : kDays[month - 1];
}

// "[.digits]" from `begin` to the end of `text` as a fraction of a second.
bool parse_fraction(std::string_view text, size_t begin, double& fraction) {
  fraction = 0;
  if (begin == text.size()) return true;
  if (text[begin] != '.' || begin + 1 == text.size() || text.size() - begin - 1 > 9) return false;
  int64_t digits = 0;
  if (!parse_digits(text, begin + 1, text.size() - begin - 1, digits)) return false;
  fraction = static_cast<double>(digits) / std::pow(10.0, static_cast<double>(text.size() - begin - 1));
  return true;
}

// 64-bit FNV-1a (Fowler, Noll, Vo) of an input's identifying text; kNoKey is kept free for "no key".
uint64_t hash_key(std::string_view text) {
  uint64_t h = 14695981039346656037ull;
  for (const char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h == kNoKey ? kNoKey - 1 : h;
}

struct LaterCopy {
  template <class Copy>
  bool operator()(const Copy& a, const Copy& b) const {
    return a.t_s > b.t_s;
  }
};

}  // namespace

namespace {

std::vector<TraceRows::Column> wanted_columns(const WorkloadSpec& spec) {
  std::vector<TraceRows::Column> columns{{spec.timestamp_column, "column"}};
  if (!spec.key_column.empty()) columns.push_back({spec.key_column, "key column"});
  if (!spec.input_tokens_column.empty()) {
    columns.push_back({spec.input_tokens_column, "token column"});
    columns.push_back({spec.output_tokens_column, "token column"});
  }
  return columns;
}

}  // namespace

RequestTraceSource::RequestTraceSource(const WorkloadSpec& spec, uint64_t seed)
    : rows_(spec.path, spec.format, wanted_columns(spec)),
      column_name_(spec.timestamp_column),
      has_key_column_(!spec.key_column.empty()),
      key_column_(1),
      key_column_name_(spec.key_column),
      has_token_columns_(!spec.input_tokens_column.empty()),
      input_tokens_column_(has_key_column_ ? 2 : 1),
      input_tokens_name_(spec.input_tokens_column),
      output_tokens_name_(spec.output_tokens_column),
      start_s_(spec.start_s),
      end_s_(spec.duration_s < 0 ? HUGE_VAL : spec.start_s + spec.duration_s),
      time_compression_(spec.time_compression),
      duration_s_(spec.duration_s < 0 ? -1.0 : spec.duration_s / spec.time_compression),
      scale_(spec.scale),
      is_unit_scale_(spec.scale == 1.0),
      jitter_s_(spec.scale == 1.0 ? 0.0 : 0.5),
      count_rng_(Rng::derive(seed, 4)),
      jitter_rng_(Rng::derive(seed, 5)) {
  const std::string& path = rows_.path();
  auto fail = [&](const std::string& what, double value) {
    throw input_error(path, "", what + ", got " + core::quote_number(value));
  };
  if (!(spec.scale > 0) || !std::isfinite(spec.scale)) fail("scale must be a positive number", spec.scale);
  if (!(spec.time_compression > 0) || !std::isfinite(spec.time_compression))
    fail("time_compression must be a positive number", spec.time_compression);
  if (!(spec.start_s >= 0) || !std::isfinite(spec.start_s)) fail("start_s must be >= 0", spec.start_s);
  if (std::isnan(spec.duration_s)) fail("duration_s must be a number", spec.duration_s);
  if (spec.input_tokens_column.empty() != spec.output_tokens_column.empty())
    throw input_error(path, "", "give both token columns (input and output) or neither");

  // Skip to the window start (less the spread of copies, which may reach back into the window).
  Row row;
  do {
    if (!next_row(row)) {
      if (!has_first_) throw input_error(path, "", "the trace is empty");
      throw input_error(path, "",
                        "start_s " + core::quote_number(start_s_) + " is beyond the end of the trace (" +
                            core::quote_number(previous_s_) + " s)");
    }
  } while (row.t_s < start_s_ - jitter_s_);
  lookahead_ = row;
  has_lookahead_ = true;
}

bool RequestTraceSource::parse_stamp(std::string_view text, Stamp& stamp) const {
  if (!text.empty() && text.back() == 'Z') text.remove_suffix(1);
  if (text.size() >= 19 && text[4] == '-' && text[7] == '-' && (text[10] == ' ' || text[10] == 'T') &&
      text[13] == ':' && text[16] == ':') {
    int64_t year, month, day, hour, minute, second;
    if (!parse_digits(text, 0, 4, year) || !parse_digits(text, 5, 2, month) ||
        !parse_digits(text, 8, 2, day) || !parse_digits(text, 11, 2, hour) ||
        !parse_digits(text, 14, 2, minute) || !parse_digits(text, 17, 2, second)) {
      return false;
    }
    if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) || hour > 23 || minute > 59 ||
        second > 60) {
      return false;
    }
    stamp.whole_s = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
    return parse_fraction(text, 19, stamp.fraction_s);
  }
  // Seconds: "digits[.digits]" exactly (keeps the resolution of epoch seconds), anything else through
  // from_chars.
  size_t digits = 0;
  while (digits < text.size() && is_decimal_digit(text[digits])) ++digits;
  if (digits > 0 && digits <= 15 && parse_digits(text, 0, digits, stamp.whole_s) &&
      parse_fraction(text, digits, stamp.fraction_s)) {
    return true;
  }
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value) || text.empty() ||
      std::fabs(value) > 9.0e15) {
    return false;
  }
  stamp.whole_s = static_cast<int64_t>(std::floor(value));
  stamp.fraction_s = value - std::floor(value);
  return true;
}

uint32_t RequestTraceSource::parse_tokens(size_t column) const {
  auto fail = [&](const std::string& what) {
    const std::string& name = column == input_tokens_column_ ? input_tokens_name_ : output_tokens_name_;
    return input_error(rows_.path(), "line " + std::to_string(rows_.line()),
                       "token column '" + excerpt(name) + "': " + what);
  };
  if (!rows_.has(column) || rows_.value(column).empty()) throw fail("no value");
  const std::string_view text = rows_.value(column);
  uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error == std::errc::invalid_argument || end != text.data() + text.size())
    throw fail("expected a non-negative integer, got '" + excerpt(text) + "'");
  if (error == std::errc::result_out_of_range || value > kMaxRequestTokens)
    throw fail("expected at most 10000000 tokens, got '" + excerpt(text) + "'");
  return static_cast<uint32_t>(value);
}

bool RequestTraceSource::next_row(Row& row) {
  if (!rows_.next()) return false;
  auto where = [this] { return "line " + std::to_string(rows_.line()); };  // built only for an error
  Stamp stamp;
  if (!rows_.has(kTimestamp))
    throw input_error(rows_.path(), where(), "no value in column '" + excerpt(column_name_) + "'");
  if (!parse_stamp(rows_.value(kTimestamp), stamp)) {
    throw input_error(rows_.path(), where(),
                      "expected a timestamp (seconds or YYYY-MM-DD HH:MM:SS.fff), got '" +
                          excerpt(rows_.value(kTimestamp)) + "'");
  }
  if (!has_first_) {
    first_ = stamp;
    has_first_ = true;
  }
  double relative_s =
      static_cast<double>(stamp.whole_s - first_.whole_s) + (stamp.fraction_s - first_.fraction_s);
  if (relative_s < previous_s_ - kReorderToleranceS) {
    throw input_error(rows_.path(), where(), "timestamps must be non-decreasing");
  }
  relative_s = std::max(relative_s, previous_s_);
  previous_s_ = relative_s;
  row.t_s = relative_s;
  row.key = kNoKey;
  if (has_key_column_) {
    if (!rows_.has(key_column_) || rows_.value(key_column_).empty())
      throw input_error(rows_.path(), where(), "no value in key column '" + excerpt(key_column_name_) + "'");
    row.key = hash_key(rows_.value(key_column_));
  }
  row.tokens = {};
  if (has_token_columns_) {
    row.tokens.input = parse_tokens(input_tokens_column_);
    row.tokens.output = parse_tokens(input_tokens_column_ + 1);
  }
  return true;
}

void RequestTraceSource::push_copies(const Row& row) {
  uint64_t copies = static_cast<uint64_t>(scale_);
  const double fraction = scale_ - std::floor(scale_);
  if (fraction > 0 && count_rng_.uniform() < fraction) ++copies;
  for (uint64_t i = 0; i < copies; ++i) {
    Row copy = row;
    if (i > 0) copy.t_s = row.t_s + jitter_s_ * (2.0 * jitter_rng_.uniform() - 1.0);
    heap_.push_back(copy);
    std::push_heap(heap_.begin(), heap_.end(), LaterCopy{});
  }
}

uint64_t RequestTraceSource::count_rows(double& last_s) {
  uint64_t rows = 0;
  last_s = 0;
  Row row = lookahead_;
  bool has_row = has_lookahead_ && !is_input_done_;
  while (has_row && row.t_s < end_s_) {
    if (row.t_s >= start_s_) {
      ++rows;
      last_s = (row.t_s - start_s_) / time_compression_;
    }
    has_row = next_row(row);
  }
  has_lookahead_ = false;
  is_input_done_ = true;
  return rows;
}

bool RequestTraceSource::next(double& t_s) {
  if (is_unit_scale_) {
    Row row = lookahead_;
    if (!has_lookahead_ && (is_input_done_ || !next_row(row))) {
      is_input_done_ = true;
      return false;
    }
    has_lookahead_ = false;
    if (row.t_s >= end_s_) {
      is_input_done_ = true;
      return false;
    }
    t_s = (row.t_s - start_s_) / time_compression_;
    key_ = row.key;
    tokens_ = row.tokens;
    return true;
  }
  for (;;) {
    // A pending copy is final once no later row can put a copy before it (rows are non-decreasing).
    if (!heap_.empty() && (is_input_done_ || heap_.front().t_s <= lookahead_.t_s - jitter_s_)) {
      std::pop_heap(heap_.begin(), heap_.end(), LaterCopy{});
      const Row copy = heap_.back();
      heap_.pop_back();
      if (copy.t_s < start_s_ || copy.t_s >= end_s_) continue;
      t_s = (copy.t_s - start_s_) / time_compression_;
      key_ = copy.key;
      tokens_ = copy.tokens;
      return true;
    }
    if (is_input_done_) return false;
    if (lookahead_.t_s >= end_s_ + jitter_s_) {
      is_input_done_ = true;
      continue;
    }
    push_copies(lookahead_);
    if (!next_row(lookahead_)) is_input_done_ = true;
  }
}

}  // namespace servesim::sim
