#pragma once
// The confidence score a cascade stage gives its answer, as a distribution over [0, 1]: a request stops at
// the stage when its score reaches the stage's threshold, so the share that stops is P(score >= threshold)
// and comes from the model's calibration (docs/topology.md), not from a stop probability typed in.
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <utility>
#include <vector>

#include "sim/distribution.hpp"
#include "sim/rng.hpp"

namespace servesim::platforms {

class ConfidenceScores {
 public:
  // {"type": "beta", "a": A, "b": B} (A, B > 0), or {"type": "empirical", "percentiles": {"0": s0, ...,
  // "100": s100}} (scores in [0, 1], not decreasing; e.g. measured on a validation set). Throws InputError
  // naming the file and pointer.
  static ConfidenceScores from_json(const nlohmann::json& j, const std::string& file,
                                    const std::string& pointer);
  static ConfidenceScores beta(double a, double b);

  // One score: Beta as G_a / (G_a + G_b) from two gamma draws (Marsaglia & Tsang 2000; shape < 1 through
  // G_{s+1} U^{1/s}); empirical by the piecewise-linear inverse CDF.
  double sample(sim::Rng& rng) const;
  std::string describe() const;

 private:
  enum class Kind { beta, empirical };
  Kind kind_ = Kind::beta;
  double a_ = 1, b_ = 1;
  sim::Distribution empirical_ = sim::Distribution::constant(0);  // inverse CDF through the percentiles
};

// A gamma(shape, 1) draw (shape > 0).
double sample_gamma(double shape, sim::Rng& rng);

}  // namespace servesim::platforms
