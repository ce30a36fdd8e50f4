// Joint token draws (sim/token_draw.hpp): resampled trace pairs are pairs of the trace and keep its
// correlation; a Gaussian copula of two lognormals gives ln(input), ln(output) the stated correlation; rho =
// 0 is the independent draw of earlier versions, value for value.
#include "sim/token_draw.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/input_error.hpp"
#include "sim/scenario.hpp"
#include "sim/synthetic_source.hpp"
#include "support/trace_files.hpp"

using servesim::sim::Distribution;
using servesim::sim::RequestTokens;
using servesim::sim::Rng;
using servesim::sim::TokenDraw;
using servesim::sim::TokenPair;
using servesim::sim::TraceFormat;
using servesim::sim::WorkloadSpec;

namespace {

struct TokenDrawDir : servesim::test::TraceDir {
  TokenDrawDir() : TraceDir("token-draw") {}
};

// Pearson correlation of ln(input), ln(output) and its standard error for a sample of n drawn from the same
// population: the delta method, Var(r_n) = Var(IF) / n with the influence function of the correlation
// IF = zx zy - r (zx^2 + zy^2) / 2 (zx, zy the standardised logs; Hampel et al. 1986, sec. 5.3), which holds
// for any distribution with finite fourth moments, not only the bivariate normal.
struct LogCorrelation {
  double r = 0;
  double influence_variance = 0;
};

LogCorrelation log_correlation(const std::vector<std::pair<double, double>>& pairs) {
  const double n = static_cast<double>(pairs.size());
  double mx = 0, my = 0;
  for (const auto& [x, y] : pairs) mx += std::log(x) / n, my += std::log(y) / n;
  double sxx = 0, syy = 0, sxy = 0;
  for (const auto& [x, y] : pairs) {
    const double dx = std::log(x) - mx, dy = std::log(y) - my;
    sxx += dx * dx / n, syy += dy * dy / n, sxy += dx * dy / n;
  }
  LogCorrelation c;
  c.r = sxy / std::sqrt(sxx * syy);
  for (const auto& [x, y] : pairs) {
    const double zx = (std::log(x) - mx) / std::sqrt(sxx), zy = (std::log(y) - my) / std::sqrt(syy);
    const double influence = zx * zy - c.r * (zx * zx + zy * zy) / 2;
    c.influence_variance += influence * influence / n;
  }
  return c;
}

std::vector<std::pair<double, double>> drawn(const TokenDraw& draw, uint64_t seed, int n) {
  Rng rng(seed);
  std::vector<std::pair<double, double>> out;
  for (int i = 0; i < n; ++i) {
    const RequestTokens t = draw.next(rng);
    out.emplace_back(t.input, t.output);
  }
  return out;
}

}  // namespace

TEST_CASE("sim::TokenDraw: resampled pairs are the trace's pairs, with its log correlation") {
  const std::vector<TokenPair> pairs = servesim::sim::read_token_pairs(
      servesim::test::kAzureCodeTrace, TraceFormat::csv, "ContextTokens", "GeneratedTokens");
  // wc -l scenarios/traces/azure-llm-code-2023.csv: 8820 lines, the header and 8819 requests.
  REQUIRE(pairs.size() == 8819);
  std::set<std::pair<uint32_t, uint32_t>> source;
  std::vector<std::pair<double, double>> source_pairs;
  for (const TokenPair& p : pairs) {
    source.emplace(p.input, p.output);
    source_pairs.emplace_back(p.input, p.output);  // no zero in this trace: the logs exist
  }
  WorkloadSpec spec;
  spec.token_pairs = std::make_shared<const std::vector<TokenPair>>(pairs);
  const TokenDraw draw(spec);
  REQUIRE(draw.is_on());
  const int n = 100000;
  const auto sample = drawn(draw, 11, n);
  for (const auto& [in, out] : sample)
    REQUIRE(source.count({static_cast<uint32_t>(in), static_cast<uint32_t>(out)}) == 1);
  // Drawing with replacement samples the trace's own joint distribution: the drawn correlation estimates the
  // trace's (r = -0.0045, python's statistics over the same file) with standard error sqrt(Var(IF) / n),
  // about 0.003 for n = 10^5; 4 standard errors allow for chance.
  const LogCorrelation whole = log_correlation(source_pairs);
  CHECK(whole.r == Approx(-0.0045).margin(0.0001));
  const double standard_error = std::sqrt(whole.influence_variance / n);
  CHECK(standard_error < 0.005);
  CHECK(std::abs(log_correlation(sample).r - whole.r) < 4 * standard_error);
}

TEST_CASE("sim::TokenDraw: a strongly correlated trace keeps its correlation when resampled") {
  // 1,000 pairs with output = input / 4 + a deterministic wobble: ln(out) follows ln(in) closely (r about
  // 0.99), a correlation an independent draw would lose entirely.
  TokenDrawDir dir;
  std::string text = "{\"in\": 1, \"out\": 1}\n";
  for (int i = 1; i <= 1000; ++i)
    text +=
        "{\"in\": " + std::to_string(40 * i) + ", \"out\": " + std::to_string(10 * i + (i % 7) * 3) + "}\n";
  const auto pairs =
      servesim::sim::read_token_pairs(dir.write("pairs.jsonl", text), TraceFormat::jsonl, "in", "out");
  REQUIRE(pairs.size() == 1001);
  std::vector<std::pair<double, double>> source_pairs;
  for (const TokenPair& p : pairs) source_pairs.emplace_back(p.input, p.output);
  WorkloadSpec spec;
  spec.token_pairs = std::make_shared<const std::vector<TokenPair>>(pairs);
  const int n = 20000;
  const LogCorrelation whole = log_correlation(source_pairs);
  CHECK(whole.r > 0.9);
  CHECK(std::abs(log_correlation(drawn(TokenDraw(spec), 5, n)).r - whole.r) <
        4 * std::sqrt(whole.influence_variance / n));
}

TEST_CASE("sim::TokenDraw: a Gaussian copula of two lognormals has the stated log correlation") {
  WorkloadSpec spec;
  spec.has_token_distributions = true;
  // Means 2048 and 600 tokens with p99 3.6 and 4 times the mean: sigma of the logs 0.63 and 0.71, so draws
  // below 50 tokens are rare and rounding to integers moves a log by under 0.5 / 50 = 1%.
  spec.input_tokens = Distribution::lognormal(2048, 7436);
  spec.output_tokens = Distribution::lognormal(600, 2400);
  const int n = 20000;
  for (const double rho : {0.6, -0.4, 0.0}) {
    spec.token_rho = rho;
    // For a bivariate normal the sample correlation has standard error (1 - rho^2) / sqrt(n - 1): 0.0045 for
    // rho = 0.6 and n = 20,000. Within 3 standard errors.
    const double r = log_correlation(drawn(TokenDraw(spec), 3, n)).r;
    CHECK(std::abs(r - rho) < 3 * (1 - rho * rho) / std::sqrt(n - 1.0));
  }
  SECTION("rho = 0 is the independent draw, value for value") {
    spec.token_rho = 0;
    Rng a(8), b(8);
    const TokenDraw draw(spec);
    for (int i = 0; i < 1000; ++i) {
      const RequestTokens t = draw.next(a);
      CHECK(t.input == servesim::sim::draw_request_tokens(spec.input_tokens, b));
      CHECK(t.output == servesim::sim::draw_request_tokens(spec.output_tokens, b));
    }
  }
  SECTION("rho = 1: the output rises with the input") {
    spec.token_rho = 1;
    auto sample = drawn(TokenDraw(spec), 4, 2000);
    std::sort(sample.begin(), sample.end());
    for (size_t i = 1; i < sample.size(); ++i) CHECK(sample[i].second >= sample[i - 1].second);
  }
  SECTION("the marginals stay the distributions given") {
    // The copula changes only how the two draws go together: the input's mean is still 2048 within 4
    // standard errors (sd of a lognormal: mean x sqrt(exp(sigma^2) - 1) = 2048 x 0.70 = 1430).
    spec.token_rho = 0.6;
    double sum = 0;
    for (const auto& [in, out] : drawn(TokenDraw(spec), 6, n)) sum += in;
    CHECK(std::abs(sum / n - 2048) < 4 * 1430 / std::sqrt(n));
  }
}

TEST_CASE("sim::SyntheticSource: trace pairs leave the arrival times unchanged") {
  WorkloadSpec plain;
  plain.kind = WorkloadSpec::Kind::poisson;
  plain.rate_rps = 50;
  plain.synthetic_duration_s = 20;
  WorkloadSpec with_pairs = plain;
  with_pairs.token_pairs =
      std::make_shared<const std::vector<TokenPair>>(std::vector<TokenPair>{{100, 10}, {2000, 300}, {0, 5}});
  servesim::sim::SyntheticSource a(plain, 7), b(with_pairs, 7);
  double ta = 0, tb = 0;
  int n = 0;
  while (a.next(ta)) {
    REQUIRE(b.next(tb));
    CHECK(ta == tb);
    const RequestTokens t = b.tokens();
    CHECK(((t.input == 100 && t.output == 10) || (t.input == 2000 && t.output == 300) ||
           (t.input == 0 && t.output == 5)));
    ++n;
  }
  CHECK_FALSE(b.next(tb));
  CHECK(n > 800);  // 50/s for 20 s: 1000 expected, sd 32
}

TEST_CASE("sim::read_token_pairs: bad rows are one-line errors naming the line") {
  TokenDrawDir dir;
  auto error_of = [&](const std::string& text, const char* name = "p.csv") {
    try {
      servesim::sim::read_token_pairs(dir.write(name, text), TraceFormat::csv, "in", "out");
    } catch (const servesim::InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK_THAT(error_of("in,out\n5,7\n3,x\n"),
             Catch::EndsWith("p.csv: line 3: token column 'out': expected a non-negative integer, got 'x'"));
  CHECK_THAT(error_of("in,out\n5,\n"), Catch::EndsWith("p.csv: line 2: token column 'out': no value"));
  CHECK_THAT(error_of("in,tokens\n5,7\n"), Catch::Contains("no token column 'out' in the header"));
  CHECK_THAT(error_of("in,out\n"),
             Catch::EndsWith("p.csv: expected at least one (input, output) pair, got none"));
  CHECK_THAT(error_of("in,out\n20000000,1\n"),
             Catch::EndsWith("token column 'in': expected at most 10000000 tokens, got '20000000'"));
}

TEST_CASE("sim::Scenario: a workload's joint tokens, rho or trace pairs relative to the scenario") {
  TokenDrawDir dir;
  dir.write("pairs.csv", "TIMESTAMP,in,out\n0,100,10\n1,2000,300\n");
  nlohmann::json doc = {{"workload", {{"type", "poisson"}, {"rate_rps", 1}, {"duration_s", 10}}},
                        {"service", {{"warm", {{"type", "constant"}, {"value_ms", 20}}}}},
                        {"candidates", {{{"platform", "aws-lambda"}, {"memory_mb", 1024}}}}};
  doc["workload"]["tokens"] = {{"input", {{"type", "constant"}, {"value_tokens", 5}}},
                               {"output", {{"type", "constant"}, {"value_tokens", 7}}},
                               {"rho", 0.3}};
  const std::string base_dir = std::filesystem::path(dir.write("s.json", "")).parent_path().string();
  WorkloadSpec w = servesim::sim::parse_scenario(doc, "s.json", base_dir).workload;
  CHECK(w.has_token_distributions);
  CHECK(w.token_rho == 0.3);
  CHECK(w.token_pairs == nullptr);
  doc["workload"]["tokens"] = {
      {"type", "empirical_pairs"}, {"path", "pairs.csv"}, {"input_column", "in"}, {"output_column", "out"}};
  w = servesim::sim::parse_scenario(doc, "s.json", base_dir).workload;
  CHECK_FALSE(w.has_token_distributions);
  REQUIRE(w.token_pairs != nullptr);
  REQUIRE(w.token_pairs->size() == 2);
  CHECK((*w.token_pairs)[1].input == 2000);
  CHECK((*w.token_pairs)[1].output == 300);
  // Without "tokens": no draw at all, as before.
  doc["workload"].erase("tokens");
  CHECK_FALSE(TokenDraw(servesim::sim::parse_scenario(doc, "s.json", base_dir).workload).is_on());
}
