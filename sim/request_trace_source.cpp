// Per-request CSV trace replay: streamed line by line from blocks, with a bounded reorder buffer for scaled
// copies.
#include "sim/request_trace_source.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "core/input_error.hpp"
#include "core/json_fields.hpp"
#include "sim/trace_timestamp.hpp"

namespace servesim::sim {

namespace {

constexpr double kReorderToleranceS = 1e-3;  // rows may go back in time by this much (clock jitter in logs)

// 64-bit FNV-1a (Fowler, Noll, Vo) of an input's identifying text; kNoKey is kept free for "no key".
uint64_t hash_key(std::string_view text) {
  uint64_t h = 14695981039346656037ull;
  for (const char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h == kNoKey ? kNoKey - 1 : h;
}

struct LaterArrival {
  template <class Pending>
  bool operator()(const Pending& a, const Pending& b) const {
    return a.arrival.whole_s != b.arrival.whole_s ? a.arrival.whole_s > b.arrival.whole_s
                                                  : a.arrival.fraction_s > b.arrival.fraction_s;
  }
};

struct LaterCopy {
  template <class Copy>
  bool operator()(const Copy& a, const Copy& b) const {
    return a.t_s > b.t_s;
  }
};

}  // namespace

namespace {

std::vector<TraceRows::Column> wanted_columns(const WorkloadSpec& spec) {
  std::vector<TraceRows::Column> columns{
      {spec.end_column.empty() ? spec.timestamp_column : spec.end_column, "column"}};
  if (!spec.key_column.empty()) columns.push_back({spec.key_column, "key column"});
  if (!spec.input_tokens_column.empty()) {
    columns.push_back({spec.input_tokens_column, "token column"});
    columns.push_back({spec.output_tokens_column, "token column"});
  }
  if (!spec.filter_column.empty()) columns.push_back({spec.filter_column, "filter column"});
  if (!spec.end_column.empty()) columns.push_back({spec.duration_column, "duration column"});
  if (!spec.prefix_blocks_column.empty())
    columns.push_back({spec.prefix_blocks_column, "prefix column", true});
  return columns;
}

}  // namespace

RequestTraceSource::RequestTraceSource(const WorkloadSpec& spec, uint64_t seed)
    : rows_(spec.path, spec.format, wanted_columns(spec)),
      column_name_(spec.end_column.empty() ? spec.timestamp_column : spec.end_column),
      timestamp_unit_(spec.timestamp_unit),
      has_key_column_(!spec.key_column.empty()),
      key_column_(1),
      key_column_name_(spec.key_column),
      has_token_columns_(!spec.input_tokens_column.empty()),
      max_request_tokens_(spec.max_request_tokens),
      max_request_tokens_key_(spec.max_request_tokens_key),
      input_tokens_column_(has_key_column_ ? 2 : 1),
      input_tokens_name_(spec.input_tokens_column),
      output_tokens_name_(spec.output_tokens_column),
      has_filter_(!spec.filter_column.empty()),
      filter_column_(1 + (has_key_column_ ? 1 : 0) + (has_token_columns_ ? 2 : 0)),
      filter_equals_(spec.filter_equals),
      has_durations_(!spec.end_column.empty()),
      duration_column_(filter_column_ + (has_filter_ ? 1 : 0)),
      duration_name_(spec.duration_column),
      max_duration_s_(spec.max_duration_s),
      has_prefix_column_(!spec.prefix_blocks_column.empty()),
      prefix_column_(duration_column_ + (has_durations_ ? 1 : 0)),
      prefix_column_name_(spec.prefix_blocks_column),
      prefix_block_tokens_(spec.prefix_block_tokens),
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
  if (has_prefix_column_ && !has_token_columns_)
    throw input_error(path, "", "a prefix column needs the token columns (input and output)");
  if (has_prefix_column_ && prefix_block_tokens_ == 0)
    throw input_error(path, "", "prefix_block_tokens must be at least 1");

  // Skip to the window start (less the spread of copies, which may reach back into the window).
  Row row;
  do {
    if (!next_row(row)) {
      if (has_filter_ && rows_seen_ > 0 && !has_first_) {
        throw input_error(path, "",
                          "no row has '" + excerpt(filter_equals_) + "' in filter column '" +
                              excerpt(spec.filter_column) + "' (" + std::to_string(rows_seen_) + " rows)");
      }
      if (!has_first_) throw input_error(path, "", "the trace is empty");
      throw input_error(path, "",
                        "start_s " + core::quote_number(start_s_) + " is beyond the end of the trace (" +
                            core::quote_number(previous_s_) + " s)");
    }
  } while (row.t_s < start_s_ - jitter_s_);
  lookahead_ = row;
  has_lookahead_ = true;
}

uint32_t RequestTraceSource::parse_tokens(size_t column) const {
  return rows_.token_count(column, column == input_tokens_column_ ? input_tokens_name_ : output_tokens_name_);
}

std::shared_ptr<const RequestPrefix> RequestTraceSource::parse_prefix() const {
  auto fail = [&](const std::string& what) {
    return input_error(rows_.path(), "line " + std::to_string(rows_.line()),
                       "prefix column '" + excerpt(prefix_column_name_) + "': " + what);
  };
  if (!rows_.has(prefix_column_)) throw fail("no value");
  const std::string_view text = rows_.value(prefix_column_);
  auto prefix = std::make_shared<RequestPrefix>();
  prefix->block_tokens = prefix_block_tokens_;
  // Each block's identity chains its id with its parent's (64-bit FNV-1a over the ids' bytes, continued from
  // block to block), so equal chains mean equal prefixes up to that block.
  uint64_t h = 14695981039346656037ull;
  const char* p = text.data();
  const char* const end = p + text.size();
  while (p != end) {
    const char c = *p;
    if (c == ' ' || c == ',' || c == ';' || c == '\t' || (c == '[' && p == text.data()) ||
        (c == ']' && p + 1 == end)) {
      ++p;
      continue;
    }
    uint64_t id = 0;
    const auto [next, error] = std::from_chars(p, end, id);
    if (error != std::errc() || next == p)
      throw fail("expected block ids (non-negative integers, e.g. [1, 2, 3] or \"1 2 3\"), got '" +
                 excerpt(text) + "'");
    for (int byte = 0; byte < 8; ++byte) {
      h ^= (id >> (8 * byte)) & 0xffu;
      h *= 1099511628211ull;
    }
    prefix->chain.push_back(h);
    p = next;
  }
  return prefix;
}

bool RequestTraceSource::next_row(Row& row) {
  TraceStamp stamp;
  if (!has_durations_) {
    if (!read_row(row, stamp)) return false;
    place(row, stamp);
    return true;
  }
  // arrival = end - duration: rows come in end order, so a row's arrival is final once the latest end read,
  // less the longest duration, has passed it.
  for (;;) {
    if (!pending_.empty()) {
      const Pending& earliest = pending_.front();
      const double behind_s = static_cast<double>(earliest.arrival.whole_s - latest_end_.whole_s) +
                              (earliest.arrival.fraction_s - latest_end_.fraction_s);
      if (is_file_done_ || behind_s <= -max_duration_s_) {
        std::pop_heap(pending_.begin(), pending_.end(), LaterArrival{});
        row = pending_.back().row;
        stamp = pending_.back().arrival;
        pending_.pop_back();
        place(row, stamp);
        return true;
      }
    }
    if (is_file_done_) return false;
    if (!read_row(row, stamp)) {
      is_file_done_ = true;
      continue;
    }
    pending_.push_back(Pending{row, stamp});
    std::push_heap(pending_.begin(), pending_.end(), LaterArrival{});
  }
}

bool RequestTraceSource::read_row(Row& row, TraceStamp& stamp) {
  // Rows the filter drops are skipped unread: nothing in them is checked.
  do {
    if (!rows_.next()) return false;
    ++rows_seen_;
  } while (has_filter_ && (!rows_.has(filter_column_) || rows_.value(filter_column_) != filter_equals_));
  auto where = [this] { return "line " + std::to_string(rows_.line()); };  // built only for an error
  if (!rows_.has(kTimestamp))
    throw input_error(rows_.path(), where(), "no value in column '" + excerpt(column_name_) + "'");
  if (!parse_trace_stamp(rows_.value(kTimestamp), timestamp_unit_, stamp)) {
    throw input_error(rows_.path(), where(),
                      std::string("expected a timestamp (") + timestamp_form(timestamp_unit_) + "), got '" +
                          excerpt(rows_.value(kTimestamp)) + "'");
  }
  if (has_durations_) {
    if (has_latest_end_ && static_cast<double>(stamp.whole_s - latest_end_.whole_s) +
                                   (stamp.fraction_s - latest_end_.fraction_s) <
                               -kReorderToleranceS)
      throw input_error(rows_.path(), where(), "end timestamps must be non-decreasing");
    latest_end_ = stamp;
    has_latest_end_ = true;
    const std::string_view text = rows_.has(duration_column_) ? rows_.value(duration_column_) : "";
    double duration_s = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), duration_s);
    if (text.empty() || error != std::errc() || end != text.data() + text.size() || !(duration_s >= 0) ||
        !std::isfinite(duration_s))
      throw input_error(rows_.path(), where(),
                        "duration column '" + excerpt(duration_name_) +
                            "': expected a duration >= 0 [s], got '" + excerpt(text) + "'");
    if (duration_s > max_duration_s_)
      throw input_error(rows_.path(), where(),
                        "duration column '" + excerpt(duration_name_) +
                            "': " + core::quote_number(duration_s) + " s is longer than max_duration_s " +
                            core::quote_number(max_duration_s_) +
                            " (rows are put in arrival order within it: raise max_duration_s)");
    const double start_fraction_s = stamp.fraction_s - duration_s;
    stamp.whole_s += static_cast<int64_t>(std::floor(start_fraction_s));
    stamp.fraction_s = start_fraction_s - std::floor(start_fraction_s);
  }
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
    if (max_request_tokens_ > 0 && uint64_t{row.tokens.input} + row.tokens.output > max_request_tokens_)
      throw input_error(rows_.path(), "line " + std::to_string(rows_.line()),
                        "expected input + output tokens within " + max_request_tokens_key_ + " (" +
                            std::to_string(max_request_tokens_) + "), got " +
                            std::to_string(row.tokens.input) + " + " + std::to_string(row.tokens.output) +
                            " (raise max_context_tokens or filter the trace)");
    if (has_prefix_column_) row.tokens.prefix = parse_prefix();
  }
  return true;
}

void RequestTraceSource::place(Row& row, const TraceStamp& stamp) {
  auto where = [this] { return "line " + std::to_string(rows_.line()); };  // built only for an error
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

bool RequestTraceSource::take_row(Row& row) {
  row = lookahead_;
  if (!has_lookahead_ && (is_input_done_ || !next_row(row))) {
    is_input_done_ = true;
    return false;
  }
  has_lookahead_ = false;
  if (row.t_s >= end_s_) {
    is_input_done_ = true;
    return false;
  }
  return true;
}

bool RequestTraceSource::next_window_row(double& stamp_s, RequestTokens& tokens) {
  for (;;) {
    Row row;
    if (!take_row(row)) return false;
    if (row.t_s < start_s_) continue;  // within the spread of copies before the window (scale != 1)
    stamp_s = static_cast<double>(first_.whole_s) + (first_.fraction_s + row.t_s);
    tokens = row.tokens;
    return true;
  }
}

bool RequestTraceSource::next(double& t_s) {
  if (is_unit_scale_) {
    Row row;
    if (!take_row(row)) return false;
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
