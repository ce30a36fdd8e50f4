// Tests of sim/arrival_source: counts, placement and windows checked against figures from theory (Poisson and
// uniform statistics) and from the bundled traces' README, never against the code's own output.
#include "sim/arrival_source.hpp"

#include <unistd.h>

#include <algorithm>
#include <boost/iostreams/copy.hpp>
#include <boost/iostreams/device/file.hpp>
#include <boost/iostreams/filter/bzip2.hpp>
#include <boost/iostreams/filter/gzip.hpp>
#include <boost/iostreams/filtering_stream.hpp>
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/input_error.hpp"
#include "support/trace_files.hpp"

namespace fs = std::filesystem;
namespace io = boost::iostreams;
using Catch::Matchers::Contains;
using servesim::InputError;
using servesim::sim::count_arrivals;
using servesim::sim::GapPolicy;
using servesim::sim::make_arrival_source;
using servesim::sim::WorkloadSpec;

using servesim::test::kAzureCodeTrace;
using servesim::test::kTwitterTrace;

namespace {

// A folder for this test's trace files ("servesim-arrivals-PID-N" under the temporary folder).
struct ArrivalTraceDir : servesim::test::TraceDir {
  ArrivalTraceDir() : TraceDir("arrivals") {}
};
using servesim::test::rate_trace;
using servesim::test::request_trace;

std::vector<double> arrival_times(const WorkloadSpec& spec, uint64_t seed = 42) {
  auto source = make_arrival_source(spec, seed);
  std::vector<double> times;
  double t_s = 0;
  while (source->next(t_s)) times.push_back(t_s);
  return times;
}

// Arrivals per whole second [0, seconds).
std::vector<int> per_second(const std::vector<double>& times, size_t seconds) {
  std::vector<int> counts(seconds, 0);
  for (double t : times) {
    REQUIRE(t >= 0);
    REQUIRE(static_cast<size_t>(t) < seconds);
    ++counts[static_cast<size_t>(t)];
  }
  return counts;
}

std::string repeat(const std::string& token, int times) {
  std::string text;
  for (int i = 0; i < times; ++i) text += token;
  return text;
}

// The first `count` values of a bz2 rate trace, read independently of the code under test.
std::vector<uint64_t> read_rates(const std::string& path, size_t count) {
  io::filtering_istream in;
  in.push(io::bzip2_decompressor());
  in.push(io::file_source(path, std::ios::binary));
  std::vector<uint64_t> rates;
  uint64_t value = 0;
  while (rates.size() < count && in >> value) rates.push_back(value);
  return rates;
}

}  // namespace

TEST_CASE("sim::ArrivalSource: a rate trace places each second's count inside that second") {
  ArrivalTraceDir dir;
  const WorkloadSpec spec = rate_trace(dir.write("small.txt", "3 0 5"));

  SECTION("3 0 5 gives 3, 0 and 5 arrivals in the three seconds, in time order") {
    const auto times = arrival_times(spec);
    REQUIRE(times.size() == 8);
    REQUIRE(std::is_sorted(times.begin(), times.end()));
    REQUIRE(per_second(times, 3) == std::vector<int>{3, 0, 5});
    REQUIRE(count_arrivals(spec, 42) == 8);
    REQUIRE(make_arrival_source(spec, 42)->duration_s() < 0);
  }
  SECTION("the same seed gives the same times, another seed other times") {
    REQUIRE(arrival_times(spec, 7) == arrival_times(spec, 7));
    REQUIRE(arrival_times(spec, 7) != arrival_times(spec, 8));
  }
  SECTION("the window selects whole seconds and restarts the clock at its start") {
    WorkloadSpec window = spec;
    window.duration_s = 2;
    REQUIRE(per_second(arrival_times(window), 2) == std::vector<int>{3, 0});
    REQUIRE(make_arrival_source(window, 1)->duration_s() == 2.0);
    window.start_s = 2;
    window.duration_s = -1;
    REQUIRE(per_second(arrival_times(window), 1) == std::vector<int>{5});
  }
  SECTION("time compression k divides every arrival time by k") {
    WorkloadSpec fast = spec;
    fast.time_compression = 2;
    const auto plain = arrival_times(spec);
    const auto compressed = arrival_times(fast);
    REQUIRE(compressed.size() == plain.size());
    for (size_t i = 0; i < plain.size(); ++i) REQUIRE(compressed[i] == Approx(plain[i] / 2).margin(1e-12));
  }
  SECTION("tokens split across 64 KiB blocks are read whole") {
    // 30,000 x "7 12345 0 " is about 300 KB: many tokens straddle a block boundary.
    const WorkloadSpec big = rate_trace(dir.write("big.txt", repeat("7 12345 0\n", 30000)));
    REQUIRE(count_arrivals(big, 1) == 30000ULL * (7 + 12345));
  }
}

TEST_CASE("sim::ArrivalSource: scaled rate-trace counts are stochastically rounded with an exact mean") {
  ArrivalTraceDir dir;
  WorkloadSpec spec = rate_trace(dir.write("constant.txt", repeat("3 ", 2000)));

  SECTION("scale 2.5 on rate 3: 7 or 8 per second, mean 7.5 within 4 standard errors") {
    spec.scale = 2.5;
    const auto counts = per_second(arrival_times(spec), 2000);
    double total = 0;
    for (int count : counts) {
      REQUIRE((count == 7 || count == 8));
      total += count;
    }
    // Each second is 7 + Bernoulli(0.5): the total has mean 15,000 and sigma sqrt(2000 * 0.25) = 22.4.
    REQUIRE(std::fabs(total - 15000) < 4 * std::sqrt(2000 * 0.25));
  }
  SECTION("an integer product needs no rounding") {
    spec.scale = 2;
    REQUIRE(count_arrivals(spec, 3) == 12000);
  }
}

TEST_CASE("sim::ArrivalSource: arrivals within a second are uniform") {
  ArrivalTraceDir dir;
  const int n = 10000;
  const auto times = arrival_times(rate_trace(dir.write("one.txt", std::to_string(n))));
  REQUIRE(times.size() == static_cast<size_t>(n));
  double sum = 0;
  double ks = 0;  // Kolmogorov-Smirnov distance to U(0, 1); the times are already sorted
  for (int i = 0; i < n; ++i) {
    sum += times[i];
    ks = std::max({ks, (i + 1.0) / n - times[i], times[i] - static_cast<double>(i) / n});
  }
  // Mean of U(0,1): 0.5, standard error sqrt(1/12/n) = 0.0029; tolerance 4 standard errors.
  REQUIRE(std::fabs(sum / n - 0.5) < 4 * std::sqrt(1.0 / 12 / n));
  // 1% critical value of the one-sample KS statistic: 1.628 / sqrt(n).
  REQUIRE(ks < 1.628 / std::sqrt(n));
}

TEST_CASE("sim::ArrivalSource: synthetic workloads follow their rate") {
  WorkloadSpec spec;
  SECTION("poisson 100/s over 1000 s: count, interarrival mean and coefficient of variation") {
    spec.kind = WorkloadSpec::Kind::poisson;
    spec.rate_rps = 100;
    spec.synthetic_duration_s = 1000;
    const auto times = arrival_times(spec);
    const double n = static_cast<double>(times.size());
    REQUIRE(std::fabs(n - 1e5) < 4 * std::sqrt(1e5));  // Poisson(1e5): sigma 316
    std::vector<double> gaps(times.size());
    std::adjacent_difference(times.begin(), times.end(), gaps.begin());
    double sum = 0, sum2 = 0;
    for (double gap : gaps) sum += gap, sum2 += gap * gap;
    const double mean = sum / n;
    const double cv = std::sqrt(sum2 / n - mean * mean) / mean;
    REQUIRE(std::fabs(mean - 0.01) < 4 * 0.01 / std::sqrt(n));  // exponential: sd = mean
    REQUIRE(std::fabs(cv - 1) < 0.02);  // about 4 standard errors (sqrt(8/n)/2 = 0.0045)
    REQUIRE(times.back() < 1000);
    REQUIRE(make_arrival_source(spec, 1)->duration_s() == 1000);
    REQUIRE(arrival_times(spec, 5) == arrival_times(spec, 5));
  }
  SECTION("spike: base rate before, base*factor in the hold window, the ramp's mean in between") {
    spec.kind = WorkloadSpec::Kind::spike;
    spec.rate_rps = 100;
    spec.spike_factor = 5;
    spec.spike_start_s = 100;
    spec.ramp_s = 50;
    spec.spike_duration_s = 200;
    spec.synthetic_duration_s = 600;
    const auto times = arrival_times(spec);
    auto count_in = [&](double from, double to) {
      return static_cast<double>(std::lower_bound(times.begin(), times.end(), to) -
                                 std::lower_bound(times.begin(), times.end(), from));
    };
    // Expected counts are integrals of the rate; tolerances 4 sigma of a Poisson count.
    auto near = [](double count, double expected) {
      return std::fabs(count - expected) < 4 * std::sqrt(expected);
    };
    REQUIRE(near(count_in(0, 100), 100 * 100));
    REQUIRE(near(count_in(100, 150), 0.5 * (100 + 500) * 50));
    REQUIRE(near(count_in(150, 350), 500 * 200));
    REQUIRE(near(count_in(400, 600), 100 * 200));
  }
  SECTION(
      "diurnal: the rising half of the period carries 1 + 2a/pi of the mean, the falling half 1 - 2a/pi") {
    spec.kind = WorkloadSpec::Kind::diurnal;
    spec.rate_rps = 100;
    spec.amplitude = 0.5;
    spec.period_s = 1000;
    spec.synthetic_duration_s = 1000;
    const auto times = arrival_times(spec);
    const double first_half =
        static_cast<double>(std::lower_bound(times.begin(), times.end(), 500.0) - times.begin());
    const double expected = 100 * 500 * (1 + 2 * 0.5 / M_PI);
    REQUIRE(std::fabs(first_half - expected) < 4 * std::sqrt(expected));
    const double second_half = static_cast<double>(times.size()) - first_half;
    REQUIRE(std::fabs(second_half - (1e5 - expected)) < 4 * std::sqrt(1e5 - expected));
  }
  SECTION("out-of-range parameters are refused") {
    spec.rate_rps = -1;
    REQUIRE_THROWS_WITH(make_arrival_source(spec, 1), Contains("/workload/rate_rps: expected a rate >= 0"));
    spec.rate_rps = 1;
    spec.kind = WorkloadSpec::Kind::diurnal;
    spec.amplitude = 1.5;
    REQUIRE_THROWS_AS(make_arrival_source(spec, 1), InputError);
  }
}

TEST_CASE("sim::ArrivalSource: zero runs of at least gap_min_s are gaps, shorter ones stay zeros") {
  ArrivalTraceDir dir;
  // Seconds 0-4: 4/s; 5-14: zeros (10 s, not a gap); 15-19: 4/s; 20-719: zeros (700 s, a gap); 720-724: 3/s.
  std::string text =
      repeat("4 ", 5) + repeat("0 ", 10) + repeat("4 ", 5) + repeat("0 ", 700) + repeat("3 ", 5);
  WorkloadSpec spec = rate_trace(dir.write("gaps.txt", text));
  spec.gap_min_s = 600;

  SECTION("keep replays the gap as 700 quiet seconds") {
    spec.gaps = GapPolicy::keep;
    const auto counts = per_second(arrival_times(spec), 725);
    REQUIRE(counts[0] == 4);
    REQUIRE(counts[10] == 0);
    REQUIRE(counts[19] == 4);
    REQUIRE(counts[400] == 0);
    REQUIRE(counts[720] == 3);
    REQUIRE(counts[724] == 3);
  }
  SECTION("skip removes the gap from the time axis, the short run stays") {
    spec.gaps = GapPolicy::skip;
    const auto times = arrival_times(spec);
    const auto counts = per_second(times, 25);
    REQUIRE(counts ==
            std::vector<int>{4, 4, 4, 4, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 4, 4, 4, 4, 3, 3, 3, 3, 3});
    REQUIRE(make_arrival_source(spec, 1)->duration_s() < 0);  // the skipped length is known only by reading
  }
  SECTION("fill gives each gap second the mean rate of the minute before it, the short run stays zero") {
    spec.gaps = GapPolicy::fill;
    const auto counts = per_second(arrival_times(spec), 725);
    REQUIRE(counts[10] == 0);
    // Only 20 seconds precede the gap: (5 x 4 + 10 x 0 + 5 x 4) / 20 = 2 per second.
    for (int s = 20; s < 720; ++s) REQUIRE(counts[s] == 2);
    REQUIRE(counts[722] == 3);
  }
  SECTION("a gap is a property of the trace: a window starting inside it still sees a gap") {
    spec.gaps = GapPolicy::fill;
    spec.start_s = 700;  // 20 s before the gap ends
    const auto counts = per_second(arrival_times(spec), 25);
    for (int s = 0; s < 20; ++s) REQUIRE(counts[s] == 2);
    REQUIRE(counts[20] == 3);
    spec.start_s = 0;
    spec.duration_s = 30;  // ends inside the gap: the lookahead classifies it
    const auto early = per_second(arrival_times(spec), 30);
    REQUIRE(early[25] == 2);
  }
}

TEST_CASE("sim::ArrivalSource: fill is not fooled by a partial last second before a gap") {
  // The Twitter archive's gaps usually begin with a partial second (1-12 requests against ~45/s).
  ArrivalTraceDir dir;
  WorkloadSpec spec =
      rate_trace(dir.write("partial.txt", repeat("10 ", 60) + "1 " + repeat("0 ", 700) + "5"));
  spec.gap_min_s = 600;
  spec.gaps = GapPolicy::fill;
  const auto counts = per_second(arrival_times(spec), 762);
  // Mean of the last 60 seconds before the gap: (59 x 10 + 1) / 60 = 9.85, rounded to 10.
  for (int s = 61; s < 761; ++s) REQUIRE(counts[s] == 10);
  REQUIRE(counts[761] == 5);
}

TEST_CASE("sim::ArrivalSource: gzip and bzip2 traces replay like the plain file") {
  ArrivalTraceDir dir;
  const std::string text = "3 0 5 12 7\n1 0 0 2\n";
  const auto plain = arrival_times(rate_trace(dir.write("trace.txt", text)), 9);
  REQUIRE(plain.size() == 30);
  REQUIRE(arrival_times(rate_trace(dir.write_compressed("trace.txt.gz", text)), 9) == plain);
  REQUIRE(arrival_times(rate_trace(dir.write_compressed("trace.txt.bz2", text)), 9) == plain);
}

TEST_CASE("sim::ArrivalSource: the bundled Twitter trace") {
  SECTION("the first 1,000 seconds hold as many arrivals as the trace's first 1,000 counts") {
    const auto rates = read_rates(kTwitterTrace, 1000);
    REQUIRE(rates.size() == 1000);
    uint64_t sum = 0;
    for (uint64_t rate : rates) sum += rate;
    WorkloadSpec spec = rate_trace(kTwitterTrace);
    spec.duration_s = 1000;
    REQUIRE(count_arrivals(spec, 1) == sum);
    REQUIRE(arrival_times(spec, 1).size() == sum);
  }
  SECTION("the whole trace holds the README's 120,774,326 requests") {
    REQUIRE(count_arrivals(rate_trace(kTwitterTrace), 1) == 120'774'326ULL);
  }
  SECTION("skipping the first daily gap shortens the replay by exactly the gap's length") {
    // Window [84000, 87000) s; the README puts a gap of about 1,740 s at second 84,661.
    const uint64_t start = 84000, length = 3000;
    const auto rates = read_rates(kTwitterTrace, start + length + 1000);
    uint64_t gap_s = 0, sum = 0;
    for (uint64_t s = start; s < start + length; ++s) sum += rates[s];
    for (uint64_t s = 0; s < rates.size();) {  // zero runs of >= 600 s, counted inside the window
      uint64_t end = s;
      while (end < rates.size() && rates[end] == 0) ++end;
      if (end - s >= 600) gap_s += std::min(end, start + length) - std::max(s, start);
      s = std::max(end, s + 1);
    }
    REQUIRE(gap_s > 1700);
    REQUIRE(gap_s < 1780);
    WorkloadSpec spec = rate_trace(kTwitterTrace);
    spec.start_s = start;
    spec.duration_s = length;
    spec.gaps = GapPolicy::keep;
    const auto kept = arrival_times(spec, 3);
    spec.gaps = GapPolicy::skip;
    const auto skipped = arrival_times(spec, 3);
    REQUIRE(kept.size() == sum);
    REQUIRE(skipped.size() == sum);
    // Same seed, same counts: every arrival after the gap moves earlier by exactly the gap's length.
    REQUIRE(kept.back() - skipped.back() == Approx(static_cast<double>(gap_s)).margin(1e-6));
    REQUIRE(kept.front() == skipped.front());
    double longest_pause_s = 0;
    for (size_t i = 1; i < skipped.size(); ++i)
      longest_pause_s = std::max(longest_pause_s, skipped[i] - skipped[i - 1]);
    REQUIRE(longest_pause_s < 60);
    REQUIRE(skipped.back() < static_cast<double>(length - gap_s));
  }
}

TEST_CASE("sim::ArrivalSource: a request trace replays its rows' timestamps") {
  ArrivalTraceDir dir;
  SECTION("the Azure LLM code trace: 8,819 requests, the first at 0, the last 57 min 15.948056 s later") {
    const WorkloadSpec spec = request_trace(kAzureCodeTrace);
    REQUIRE(count_arrivals(spec, 1) == 8819);
    const auto times = arrival_times(spec);
    REQUIRE(times.front() == 0);
    REQUIRE(std::is_sorted(times.begin(), times.end()));
    // 19:14:19.9280160 - 18:17:03.9799600
    REQUIRE(times.back() == Approx(57 * 60 + 15.948056).margin(1e-6));
  }
  SECTION("decimal seconds, a window and time compression") {
    WorkloadSpec spec = request_trace(dir.write("rows.csv", "id,TIMESTAMP\na,10.5\nb,11.25\nc,13\nd,20\n"));
    REQUIRE(arrival_times(spec) == std::vector<double>{0, 0.75, 2.5, 9.5});
    spec.start_s = 0.5;
    spec.duration_s = 5;
    spec.time_compression = 2;
    REQUIRE(arrival_times(spec) == std::vector<double>{0.125, 1.0});
  }
  SECTION("scale multiplies the rows with the exact mean and keeps time order") {
    WorkloadSpec spec = request_trace(kAzureCodeTrace);
    spec.scale = 0.5;  // each row kept with probability 1/2
    const double kept = static_cast<double>(count_arrivals(spec, 1));
    REQUIRE(std::fabs(kept - 8819 * 0.5) < 4 * std::sqrt(8819 * 0.25));
    spec.scale = 3;  // three copies per row, two of them within +-0.5 s; a few fall outside the trace
    const auto times = arrival_times(spec);
    REQUIRE(std::is_sorted(times.begin(), times.end()));
    REQUIRE(times.size() <= 3 * 8819);
    REQUIRE(times.size() >= 3 * 8819 - 10);  // only copies of the 5 rows in the first 0.5 s can fall before 0
  }
}

TEST_CASE("sim::ArrivalSource: a request trace's key column names each request's input") {
  ArrivalTraceDir dir;
  // Rows a, b, a, c, a, b: equal values give equal keys, distinct values distinct keys; quotes and blanks
  // around a value do not make another input.
  WorkloadSpec spec = request_trace(
      dir.write("keys.csv", "TIMESTAMP,input\n1,a\n2,b\n3,\"a\"\n4,c\n5, a \n6,\"b,x\"\n7,b\n"));
  SECTION("without key_column every key is kNoKey") {
    auto source = make_arrival_source(spec, 1);
    double t_s = 0;
    while (source->next(t_s)) REQUIRE(source->key() == servesim::sim::kNoKey);
  }
  spec.key_column = "input";
  auto keys_of = [](const WorkloadSpec& s) {
    auto source = make_arrival_source(s, 7);
    std::vector<uint64_t> keys;
    double t_s = 0;
    while (source->next(t_s)) {
      REQUIRE(source->key() != servesim::sim::kNoKey);
      keys.push_back(source->key());
    }
    return keys;
  };
  SECTION("equal values, equal keys") {
    const auto k = keys_of(spec);
    REQUIRE(k.size() == 7);
    CHECK(k[0] == k[2]);
    CHECK(k[0] == k[4]);
    CHECK(k[1] == k[6]);
    CHECK(k[5] != k[1]);  // "b,x" is one quoted value, not b
    CHECK(std::set<uint64_t>(k.begin(), k.end()).size() == 4);
  }
  SECTION("scale 3: every copy repeats its row's key, so each input comes three times as often") {
    const auto plain = keys_of(spec);
    // The first row (t = 1) is time 0 of the replay: copies spread +-0.5 s around it may fall before it and
    // are dropped, so only the counts of the later rows are exact.
    spec.scale = 3;
    const auto k = keys_of(spec);
    std::map<uint64_t, int> count;
    for (uint64_t key : k) ++count[key];
    CHECK(count[plain[0]] >= 7);  // a: 3 rows x 3 copies, less 0..2 copies of the first row
    CHECK(count[plain[0]] <= 9);
    CHECK(count[plain[1]] == 6);  // b
    CHECK(count[plain[3]] == 3);  // c
    CHECK(count[plain[5]] == 3);  // "b,x"
    CHECK(count.size() == 4);
  }
  SECTION("a missing key column or value is an error naming the file and line") {
    WorkloadSpec bad = spec;
    bad.key_column = "prompt";
    REQUIRE_THROWS_WITH(make_arrival_source(bad, 1),
                        Contains("keys.csv: line 1: no key column 'prompt' in the header"));
    bad = request_trace(dir.write("holes.csv", "TIMESTAMP,input\n1,a\n2,\n"));
    bad.key_column = "input";
    REQUIRE_THROWS_WITH(count_arrivals(bad, 1),
                        Contains("holes.csv: line 3: no value in key column 'input'"));
  }
}

TEST_CASE("sim::ArrivalSource: bad input is reported with file, place and value") {
  ArrivalTraceDir dir;
  SECTION("rate traces") {
    REQUIRE_THROWS_WITH(make_arrival_source(rate_trace("no/such/trace.txt"), 1),
                        "no/such/trace.txt: cannot open file");
    REQUIRE_THROWS_WITH(count_arrivals(rate_trace(dir.write("x.txt", "3 x 5")), 1),
                        Contains("x.txt: token 2 (second 2): expected a non-negative integer, got 'x'"));
    REQUIRE_THROWS_WITH(count_arrivals(rate_trace(dir.write("neg.txt", "3 -4 5")), 1),
                        Contains("neg.txt: token 2 (second 2): expected a non-negative integer, got '-4'"));
    REQUIRE_THROWS_WITH(make_arrival_source(rate_trace(dir.write("empty.txt", " \n ")), 1),
                        Contains("empty.txt: the trace is empty"));
    WorkloadSpec late = rate_trace(dir.write("short.txt", "3 0 5"));
    late.start_s = 3;
    REQUIRE_THROWS_WITH(make_arrival_source(late, 1),
                        Contains("short.txt: start_s 3 is beyond the end of the trace (3 s)"));
  }
  SECTION("a bad token after the start is thrown by next(), where the caller can stop") {
    auto source = make_arrival_source(rate_trace(dir.write("late.txt", repeat("2 ", 1000) + "2.5")), 1);
    double t_s = 0;
    int seen = 0;
    REQUIRE_THROWS_WITH(
        [&] {
          while (source->next(t_s)) ++seen;
        }(),
        Contains("token 1001 (second 1001)"));
    REQUIRE(seen == 2000);
  }
  SECTION("corrupt compressed files") {
    REQUIRE_THROWS_WITH(count_arrivals(rate_trace(dir.write("garbage.txt.bz2", "this is not bzip2 data")), 1),
                        Contains("garbage.txt.bz2: corrupt bzip2 data"));
    REQUIRE_THROWS_WITH(count_arrivals(rate_trace(dir.write("garbage.txt.gz", "this is not gzip data")), 1),
                        Contains("garbage.txt.gz: corrupt gzip data"));
    std::ifstream real(kTwitterTrace, std::ios::binary);
    std::string head(200000, '\0');
    real.read(head.data(), static_cast<std::streamsize>(head.size()));
    REQUIRE_THROWS_WITH(count_arrivals(rate_trace(dir.write("truncated.txt.bz2", head)), 1),
                        Contains("truncated.txt.bz2: corrupt bzip2 data"));
  }
  SECTION("request traces") {
    REQUIRE_THROWS_WITH(make_arrival_source(request_trace(dir.write("cols.csv", "A,B\n1,2\n")), 1),
                        Contains("cols.csv: line 1: no column 'TIMESTAMP' in the header"));
    REQUIRE_THROWS_WITH(
        count_arrivals(request_trace(dir.write("bad.csv", "TIMESTAMP\n2023-11-16 18:17:03.1\nnoon\n")), 1),
        Contains("bad.csv: line 3: expected a timestamp (seconds or YYYY-MM-DD HH:MM:SS.fff), "
                 "got 'noon'"));
    REQUIRE_THROWS_WITH(count_arrivals(request_trace(dir.write("back.csv", "TIMESTAMP\n10\n11\n9\n")), 1),
                        Contains("back.csv: line 4: timestamps must be non-decreasing"));
    REQUIRE(count_arrivals(request_trace(dir.write("jitter.csv", "TIMESTAMP\n10\n9.9995\n")), 1) == 2);
    REQUIRE_THROWS_WITH(make_arrival_source(request_trace(dir.write("header.csv", "TIMESTAMP\n")), 1),
                        Contains("header.csv: the trace is empty"));
  }
}
