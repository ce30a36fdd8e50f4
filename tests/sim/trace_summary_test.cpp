// Tests of sim/trace_summary (what `servesim validate` prints about a request trace): figures computed from
// the bundled Azure trace by independent tools (awk, Python's csv and datetime), and hand-made traces whose
// span does or does not fit their timestamp unit.
#include "sim/trace_summary.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "support/trace_files.hpp"

using Catch::Matchers::Contains;
using servesim::sim::describe;
using servesim::sim::summarize_request_trace;
using servesim::sim::TimestampUnit;
using servesim::sim::unit_warning;
using servesim::sim::WorkloadSpec;
using servesim::test::request_trace;

namespace {
struct SummaryTraceDir : servesim::test::TraceDir {
  SummaryTraceDir() : TraceDir("trace-summary") {}
};

std::string rows(int count, double step, double first = 0) {
  std::string text = "TIMESTAMP\n";
  for (int i = 0; i < count; ++i) text += std::to_string(first + i * step) + "\n";
  return text;
}
}  // namespace

TEST_CASE("sim::summarize_request_trace: span, rates and token statistics of the Azure code trace") {
  WorkloadSpec spec = request_trace("scenarios/traces/azure-llm-code-2023.csv");
  spec.input_tokens_column = "ContextTokens";
  spec.output_tokens_column = "GeneratedTokens";
  const auto s = summarize_request_trace(spec);
  // Python: csv.DictReader over the file, datetime.strptime(..., "%Y-%m-%d %H:%M:%S") as UTC plus the
  // fraction: first 1700158623.97996 (2023-11-16 18:17:03.97996 UTC), last 1700162059.928016, span
  // 3435.948056 s; 8819 rows / span = 2.566686 requests/s. The busiest second counted from the first row
  // (floor(t - first)) is second 862, with 67 rows; the span is under an hour, so 1-s bins.
  CHECK(s.rows == 8819);
  CHECK(s.first_s == Approx(1700158623.97996).margin(1e-5));
  CHECK(s.span_s() == Approx(3435.948056).margin(1e-5));
  CHECK(s.mean_rps == Approx(2.566686).margin(1e-6));
  CHECK(s.peak_bin_s == 1);
  CHECK(s.peak_rps == 67);
  // awk -F, 'NR>1{n++; a+=$2; b+=$3} END{print a/n, b/n}': 2047.848282 and 27.882526; the p99 by nearest rank
  // is the ceil(0.99 x 8819) = 8731st smallest value (cut -d, -f2 | sort -n | sed -n 8731p): 7436 and 252.
  CHECK(s.input_tokens.mean == Approx(2047.848282).margin(1e-6));
  CHECK(s.input_tokens.p99 == 7436);
  CHECK(s.output_tokens.mean == Approx(27.882526).margin(1e-6));
  CHECK(s.output_tokens.p99 == 252);
  const std::string text = describe(s);
  CHECK_THAT(text, Contains("request trace: 8819 rows, timestamps 1700158623.980 .. 1700162059.928 s: span "
                            "3435.948 s (57.3 min)"));
  CHECK_THAT(text, Contains("rate: mean 2.567 requests/s, peak 67 requests/s (the busiest 1-s bin)"));
  CHECK_THAT(text, Contains("tokens: input mean 2047.8, p99 7436; output mean 27.9, p99 252"));
  CHECK(unit_warning(s, spec).empty());
}

TEST_CASE("sim::summarize_request_trace: long traces peak over 60-s bins; a window and a filter apply") {
  SummaryTraceDir dir;
  // Two hours, one row every 2 s, plus 90 extra rows in [3000, 3060): the busiest minute holds 30 + 90 = 120
  // rows, 2 requests/s over 60-s bins.
  std::vector<double> times;
  for (int i = 0; i < 3600; ++i) times.push_back(i * 2.0);
  for (int k = 0; k < 90; ++k) times.push_back(3000 + k * (60.0 / 90));
  std::sort(times.begin(), times.end());
  std::string merged = "TIMESTAMP\n";
  for (const double t : times) merged += std::to_string(t) + "\n";
  WorkloadSpec spec = request_trace(dir.write("long.csv", merged));
  auto s = summarize_request_trace(spec);
  CHECK(s.rows == 3690);
  CHECK(s.span_s() == 7198);
  CHECK(s.peak_bin_s == 60);
  CHECK(s.peak_rps == Approx(2.0));
  CHECK(s.mean_rps == Approx(3690.0 / 7198));
  // The window [100, 200): rows at 100, 102, ..., 198.
  spec.start_s = 100;
  spec.duration_s = 100;
  s = summarize_request_trace(spec);
  CHECK(s.rows == 50);
  CHECK(s.first_s == 100);
  CHECK(s.last_s == 198);
}

TEST_CASE("sim::unit_warning: a span that does not fit the timestamp unit") {
  SummaryTraceDir dir;
  SECTION("epoch milliseconds read as seconds span decades") {
    // 1200 rows 1 s apart in epoch milliseconds (1700158623000 + 1000 i), read as seconds: a span of
    // 1,199,000 "s" = 13.9 days — within a year, no warning; 2000 rows 60 s apart span 119,940,000 "s" =
    // 1388.2 days.
    WorkloadSpec spec = request_trace(dir.write("ms.csv", rows(1200, 1000, 1700158623000)));
    CHECK(unit_warning(summarize_request_trace(spec), spec).empty());
    spec = request_trace(dir.write("ms-long.csv", rows(2000, 60000, 1700158623000)));
    const std::string warning = unit_warning(summarize_request_trace(spec), spec);
    CHECK_THAT(warning, Contains("ms-long.csv: the timestamps span 1388.2 days (more than a year), read with "
                                 "\"timestamp_unit\": \"auto\": did you mean \"timestamp_unit\": \"ms\"?"));
    spec.timestamp_unit = TimestampUnit::milliseconds;
    CHECK(unit_warning(summarize_request_trace(spec), spec).empty());
  }
  SECTION("seconds read as microseconds crowd into under a second") {
    // 1001 rows 0.5 s apart (a 500-s trace) read as ms: 0.5 s; 1000 rows would not be warned about.
    WorkloadSpec spec = request_trace(dir.write("s.csv", rows(1001, 0.5)));
    spec.timestamp_unit = TimestampUnit::milliseconds;
    CHECK_THAT(unit_warning(summarize_request_trace(spec), spec),
               Contains("s.csv: 1001 rows within 0.5 s, read with \"timestamp_unit\": \"ms\": did you mean "
                        "\"timestamp_unit\": \"s\"?"));
    spec = request_trace(dir.write("s1000.csv", rows(1000, 0.5)));
    spec.timestamp_unit = TimestampUnit::milliseconds;
    CHECK(unit_warning(summarize_request_trace(spec), spec).empty());
  }
}
