// The summary of a request trace for `servesim validate`: one pass over its rows, counting per 1-s and 60-s
// bin and per distinct token count.
#include "sim/trace_summary.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <unordered_map>
#include <utility>
#include <vector>

#include "sim/request_trace_source.hpp"
#include "sim/trace_timestamp.hpp"

namespace servesim::sim {

namespace {

constexpr double kLongTraceS = 3600;           // above this span, peaks are over 60-s bins
constexpr double kYearS = 365.0 * 86400;       // a span longer than this looks like the wrong unit
constexpr uint64_t kManyRowsInASecond = 1000;  // ... as do more rows than this within a second

// The most rows in one bin of `bin_s` seconds, bins counted from the first row (rows are non-decreasing).
class PeakBin {
 public:
  explicit PeakBin(double bin_s) : bin_s_(bin_s) {}
  void add(double offset_s) {
    const double bin = std::floor(offset_s / bin_s_);
    if (bin != bin_) {
      bin_ = bin;
      count_ = 0;
    }
    peak_ = std::max(peak_, ++count_);
  }
  double peak_rps() const { return static_cast<double>(peak_) / bin_s_; }

 private:
  double bin_s_;
  double bin_ = -1;
  uint64_t count_ = 0;
  uint64_t peak_ = 0;
};

// Counts of each distinct token count: the exact mean and p99 with memory bounded by the distinct values.
class TokenCounts {
 public:
  void add(uint32_t tokens) {
    ++count_[tokens];
    sum_ += tokens;
    ++rows_;
  }
  TokenStats stats() const {
    TokenStats stats;
    if (rows_ == 0) return stats;
    stats.mean = static_cast<double>(sum_) / static_cast<double>(rows_);
    std::vector<std::pair<uint32_t, uint64_t>> sorted(count_.begin(), count_.end());
    std::sort(sorted.begin(), sorted.end());
    const auto rank = static_cast<uint64_t>(std::ceil(0.99 * static_cast<double>(rows_)));
    uint64_t seen = 0;
    for (const auto& [tokens, count] : sorted) {
      seen += count;
      if (seen >= rank) {
        stats.p99 = tokens;
        break;
      }
    }
    return stats;
  }

 private:
  std::unordered_map<uint32_t, uint64_t> count_;
  uint64_t sum_ = 0;
  uint64_t rows_ = 0;
};

std::string format(const char* pattern, double value) {
  char text[64];
  std::snprintf(text, sizeof text, pattern, value);
  return text;
}

// A duration in the largest unit that keeps it above 1: "57.3 min", "41.7 days".
std::string readable(double seconds) {
  if (seconds >= 2 * 86400) return format("%.1f days", seconds / 86400);
  if (seconds >= 2 * 3600) return format("%.1f h", seconds / 3600);
  if (seconds >= 120) return format("%.1f min", seconds / 60);
  return format("%.3g s", seconds);
}

}  // namespace

RequestTraceSummary summarize_request_trace(const WorkloadSpec& spec) {
  RequestTraceSource source(spec, 1);
  RequestTraceSummary summary;
  summary.has_tokens = !spec.input_tokens_column.empty();
  PeakBin per_second(1), per_minute(60);
  TokenCounts input, output;
  double stamp_s = 0;
  RequestTokens tokens;
  while (source.next_window_row(stamp_s, tokens)) {
    if (summary.rows == 0) summary.first_s = stamp_s;
    summary.last_s = stamp_s;  // rows are non-decreasing
    ++summary.rows;
    per_second.add(stamp_s - summary.first_s);
    per_minute.add(stamp_s - summary.first_s);
    if (summary.has_tokens) {
      input.add(tokens.input);
      output.add(tokens.output);
    }
  }
  const double span_s = summary.span_s();
  summary.mean_rps = span_s > 0 ? static_cast<double>(summary.rows) / span_s : 0;
  summary.peak_bin_s = span_s > kLongTraceS ? 60 : 1;
  summary.peak_rps = span_s > kLongTraceS ? per_minute.peak_rps() : per_second.peak_rps();
  summary.input_tokens = input.stats();
  summary.output_tokens = output.stats();
  return summary;
}

std::string describe(const RequestTraceSummary& s) {
  std::string text = "request trace: " + std::to_string(s.rows) + " rows, timestamps " +
                     format("%.3f", s.first_s) + " .. " + format("%.3f", s.last_s) + " s: span " +
                     format("%.3f", s.span_s()) + " s" +
                     (s.span_s() >= 120 ? " (" + readable(s.span_s()) + ")" : std::string()) +
                     " of trace time, before scale and time_compression\n";
  text += "  rate: mean " + (s.mean_rps > 0 ? format("%.4g", s.mean_rps) : std::string("-")) +
          " requests/s, peak " + format("%.4g", s.peak_rps) + " requests/s (the busiest " +
          (s.peak_bin_s == 1 ? "1-s" : "60-s") + " bin)\n";
  if (s.has_tokens) {
    text += "  tokens: input mean " + format("%.1f", s.input_tokens.mean) + ", p99 " +
            std::to_string(s.input_tokens.p99) + "; output mean " + format("%.1f", s.output_tokens.mean) +
            ", p99 " + std::to_string(s.output_tokens.p99) + "\n";
  }
  return text;
}

std::string unit_warning(const RequestTraceSummary& s, const WorkloadSpec& spec) {
  const TimestampUnit unit = spec.timestamp_unit;
  const std::string read_as =
      std::string("read with \"timestamp_unit\": \"") + timestamp_unit_name(unit) + "\"";
  if (s.span_s() > kYearS) {
    const char* meant = unit == TimestampUnit::automatic || unit == TimestampUnit::seconds ? "ms"
                        : unit == TimestampUnit::milliseconds                              ? "us"
                                                                                           : nullptr;
    return spec.path + ": the timestamps span " + readable(s.span_s()) + " (more than a year), " + read_as +
           (meant ? std::string(": did you mean \"timestamp_unit\": \"") + meant + "\"?"
                  : std::string(": check the trace's clock"));
  }
  if (s.span_s() < 1 && s.rows > kManyRowsInASecond) {
    const char* meant = unit == TimestampUnit::microseconds   ? "ms"
                        : unit == TimestampUnit::milliseconds ? "s"
                                                              : nullptr;
    return spec.path + ": " + std::to_string(s.rows) + " rows within " + format("%.3g", s.span_s()) + " s, " +
           read_as +
           (meant ? std::string(": did you mean \"timestamp_unit\": \"") + meant + "\"?"
                  : std::string(": check the trace's clock"));
  }
  return "";
}

}  // namespace servesim::sim
