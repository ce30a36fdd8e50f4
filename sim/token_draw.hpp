#pragma once
// How a synthetic or rate-trace workload gives each arrival its prompt and output token counts: two
// independent distributions (the default), the same two joined by a Gaussian copula with correlation rho, or
// (input, output) pairs of a real trace drawn whole, so that the pairs' joint shape is kept.
//
//   TokenDraw draw(spec);  // from the workload's "tokens"
//   if (draw.is_on()) tokens = draw.next(rng);
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sim/arrival_source.hpp"
#include "sim/distribution.hpp"
#include "sim/rng.hpp"
#include "sim/workload.hpp"

namespace servesim::sim {

class TokenDraw {
 public:
  explicit TokenDraw(const WorkloadSpec& spec);

  // Whether the workload gives token counts at all.
  bool is_on() const { return pairs_ != nullptr || has_distributions_; }

  // The next arrival's counts.
  // - pairs: pair floor(u x n) of the n pairs, u uniform in [0, 1) (one draw), counts as the trace gives
  // them.
  // - rho = 0: input then output from their distributions (draw_request_tokens), as before rho existed.
  // - rho != 0: z1, z2 standard normals (two draws), z2' = rho z1 + sqrt(1 - rho^2) z2 has correlation rho
  // with
  //   z1; input = F_in^-1(Phi(z1)), output = F_out^-1(Phi(z2')) (Distribution::at_normal_score), rounded and
  //   kept within 1..kMaxRequestTokens. The marginals stay the distributions given.
  RequestTokens next(Rng& rng) const;

 private:
  std::shared_ptr<const std::vector<TokenPair>> pairs_;
  bool has_distributions_ = false;
  Distribution input_, output_;
  double rho_ = 0;
};

// Reads the (input, output) token pairs of a request trace: every row's values in `input_column` and
// `output_column` (CSV header names, or JSONL keys), integers 0..kMaxRequestTokens. Throws InputError
// "<path>: line N: token column '<name>': ..." for a row without a value or with a bad one, as the
// request-trace reader words it, and "<path>: expected at least one (input, output) pair, got none".
std::vector<TokenPair> read_token_pairs(const std::string& path, TraceFormat format,
                                        const std::string& input_column, const std::string& output_column);

}  // namespace servesim::sim
