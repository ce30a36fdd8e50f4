// Joint token draws: independent, Gaussian copula, or resampled trace pairs.
#include "sim/token_draw.hpp"

#include <charconv>
#include <cmath>

#include "core/input_error.hpp"
#include "sim/trace_rows.hpp"

namespace servesim::sim {

namespace {

uint32_t rounded_tokens(double value) {
  const double rounded = std::round(value);
  if (!(rounded >= 1)) return 1;
  return rounded >= kMaxRequestTokens ? kMaxRequestTokens : static_cast<uint32_t>(rounded);
}

uint32_t pair_tokens(const TraceRows& rows, size_t column, const std::string& name) {
  auto fail = [&](const std::string& what) {
    return input_error(rows.path(), "line " + std::to_string(rows.line()),
                       "token column '" + excerpt(name) + "': " + what);
  };
  if (!rows.has(column) || rows.value(column).empty()) throw fail("no value");
  const std::string_view text = rows.value(column);
  uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error == std::errc::invalid_argument || end != text.data() + text.size())
    throw fail("expected a non-negative integer, got '" + excerpt(text) + "'");
  if (error == std::errc::result_out_of_range || value > kMaxRequestTokens)
    throw fail("expected at most 10000000 tokens, got '" + excerpt(text) + "'");
  return static_cast<uint32_t>(value);
}

}  // namespace

TokenDraw::TokenDraw(const WorkloadSpec& spec)
    : pairs_(spec.token_pairs),
      has_distributions_(spec.has_token_distributions),
      input_(spec.input_tokens),
      output_(spec.output_tokens),
      rho_(spec.token_rho) {}

RequestTokens TokenDraw::next(Rng& rng) const {
  RequestTokens tokens;
  if (pairs_) {
    const auto index = static_cast<size_t>(rng.uniform() * static_cast<double>(pairs_->size()));
    const TokenPair& pair = (*pairs_)[index < pairs_->size() ? index : pairs_->size() - 1];
    tokens.input = pair.input;
    tokens.output = pair.output;
    return tokens;
  }
  if (rho_ == 0) {
    tokens.input = draw_request_tokens(input_, rng);
    tokens.output = draw_request_tokens(output_, rng);
    return tokens;
  }
  const double z1 = rng.normal();
  const double z2 = rho_ * z1 + std::sqrt(1 - rho_ * rho_) * rng.normal();
  tokens.input = rounded_tokens(input_.at_normal_score(z1));
  tokens.output = rounded_tokens(output_.at_normal_score(z2));
  return tokens;
}

std::vector<TokenPair> read_token_pairs(const std::string& path, TraceFormat format,
                                        const std::string& input_column, const std::string& output_column) {
  TraceRows rows(path, format, {{input_column, "token column"}, {output_column, "token column"}});
  std::vector<TokenPair> pairs;
  while (rows.next())
    pairs.push_back({pair_tokens(rows, 0, input_column), pair_tokens(rows, 1, output_column)});
  if (pairs.empty()) throw input_error(path, "", "expected at least one (input, output) pair, got none");
  return pairs;
}

}  // namespace servesim::sim
