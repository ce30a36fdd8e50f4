// Tests of the request-trace reader (sim/request_trace_source, reached through make_arrival_source): token
// columns, timestamp units, JSON Lines and row filters, with figures worked by hand or computed from the
// bundled trace by an independent tool (awk), never copied from the code's own output.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "core/input_error.hpp"
#include "sim/arrival_source.hpp"
#include "support/trace_files.hpp"

using Catch::Matchers::Contains;
using servesim::sim::count_arrivals;
using servesim::sim::make_arrival_source;
using servesim::sim::RequestTokens;
using servesim::sim::WorkloadSpec;
using servesim::test::request_trace;

using servesim::test::kAzureCodeTrace;

namespace {

struct RequestTraceDir : servesim::test::TraceDir {
  RequestTraceDir() : TraceDir("request-trace") {}
};

struct TokenArrival {
  double t_s;
  RequestTokens tokens;
};

std::vector<TokenArrival> token_arrivals(const WorkloadSpec& spec, uint64_t seed = 42) {
  auto source = make_arrival_source(spec, seed);
  std::vector<TokenArrival> out;
  double t_s = 0;
  while (source->next(t_s)) out.push_back({t_s, source->tokens()});
  return out;
}

WorkloadSpec with_tokens(WorkloadSpec spec, const std::string& input, const std::string& output) {
  spec.input_tokens_column = input;
  spec.output_tokens_column = output;
  return spec;
}

}  // namespace

TEST_CASE("sim::RequestTraceSource: token columns give each request's prompt and output tokens") {
  RequestTraceDir dir;
  SECTION("the Azure LLM code trace: rows read back exactly, and the mean over the file") {
    const auto a =
        token_arrivals(with_tokens(request_trace(kAzureCodeTrace), "ContextTokens", "GeneratedTokens"));
    REQUIRE(a.size() == 8819);
    // The file's first rows: 2023-11-16 18:17:03.9799600,4808,10 / 18:17:04.0319600,3180,8 /
    // 18:17:04.0781490,110,27.
    CHECK(a[0].tokens.input == 4808);
    CHECK(a[0].tokens.output == 10);
    CHECK(a[1].tokens.input == 3180);
    CHECK(a[1].tokens.output == 8);
    CHECK(a[2].tokens.input == 110);
    CHECK(a[2].tokens.output == 27);
    // Its last row: 19:14:19.9280160,549,173.
    CHECK(a.back().tokens.input == 549);
    CHECK(a.back().tokens.output == 173);
    // Computed independently of ServeSim:
    //   awk -F, 'NR>1{n++; a+=$2; b+=$3} END{print n, a, b}' scenarios/traces/azure-llm-code-2023.csv
    //   -> 8819 rows, 18059974 input and 245896 output tokens (means 2047.848282 and 27.882526).
    uint64_t input = 0, output = 0;
    for (const auto& arrival : a) {
      input += arrival.tokens.input;
      output += arrival.tokens.output;
    }
    CHECK(input == 18059974);
    CHECK(output == 245896);
  }
  SECTION("without token columns every request has {0, 0}") {
    for (const auto& arrival : token_arrivals(request_trace(kAzureCodeTrace)))
      REQUIRE(!arrival.tokens.known());
  }
  SECTION("copies made by scale > 1 repeat their row's tokens") {
    // Rows 2 s apart, so the copies (within +-0.5 s of their row) never mix; the first row's copies that
    // fall before time 0 are dropped, so count the later rows only.
    WorkloadSpec spec = with_tokens(
        request_trace(dir.write("t.csv", "TIMESTAMP,in,out\n0,1,1\n2,100,7\n4,200,9\n6,300,11\n")), "in",
        "out");
    spec.scale = 3;
    std::map<uint32_t, int> copies;
    for (const auto& arrival : token_arrivals(spec)) {
      if (arrival.t_s < 1) continue;
      const uint32_t row = static_cast<uint32_t>(std::lround(arrival.t_s / 2));  // 1, 2 or 3
      CHECK(arrival.tokens.input == row * 100);
      CHECK(arrival.tokens.output == 5 + 2 * row);
      ++copies[row];
    }
    CHECK(copies == std::map<uint32_t, int>{{1, 3}, {2, 3}, {3, 3}});
  }
  SECTION("quoted values and blanks around them, and the limits 0 and 10,000,000") {
    const auto a = token_arrivals(with_tokens(
        request_trace(dir.write("q.csv", "TIMESTAMP,in,out\n1,\"12\", 3 \n2,0,10000000\n")), "in", "out"));
    REQUIRE(a.size() == 2);
    CHECK(a[0].tokens.input == 12);
    CHECK(a[0].tokens.output == 3);
    CHECK(a[1].tokens.input == 0);
    CHECK(a[1].tokens.output == 10000000);
  }
}

TEST_CASE("sim::RequestTraceSource: bad token columns are errors naming file and line") {
  RequestTraceDir dir;
  auto count = [&](const std::string& name, const std::string& text) {
    return count_arrivals(with_tokens(request_trace(dir.write(name, text)), "in", "out"), 1);
  };
  CHECK_THROWS_WITH(count("h.csv", "TIMESTAMP,in\n1,2\n"),
                    Contains("h.csv: line 1: no token column 'out' in the header"));
  CHECK_THROWS_WITH(count("m.csv", "TIMESTAMP,in,out\n1,2,3\n2,5,\n"),
                    Contains("m.csv: line 3: token column 'out': no value"));
  CHECK_THROWS_WITH(count("s.csv", "TIMESTAMP,in,out\n1,2,3\n2,5\n"),
                    Contains("s.csv: line 3: token column 'out': no value"));
  CHECK_THROWS_WITH(count("n.csv", "TIMESTAMP,in,out\n1,-2,3\n"),
                    Contains("n.csv: line 2: token column 'in': expected a non-negative integer, got '-2'"));
  CHECK_THROWS_WITH(count("f.csv", "TIMESTAMP,in,out\n1,2.5,3\n"),
                    Contains("f.csv: line 2: token column 'in': expected a non-negative integer, got '2.5'"));
  CHECK_THROWS_WITH(
      count("b.csv", "TIMESTAMP,in,out\n1,2,10000001\n"),
      Contains("b.csv: line 2: token column 'out': expected at most 10000000 tokens, got '10000001'"));
  CHECK_THROWS_WITH(count("w.csv", "TIMESTAMP,in,out\n1,2,99999999999999999999999\n"),
                    Contains("w.csv: line 2: token column 'out': expected at most 10000000 tokens"));
}

TEST_CASE("sim::RequestTraceSource: timestamp_unit says how timestamps are written") {
  using servesim::sim::TimestampUnit;
  RequestTraceDir dir;
  auto times = [&](const std::string& text, TimestampUnit unit) {
    WorkloadSpec spec = request_trace(dir.write("t.csv", "TIMESTAMP\n" + text));
    spec.timestamp_unit = unit;
    std::vector<double> out;
    for (const auto& arrival : token_arrivals(spec)) out.push_back(arrival.t_s);
    return out;
  };
  SECTION("numbers in s, ms and us") {
    CHECK(times("100\n100.5\n", TimestampUnit::seconds) == std::vector<double>{0, 0.5});
    // Mooncake's traces count milliseconds from the start: 27482 ms, 27482.5 ms, 30000 ms.
    const auto ms = times("27482\n27482.5\n30000\n", TimestampUnit::milliseconds);
    REQUIRE(ms.size() == 3);
    CHECK(ms[1] == Approx(0.0005).margin(1e-12));
    CHECK(ms[2] == Approx(2.518).margin(1e-12));
    // Epoch milliseconds keep their resolution: 1700158623970 ms and 62 ms later.
    const auto epoch_ms = times("1700158623970\n1700158624032\n", TimestampUnit::milliseconds);
    CHECK(epoch_ms[1] == Approx(0.062).margin(1e-9));
    const auto us =
        times("1700000000000000\n1700000000250000\n1700000001000001\n", TimestampUnit::microseconds);
    CHECK(us[1] == Approx(0.25).margin(1e-12));
    CHECK(us[2] == Approx(1.000001).margin(1e-9));
  }
  SECTION("ISO 8601 with offsets is converted to UTC") {
    // Central Europe moves its clocks from 02:00 CET (+01:00) to 03:00 CEST (+02:00) on 2024-03-31:
    // 01:59:59+01:00 is 00:59:59Z and 03:00:01+02:00 is 01:00:01Z, two seconds later.
    CHECK(times("2024-03-31T01:59:59+01:00\n2024-03-31T03:00:01+02:00\n", TimestampUnit::iso8601) ==
          std::vector<double>{0, 2});
    // All of 18:17:04Z written five ways (Z, a blank separator with +01:00, -05:00, +0530, +05), after
    // 18:17:03.5Z.
    CHECK(times("2023-11-16T18:17:03.5Z\n2023-11-16 19:17:04+01:00\n2023-11-16T13:17:04-05:00\n"
                "2023-11-16T23:47:04+0530\n2023-11-16T23:17:04+05\n2023-11-16T18:17:04\n",
                TimestampUnit::iso8601) == std::vector<double>{0, 0.5, 0.5, 0.5, 0.5, 0.5});
    // Across a new year, and across 2024-02-29: 2 s, and one day (86,400 s) + 1 s.
    CHECK(times("2023-12-31T23:59:59Z\n2024-01-01T00:00:01Z\n", TimestampUnit::iso8601) ==
          std::vector<double>{0, 2});
    CHECK(times("2024-02-28T23:59:59Z\n2024-03-01T00:00:00Z\n", TimestampUnit::iso8601) ==
          std::vector<double>{0, 86401});
  }
  SECTION("auto keeps reading decimal seconds and calendar stamps") {
    CHECK(times("10.5\n11.25\n", TimestampUnit::automatic) == std::vector<double>{0, 0.75});
    CHECK(times("2023-11-16 18:17:03.5\n2023-11-16T18:17:04Z\n", TimestampUnit::automatic) ==
          std::vector<double>{0, 0.5});
  }
  SECTION("a stamp not in the unit is an error naming the form expected") {
    auto bad = [&](const std::string& text, TimestampUnit unit) {
      WorkloadSpec spec = request_trace(dir.write("bad.csv", "TIMESTAMP\n" + text));
      spec.timestamp_unit = unit;
      return count_arrivals(spec, 1);
    };
    CHECK_THROWS_WITH(bad("1\n2023-11-16 18:17:03\n", TimestampUnit::seconds),
                      Contains("bad.csv: line 3: expected a timestamp (a number of seconds), got "
                               "'2023-11-16 18:17:03'"));
    CHECK_THROWS_WITH(
        bad("2023-11-16T18:17:03+25:00\n", TimestampUnit::iso8601),
        Contains("bad.csv: line 2: expected a timestamp (ISO 8601: YYYY-MM-DDTHH:MM:SS[.fff][Z|+hh:mm])"));
    CHECK_THROWS_WITH(bad("2023-11-16T18:17:03+01:00Z\n", TimestampUnit::iso8601), Contains("line 2"));
    CHECK_THROWS_WITH(bad("1700158623\n", TimestampUnit::iso8601), Contains("got '1700158623'"));
    CHECK_THROWS_WITH(bad("12ms\n", TimestampUnit::milliseconds),
                      Contains("expected a timestamp (a number of milliseconds), got '12ms'"));
  }
}

TEST_CASE("sim::RequestTraceSource: JSON Lines traces, one object per line") {
  using servesim::sim::TimestampUnit;
  using servesim::sim::TraceFormat;
  RequestTraceDir dir;
  // Mooncake's FAST'25 traces: a timestamp in milliseconds, token counts, the prompt's block hashes.
  const std::string mooncake =
      "{\"timestamp\": 0, \"input_length\": 6955, \"output_length\": 52, \"hash_ids\": [46, 47, 48]}\n"
      "{\"hash_ids\": [{\"timestamp\": 99}], \"output_length\": 12, \"timestamp\": 27482, \"input_length\": "
      "100}\r\n"
      "\n"
      "{\"timestamp\": 27482.5, \"input_length\": 1, \"output_length\": 0, \"note\": null}\n";
  auto mooncake_spec = [&](const std::string& path) {
    WorkloadSpec spec = with_tokens(request_trace(path), "input_length", "output_length");
    spec.format = TraceFormat::jsonl;
    spec.timestamp_column = "timestamp";
    spec.timestamp_unit = TimestampUnit::milliseconds;
    return spec;
  };
  auto check_mooncake = [](const std::vector<TokenArrival>& a) {
    REQUIRE(a.size() == 3);
    CHECK(a[0].t_s == 0);
    CHECK(a[0].tokens.input == 6955);
    CHECK(a[0].tokens.output == 52);
    // Keys in any order; the "timestamp" nested in hash_ids is not the row's.
    CHECK(a[1].t_s == Approx(27.482).margin(1e-12));
    CHECK(a[1].tokens.input == 100);
    CHECK(a[1].tokens.output == 12);
    CHECK(a[2].t_s == Approx(27.4825).margin(1e-12));
    CHECK(a[2].tokens.input == 1);
    CHECK(a[2].tokens.output == 0);
  };
  SECTION("plain and gzip-compressed") {
    check_mooncake(token_arrivals(mooncake_spec(dir.write("m.jsonl", mooncake))));
    check_mooncake(token_arrivals(mooncake_spec(dir.write_compressed("m.jsonl.gz", mooncake))));
  }
  SECTION("string timestamps, and a line longer than the 64 KiB read block") {
    std::string hashes;
    for (int i = 0; i < 20000; ++i) hashes += (i ? "," : "") + std::to_string(1000000 + i);  // 160 KB
    WorkloadSpec spec =
        request_trace(dir.write("s.jsonl", "{\"t\": \"2024-03-31T01:59:59+01:00\", \"h\": [" + hashes +
                                               "]}\n{\"t\": \"2024-03-31T03:00:01+02:00\"}\n"));
    spec.format = TraceFormat::jsonl;
    spec.timestamp_column = "t";
    spec.timestamp_unit = TimestampUnit::iso8601;
    const auto a = token_arrivals(spec);
    REQUIRE(a.size() == 2);
    CHECK(a[1].t_s == 2);  // as in the CSV test: 00:59:59Z and 01:00:01Z
  }
  SECTION("a bad line is an error naming the file and the line") {
    auto count = [&](const std::string& text) {
      return count_arrivals(mooncake_spec(dir.write("bad.jsonl", text)), 1);
    };
    const std::string first = "{\"timestamp\": 1, \"input_length\": 2, \"output_length\": 3}\n";
    CHECK_THROWS_WITH(count(first + "{\"timestamp\": 2, \"input_length\": 2,\n"),
                      Contains("bad.jsonl: line 2: not valid JSON (parse error at line 1, column 36: syntax "
                               "error while parsing object key - unexpected end of input"));
    CHECK_THROWS_WITH(count(first + "[1, 2, 3]\n"),
                      Contains("bad.jsonl: line 2: expected a JSON object ({\"key\": value, ...})"));
    CHECK_THROWS_WITH(count(first + "{\"input_length\": 2, \"output_length\": 3}\n"),
                      Contains("bad.jsonl: line 2: no value in column 'timestamp'"));
    CHECK_THROWS_WITH(count(first + "{\"timestamp\": 2, \"timestamp\": 3, \"input_length\": 2}\n"),
                      Contains("bad.jsonl: line 2: key 'timestamp' appears twice"));
    CHECK_THROWS_WITH(count(first + "{\"timestamp\": 2, \"input_length\": 2.5, \"output_length\": 3}\n"),
                      Contains("bad.jsonl: line 2: token column 'input_length': expected a non-negative "
                               "integer, got '2.5'"));
    CHECK_THROWS_WITH(
        count(first + "{\"timestamp\": [2], \"input_length\": 2, \"output_length\": 3}\n"),
        Contains("bad.jsonl: line 2: expected a timestamp (a number of milliseconds), got '[...]'"));
    CHECK_THROWS_WITH(count(""), Contains("bad.jsonl: the trace is empty"));
  }
}

TEST_CASE("sim::RequestTraceSource: a prefix column gives each request's chained prompt blocks") {
  using servesim::sim::TimestampUnit;
  using servesim::sim::TraceFormat;
  RequestTraceDir dir;
  // Rows as in Mooncake's traces (hash_ids: one id per 512-token block). Row 2 shares row 1's first two
  // blocks; row 3 has row 1's blocks 2 and 3 but a different first block, so none of its blocks equals row
  // 1's (a block is its whole prefix); row 4 has no blocks.
  const std::string text =
      "{\"timestamp\": 0, \"input_length\": 1500, \"output_length\": 5, \"hash_ids\": [46, 47, 48]}\n"
      "{\"timestamp\": 10, \"input_length\": 1400, \"output_length\": 5, \"hash_ids\": [46, 47, 90]}\n"
      "{\"timestamp\": 20, \"input_length\": 1500, \"output_length\": 5, \"hash_ids\": [7, 47, 48]}\n"
      "{\"timestamp\": 30, \"input_length\": 10, \"output_length\": 5, \"hash_ids\": []}\n";
  auto spec_for = [](const std::string& path, TraceFormat format, const std::string& ts) {
    WorkloadSpec spec = with_tokens(request_trace(path), "input_length", "output_length");
    spec.format = format;
    spec.timestamp_column = ts;
    spec.timestamp_unit = TimestampUnit::milliseconds;
    spec.prefix_blocks_column = "hash_ids";
    return spec;
  };
  auto check = [](const std::vector<TokenArrival>& a) {
    REQUIRE(a.size() == 4);
    for (const auto& r : a) REQUIRE(r.tokens.prefix);
    const auto& c1 = a[0].tokens.prefix->chain;
    const auto& c2 = a[1].tokens.prefix->chain;
    const auto& c3 = a[2].tokens.prefix->chain;
    CHECK(a[0].tokens.prefix->block_tokens == 512);
    REQUIRE(c1.size() == 3);
    REQUIRE(c2.size() == 3);
    REQUIRE(c3.size() == 3);
    CHECK(c2[0] == c1[0]);
    CHECK(c2[1] == c1[1]);
    CHECK(c2[2] != c1[2]);
    for (size_t i = 0; i < 3; ++i) CHECK(c3[i] != c1[i]);
    CHECK(a[3].tokens.prefix->chain.empty());
  };
  SECTION("JSON Lines: an array of integers") {
    check(token_arrivals(spec_for(dir.write("p.jsonl", text), TraceFormat::jsonl, "timestamp")));
  }
  SECTION("CSV: ids separated by spaces, commas or semicolons, optionally in brackets") {
    check(token_arrivals(spec_for(dir.write("p.csv",
                                            "timestamp,input_length,output_length,hash_ids\n"
                                            "0,1500,5,\"[46, 47, 48]\"\n"
                                            "10,1400,5,46 47 90\n"
                                            "20,1500,5,7;47;48\n"
                                            "30,10,5,\n"),
                                  TraceFormat::csv, "timestamp")));
  }
  SECTION("copies made by scale > 1 share their row's blocks") {
    WorkloadSpec spec = spec_for(dir.write("p.jsonl", text), TraceFormat::jsonl, "timestamp");
    spec.scale = 2;
    const auto a = token_arrivals(spec);
    // Two copies of each row, less those spread before the first row's instant (dropped): more than 4.
    REQUIRE(a.size() > 4);
    std::vector<const void*> distinct;
    for (const auto& r : a) distinct.push_back(r.tokens.prefix.get());
    std::sort(distinct.begin(), distinct.end());
    CHECK(std::unique(distinct.begin(), distinct.end()) - distinct.begin() <= 4);
  }
  SECTION("bad values are errors naming file, line and column") {
    auto count = [&](const std::string& line) {
      return count_arrivals(spec_for(dir.write("bad.jsonl", line), TraceFormat::jsonl, "timestamp"), 1);
    };
    CHECK_THROWS_WITH(
        count("{\"timestamp\": 0, \"input_length\": 5, \"output_length\": 5, \"hash_ids\": [1, "
              "\"x\"]}\n"),
        Contains("bad.jsonl: line 1: prefix column 'hash_ids': expected block ids (non-negative "
                 "integers, e.g. [1, 2, 3] or \"1 2 3\"), got '[1 x ]'"));
    CHECK_THROWS_WITH(
        count("{\"timestamp\": 0, \"input_length\": 5, \"output_length\": 5, \"hash_ids\": [-1]}\n"),
        Contains("bad.jsonl: line 1: prefix column 'hash_ids': expected block ids"));
    CHECK_THROWS_WITH(count("{\"timestamp\": 0, \"input_length\": 5, \"output_length\": 5}\n"),
                      Contains("bad.jsonl: line 1: prefix column 'hash_ids': no value"));
  }
}

TEST_CASE("sim::RequestTraceSource: a filter keeps the rows with one value in a column") {
  RequestTraceDir dir;
  // BurstGPT's layout: one file for several models, told apart by a column.
  const std::string burst =
      "Timestamp,Model,Request tokens,Response tokens\n"
      "5,ChatGPT,472,18\n"
      "45,GPT-4,1087,230\n"
      "bad,GPT-4,-1,x\n"
      "118,ChatGPT,417,276\n"
      "120,\"ChatGPT\",10,20\n";
  WorkloadSpec spec =
      with_tokens(request_trace(dir.write("burst.csv", burst)), "Request tokens", "Response tokens");
  spec.timestamp_column = "Timestamp";
  spec.filter_column = "Model";
  SECTION("ChatGPT's rows: times from its first row (5 s), GPT-4's rows skipped unread") {
    spec.filter_equals = "ChatGPT";
    const auto a = token_arrivals(spec);
    REQUIRE(a.size() == 3);
    CHECK(a[0].t_s == 0);
    CHECK(a[1].t_s == 113);  // 118 - 5
    CHECK(a[2].t_s == 115);
    CHECK(a[1].tokens.input == 417);
    CHECK(a[1].tokens.output == 276);
    CHECK(count_arrivals(spec, 1) == 3);
  }
  SECTION("GPT-4's rows: the bad row is read, and reported") {
    spec.filter_equals = "GPT-4";
    CHECK_THROWS_WITH(count_arrivals(spec, 1), Contains("burst.csv: line 4: expected a timestamp"));
  }
  SECTION("a value no row has, and a column the header lacks") {
    spec.filter_equals = "chatgpt";  // values are compared exactly
    CHECK_THROWS_WITH(make_arrival_source(spec, 1),
                      Contains("burst.csv: no row has 'chatgpt' in filter column 'Model' (5 rows)"));
    spec.filter_column = "model";
    CHECK_THROWS_WITH(make_arrival_source(spec, 1),
                      Contains("burst.csv: line 1: no filter column 'model' in the header"));
  }
  SECTION("JSON Lines: numbers compare as written, a line without the key is not kept") {
    WorkloadSpec jsonl = request_trace(dir.write("f.jsonl",
                                                 "{\"ts\": 1, \"tenant\": 7}\n{\"ts\": 2}\n{\"ts\": 3, "
                                                 "\"tenant\": 8}\n{\"ts\": 4.5, \"tenant\": 7}\n"));
    jsonl.format = servesim::sim::TraceFormat::jsonl;
    jsonl.timestamp_column = "ts";
    jsonl.filter_column = "tenant";
    jsonl.filter_equals = "7";
    std::vector<double> times;
    for (const auto& arrival : token_arrivals(jsonl)) times.push_back(arrival.t_s);
    CHECK(times == std::vector<double>{0, 3.5});
  }
}

TEST_CASE("sim::SyntheticSource: token counts drawn from distributions leave the arrival times unchanged") {
  using servesim::sim::Distribution;
  WorkloadSpec spec;
  spec.kind = WorkloadSpec::Kind::poisson;
  spec.rate_rps = 10;
  spec.synthetic_duration_s = 3600;
  const auto plain = token_arrivals(spec, 7);
  for (const auto& arrival : plain) REQUIRE(!arrival.tokens.known());
  spec.has_token_distributions = true;
  SECTION("constant counts, the same times") {
    spec.input_tokens = Distribution::constant(500);
    spec.output_tokens = Distribution::constant(50);
    const auto drawn = token_arrivals(spec, 7);
    REQUIRE(drawn.size() == plain.size());
    for (size_t i = 0; i < drawn.size(); ++i) {
      REQUIRE(drawn[i].t_s == plain[i].t_s);
      REQUIRE(drawn[i].tokens.input == 500);
      REQUIRE(drawn[i].tokens.output == 50);
    }
  }
  SECTION("a lognormal fitted to the Azure code trace: its mean and p99 come back") {
    // The trace's input tokens (awk, as above): mean 2047.85, p99 (nearest rank, the 8731st of 8819 sorted)
    // 7436. The lognormal with that mean and p99 has sigma = z99 - sqrt(z99^2 - 2 ln(7436/2048)) = 0.6432, so
    // sd = mean sqrt(exp(sigma^2) - 1) = 1466 tokens; with ~36,000 draws the sample mean's standard error is
    // 7.7 tokens (tolerance 40, about 5 of them), and the sample p99's is about 94 tokens (1.3%; tolerance
    // 4%). Rounding to integers moves the mean by less than 0.5.
    spec.input_tokens = Distribution::lognormal(2048, 7436);
    spec.output_tokens = Distribution::exponential(28);
    const auto drawn = token_arrivals(spec, 7);
    REQUIRE(drawn.size() == plain.size());
    std::vector<uint32_t> input;
    double input_sum = 0, output_sum = 0;
    for (size_t i = 0; i < drawn.size(); ++i) {
      REQUIRE(drawn[i].t_s == plain[i].t_s);
      REQUIRE(drawn[i].tokens.input >= 1);
      REQUIRE(drawn[i].tokens.output >= 1);
      input.push_back(drawn[i].tokens.input);
      input_sum += drawn[i].tokens.input;
      output_sum += drawn[i].tokens.output;
    }
    const double n = static_cast<double>(drawn.size());
    CHECK(input_sum / n == Approx(2048).margin(40));
    std::sort(input.begin(), input.end());
    CHECK(input[static_cast<size_t>(std::ceil(0.99 * n)) - 1] == Approx(7436).epsilon(0.04));
    // Exponential with mean 28, rounded and floored at 1: E = sum_k P(X >= k - 0.5) for k >= 2, plus 1
    // = 1 + exp(-1.5/28) / (1 - exp(-1/28)) = 1 + 0.94784 / 0.035083 = 28.017; its sd is 28, so the
    // standard error is 0.15 (tolerance 0.75, 5 of them).
    CHECK(output_sum / n == Approx(28.017).margin(0.75));
  }
}

TEST_CASE("sim::RequestTraceSource: arrival = end - duration (Azure Functions 2021 layout)") {
  RequestTraceDir dir;
  // (end, duration) = (10, 2), (10.5, 0.1), (11, 5), (12, 0.5): arrivals 8, 10.4, 6, 11.5, so in time order
  // 6, 8, 10.4, 11.5 and, from the first, 0, 2, 4.4, 5.5.
  const std::string azure2021 =
      "app,func,end_timestamp,duration\n"
      "a,f,10.0,2.0\n"
      "a,g,10.5,0.1\n"
      "b,f,11.0,5.0\n"
      "a,f,12.0,0.5\n";
  WorkloadSpec spec = request_trace(dir.write("inv.csv", azure2021));
  spec.end_column = "end_timestamp";
  spec.duration_column = "duration";
  auto times = [&](const WorkloadSpec& s) {
    std::vector<double> out;
    for (const auto& arrival : token_arrivals(s)) out.push_back(arrival.t_s);
    return out;
  };
  SECTION("rows come back in arrival order") {
    const auto t = times(spec);
    REQUIRE(t.size() == 4);
    CHECK(t[0] == 0);
    CHECK(t[1] == Approx(2).margin(1e-12));
    CHECK(t[2] == Approx(4.4).margin(1e-12));
    CHECK(t[3] == Approx(5.5).margin(1e-12));
    spec.max_duration_s = 5;  // the longest duration in the file: the same order
    CHECK(times(spec) == t);
  }
  SECTION("a long trace with short durations: every arrival in order, memory within max_duration_s") {
    // 100,000 rows, ends 0.01 s apart, durations cycling 0, 0.3, 0.6, 0.9 s: arrivals are end - duration.
    std::string text = "end,duration\n";
    std::vector<double> expected;
    for (int i = 0; i < 100000; ++i) {
      const double end = i * 0.01, duration = (i % 4) * 0.3;
      text += std::to_string(end) + "," + std::to_string(duration) + "\n";
      expected.push_back(end - duration);
    }
    std::sort(expected.begin(), expected.end());
    WorkloadSpec longer = request_trace(dir.write("long.csv", text));
    longer.end_column = "end";
    longer.duration_column = "duration";
    longer.max_duration_s = 1;
    const auto t = times(longer);
    REQUIRE(t.size() == expected.size());
    for (size_t i = 0; i < t.size(); ++i) REQUIRE(t[i] == Approx(expected[i] - expected[0]).margin(1e-6));
  }
  SECTION("bad rows") {
    spec.max_duration_s = 4;
    CHECK_THROWS_WITH(
        count_arrivals(spec, 1),
        Contains("inv.csv: line 4: duration column 'duration': 5 s is longer than max_duration_s 4 "
                 "(rows are put in arrival order within it: raise max_duration_s)"));
    spec = request_trace(dir.write("back.csv", "end,d\n10,1\n9,1\n"));
    spec.end_column = "end";
    spec.duration_column = "d";
    CHECK_THROWS_WITH(count_arrivals(spec, 1),
                      Contains("back.csv: line 3: end timestamps must be non-decreasing"));
    spec = request_trace(dir.write("neg.csv", "end,d\n10,1\n11,-1\n"));
    spec.end_column = "end";
    spec.duration_column = "d";
    CHECK_THROWS_WITH(
        count_arrivals(spec, 1),
        Contains("neg.csv: line 3: duration column 'd': expected a duration >= 0 [s], got '-1'"));
    spec.duration_column = "dur";
    CHECK_THROWS_WITH(count_arrivals(spec, 1),
                      Contains("neg.csv: line 1: no duration column 'dur' in the header"));
  }
}
