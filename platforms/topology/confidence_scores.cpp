#include "platforms/topology/confidence_scores.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

#include "core/json_fields.hpp"

namespace servesim::platforms {

double sample_gamma(double shape, sim::Rng& rng) {
  if (shape < 1) return sample_gamma(shape + 1, rng) * std::pow(rng.uniform_open0(), 1.0 / shape);
  // Marsaglia & Tsang, "A simple method for generating gamma variables" (ACM TOMS 26(3), 2000).
  const double d = shape - 1.0 / 3.0, c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    double x, v;
    do {
      x = rng.normal();
      v = 1.0 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const double u = rng.uniform_open0();
    if (u < 1.0 - 0.0331 * x * x * x * x || std::log(u) < 0.5 * x * x + d * (1.0 - v + std::log(v)))
      return d * v;
  }
}

ConfidenceScores ConfidenceScores::beta(double a, double b) {
  ConfidenceScores s;
  s.kind_ = Kind::beta;
  s.a_ = a;
  s.b_ = b;
  return s;
}

ConfidenceScores ConfidenceScores::from_json(const nlohmann::json& j, const std::string& file,
                                             const std::string& pointer) {
  if (!j.is_object())
    throw input_error(file, pointer,
                      "expected {\"type\": \"beta\", \"a\": .., \"b\": ..} or {\"type\": \"empirical\", "
                      "\"percentiles\": {..}}, got " +
                          j.dump());
  core::JsonFields f(j, file, pointer);
  const std::string type = f.required_text("type", {"beta", "empirical"});
  ConfidenceScores s;
  if (type == "beta") {
    const double a = f.required_number("a", 1e-3, 1e3), b = f.required_number("b", 1e-3, 1e3);
    f.reject_unknown();
    return beta(a, b);
  }
  s.kind_ = Kind::empirical;
  if (!f.has("percentiles") || !f.child("percentiles").is_object())
    throw f.error("percentiles", "expected an object of percentile -> score, e.g. {\"0\": 0.2, \"100\": 1}");
  f.reject_unknown();
  // The piecewise-linear inverse CDF of sim::Distribution, on a unitless score.
  s.empirical_ = sim::Distribution::empirical(sim::parse_percentiles(
      f.child("percentiles"), file, f.pointer("percentiles"), 1.0, 1.0, "a score in 0..1"));
  return s;
}

double ConfidenceScores::sample(sim::Rng& rng) const {
  if (kind_ == Kind::empirical) return empirical_.sample(rng);
  const double x = sample_gamma(a_, rng);
  return x / (x + sample_gamma(b_, rng));
}

std::string ConfidenceScores::describe() const {
  if (kind_ == Kind::empirical) return "empirical scores";
  return "beta(" + core::quote_number(a_) + ", " + core::quote_number(b_) + ")";
}

}  // namespace servesim::platforms
