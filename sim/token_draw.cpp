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
    pairs.push_back({rows.token_count(0, input_column), rows.token_count(1, output_column)});
  if (pairs.empty()) throw input_error(path, "", "expected at least one (input, output) pair, got none");
  return pairs;
}

}  // namespace servesim::sim
