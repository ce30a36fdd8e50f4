// Tests of the request-trace reader (sim/request_trace_source, reached through make_arrival_source): token
// columns, timestamp units, JSON Lines and row filters, with figures worked by hand or computed from the
// bundled trace by an independent tool (awk), never copied from the code's own output.
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

namespace {

const std::string kAzure = "scenarios/traces/azure-llm-code-2023.csv";

struct TempDir : servesim::test::TraceDir {
  TempDir() : TraceDir("request-trace") {}
};

struct Arrival {
  double t_s;
  RequestTokens tokens;
};

std::vector<Arrival> arrivals(const WorkloadSpec& spec, uint64_t seed = 42) {
  auto source = make_arrival_source(spec, seed);
  std::vector<Arrival> out;
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
  TempDir dir;
  SECTION("the Azure LLM code trace: rows read back exactly, and the mean over the file") {
    const auto a = arrivals(with_tokens(request_trace(kAzure), "ContextTokens", "GeneratedTokens"));
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
    for (const auto& arrival : arrivals(request_trace(kAzure))) REQUIRE(!arrival.tokens.known());
  }
  SECTION("copies made by scale > 1 repeat their row's tokens") {
    // Rows 2 s apart, so the copies (within +-0.5 s of their row) never mix; the first row's copies that
    // fall before time 0 are dropped, so count the later rows only.
    WorkloadSpec spec = with_tokens(
        request_trace(dir.write("t.csv", "TIMESTAMP,in,out\n0,1,1\n2,100,7\n4,200,9\n6,300,11\n")), "in",
        "out");
    spec.scale = 3;
    std::map<uint32_t, int> copies;
    for (const auto& arrival : arrivals(spec)) {
      if (arrival.t_s < 1) continue;
      const uint32_t row = static_cast<uint32_t>(std::lround(arrival.t_s / 2));  // 1, 2 or 3
      CHECK(arrival.tokens.input == row * 100);
      CHECK(arrival.tokens.output == 5 + 2 * row);
      ++copies[row];
    }
    CHECK(copies == std::map<uint32_t, int>{{1, 3}, {2, 3}, {3, 3}});
  }
  SECTION("quoted values and blanks around them, and the limits 0 and 10,000,000") {
    const auto a = arrivals(with_tokens(
        request_trace(dir.write("q.csv", "TIMESTAMP,in,out\n1,\"12\", 3 \n2,0,10000000\n")), "in", "out"));
    REQUIRE(a.size() == 2);
    CHECK(a[0].tokens.input == 12);
    CHECK(a[0].tokens.output == 3);
    CHECK(a[1].tokens.input == 0);
    CHECK(a[1].tokens.output == 10000000);
  }
}

TEST_CASE("sim::RequestTraceSource: bad token columns are errors naming file and line") {
  TempDir dir;
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
