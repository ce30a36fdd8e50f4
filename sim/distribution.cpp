#include "sim/distribution.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "core/input_error.hpp"
#include "core/json_fields.hpp"

namespace servesim::sim {
namespace {
constexpr double kZ99 = 2.3263478740408408;  // standard normal 99th percentile

std::string fmt_ms(double s) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g ms", s * 1e3);
  return buf;
}
}  // namespace

Distribution Distribution::constant(double value_s) {
  Distribution d;
  d.kind_ = Kind::constant;
  d.mean_s_ = value_s;
  return d;
}

Distribution Distribution::exponential(double mean_s) {
  Distribution d;
  d.kind_ = Kind::exponential;
  d.mean_s_ = mean_s;
  return d;
}

Distribution Distribution::lognormal(double mean_s, double p99_s) {
  // mean = exp(mu + s^2/2), p99 = exp(mu + z s)  =>  s^2/2 - z s + ln(p99/mean) = 0; take the smaller root.
  const double gap = std::log(p99_s / mean_s);
  const double disc = kZ99 * kZ99 - 2.0 * gap;
  if (!(p99_s > mean_s) || disc < 0) throw InputError("lognormal needs mean < p99 <= 14.97 x mean");
  Distribution d;
  d.kind_ = Kind::lognormal;
  d.mean_s_ = mean_s;
  d.p99_s_ = p99_s;
  d.sigma_ = kZ99 - std::sqrt(disc);
  d.mu_ = std::log(mean_s) - d.sigma_ * d.sigma_ / 2.0;
  return d;
}

Distribution Distribution::empirical(std::vector<std::pair<double, double>> points) {
  Distribution d;
  d.kind_ = Kind::empirical;
  d.points_ = std::move(points);
  double mean = 0;
  for (size_t i = 1; i < d.points_.size(); ++i) {
    const auto& [q0, v0] = d.points_[i - 1];
    const auto& [q1, v1] = d.points_[i];
    mean += (q1 - q0) * (v0 + v1) / 2.0;
  }
  d.mean_s_ = mean;
  return d;
}

namespace {

// The inverse CDF, at p in [0, 1], of the density proportional to exp(t u) on u in [0, 1] (t = 0: uniform).
double tilted_quantile(double p, double t) {
  if (std::abs(t) < 1e-9) return p;
  return std::log1p(p * std::expm1(t)) / t;
}

// The histogram's points with one tilt theta (per unit of value) in every bucket, `per_bucket` points each.
std::vector<std::pair<double, double>> tilted_points(const std::vector<double>& bounds,
                                                     const std::vector<double>& counts, double theta,
                                                     int per_bucket) {
  double total = 0;
  for (const double c : counts) total += c;
  std::vector<std::pair<double, double>> points;
  double below = 0;
  for (size_t i = 0; i < counts.size() && i + 1 < bounds.size(); ++i) {
    if (!(counts[i] > 0)) continue;
    const double lo = bounds[i], width = bounds[i + 1] - bounds[i];
    // The bucket's lower bound at the share below it: a jump (two points at one share) over empty buckets.
    if (points.empty() || points.back().second != lo) points.emplace_back(below / total, lo);
    for (int j = 1; j <= per_bucket; ++j) {
      const double p = static_cast<double>(j) / per_bucket;
      points.emplace_back((below + counts[i] * p) / total,
                          j == per_bucket ? bounds[i + 1] : lo + width * tilted_quantile(p, theta * width));
    }
    below += counts[i];
  }
  if (!points.empty()) points.back().first = 1.0;  // exact, whatever the rounding of the sums
  return points;
}

double points_mean(const std::vector<std::pair<double, double>>& points) {
  double mean = 0;
  for (size_t i = 1; i < points.size(); ++i)
    mean += (points[i].first - points[i - 1].first) * (points[i - 1].second + points[i].second) / 2.0;
  return mean;
}

}  // namespace

Distribution Distribution::histogram(const std::vector<double>& bounds_s, const std::vector<double>& counts) {
  // Uniform within each bucket: the tilt 0, one point per bucket (its upper bound at the share below it).
  return empirical(tilted_points(bounds_s, counts, 0.0, 1));
}

Distribution Distribution::histogram(const std::vector<double>& bounds_s, const std::vector<double>& counts,
                                     double mean_s) {
  double total = 0, low = 0, high = 0, widest = 0;
  for (size_t i = 0; i < counts.size() && i + 1 < bounds_s.size(); ++i) {
    total += counts[i];
    low += counts[i] * bounds_s[i];
    high += counts[i] * bounds_s[i + 1];
    if (counts[i] > 0) widest = std::max(widest, bounds_s[i + 1] - bounds_s[i]);
  }
  if (!(total > 0) || !(mean_s > low / total) || !(mean_s < high / total))
    throw std::invalid_argument(
        "expected a mean strictly between the buckets' lower and upper bounds' means (" +
        core::quote_number(low / total) + " and " + core::quote_number(high / total) + "), got " +
        core::quote_number(mean_s));
  // The drawn mean grows with theta; |theta x width| <= 700 keeps exp() finite.
  constexpr int kPerBucket = 16;
  double lo = -700 / widest, hi = 700 / widest;
  for (int i = 0; i < 200; ++i) {
    const double mid = (lo + hi) / 2;
    (points_mean(tilted_points(bounds_s, counts, mid, kPerBucket)) < mean_s ? lo : hi) = mid;
  }
  auto points = tilted_points(bounds_s, counts, (lo + hi) / 2, kPerBucket);
  if (std::abs(points_mean(points) - mean_s) > 1e-6 * mean_s)
    throw std::invalid_argument("expected a mean the buckets can reach with a bounded tilt, got " +
                                core::quote_number(mean_s) +
                                " (closest: " + core::quote_number(points_mean(points)) + ")");
  return empirical(std::move(points));
}

double Distribution::quantile_s(double q) const {
  switch (kind_) {
    case Kind::constant:
      return mean_s_;
    case Kind::exponential:
      return -mean_s_ * std::log1p(-q);
    case Kind::lognormal: {
      // Inverse normal CDF by bisection on erfc: only used for reporting, not in the hot path.
      double lo = -10, hi = 10;
      for (int i = 0; i < 100; ++i) {
        const double mid = (lo + hi) / 2;
        (0.5 * std::erfc(-mid / std::sqrt(2.0)) < q ? lo : hi) = mid;
      }
      return std::exp(mu_ + sigma_ * (lo + hi) / 2);
    }
    case Kind::empirical: {
      auto it = std::lower_bound(points_.begin(), points_.end(), q,
                                 [](const auto& p, double value) { return p.first < value; });
      if (it == points_.begin()) return it->second;
      if (it == points_.end()) return points_.back().second;
      const auto& [q0, v0] = *(it - 1);
      const auto& [q1, v1] = *it;
      return q1 == q0 ? v1 : v0 + (v1 - v0) * (q - q0) / (q1 - q0);
    }
  }
  return mean_s_;
}

double Distribution::at_normal_score(double z) const {
  if (kind_ == Kind::lognormal) return std::exp(mu_ + sigma_ * z);
  return quantile_s(0.5 * std::erfc(-z / std::sqrt(2.0)));
}

double Distribution::sample(Rng& rng) const {
  switch (kind_) {
    case Kind::constant:
      return mean_s_;
    case Kind::exponential:
      return rng.exponential(mean_s_);
    case Kind::lognormal:
      return std::exp(mu_ + sigma_ * rng.normal());
    case Kind::empirical:
      return quantile_s(rng.uniform());
  }
  return mean_s_;
}

Distribution Distribution::scaled(double factor) const {
  Distribution d = *this;
  d.mean_s_ *= factor;
  d.p99_s_ *= factor;
  d.mu_ += std::log(factor);  // ln(factor X) = ln X + ln factor: sigma unchanged
  for (auto& point : d.points_) point.second *= factor;
  return d;
}

std::string Distribution::describe() const {
  switch (kind_) {
    case Kind::constant:
      return "constant " + fmt_ms(mean_s_);
    case Kind::exponential:
      return "exponential(mean " + fmt_ms(mean_s_) + ")";
    case Kind::lognormal:
      return "lognormal(mean " + fmt_ms(mean_s_) + ", p99 " + fmt_ms(p99_s_) + ")";
    case Kind::empirical:
      return "empirical(" + std::to_string(points_.size()) + " percentiles, mean " + fmt_ms(mean_s_) + ")";
  }
  return "";
}

std::vector<std::pair<double, double>> parse_percentiles(const nlohmann::json& table, const std::string& file,
                                                         const std::string& pointer, double scale, double max,
                                                         const std::string& what) {
  std::vector<std::pair<double, double>> pts;
  for (const auto& [k, v] : table.items()) {
    char* end = nullptr;
    const double pct = std::strtod(k.c_str(), &end);
    if (end == k.c_str() || *end != '\0' || pct < 0 || pct > 100)
      throw input_error(file, pointer + "/" + k, "expected a percentile key between 0 and 100");
    if (!v.is_number() || v.get<double>() < 0 || v.get<double>() > max)
      throw input_error(file, pointer + "/" + k, "expected " + what + ", got " + core::quote_json(v));
    pts.emplace_back(pct / 100.0, v.get<double>() * scale);
  }
  std::sort(pts.begin(), pts.end());
  if (pts.size() < 2 || pts.front().first != 0.0 || pts.back().first != 1.0)
    throw input_error(file, pointer, "expected at least the percentiles \"0\" and \"100\"");
  for (size_t i = 1; i < pts.size(); ++i)
    if (pts[i].second < pts[i - 1].second)
      throw input_error(file, pointer, "expected values that do not decrease with the percentile");
  return pts;
}

namespace {

// The unit of a distribution's values as a scenario writes them.
struct ValueUnit {
  const char* suffix;  // of the keys: "_ms" (value_ms, mean_ms, ...) or "_tokens"
  double divisor;      // stored value = written value / divisor: 1e3 (ms -> s) or 1
  const char* word;    // "milliseconds" or "tokens"
};

// {"bounds_<unit>": [b0, ..., bn], "counts": [c1, ..., cn]}: n + 1 increasing finite bounds >= 0, n counts
// >= 0, one at least > 0.
Distribution histogram_from_json(const nlohmann::json& j, const std::string& file, const std::string& ptr,
                                 const std::string& bounds_key, const std::string& mean_key, double scale,
                                 const std::string& word) {
  const nlohmann::json* bounds = j.contains(bounds_key) ? &j[bounds_key] : nullptr;
  if (!bounds || !bounds->is_array() || bounds->size() < 2)
    throw input_error(file, ptr + "/" + bounds_key,
                      "expected an array of at least 2 increasing bounds in " + word +
                          ", e.g. [0, 100, 200], got " +
                          (!bounds              ? std::string("nothing")
                           : bounds->is_array() ? std::to_string(bounds->size()) + " values"
                                                : core::quote_json(*bounds)));
  std::vector<double> values;
  for (size_t i = 0; i < bounds->size(); ++i) {
    const auto& v = (*bounds)[i];
    if (!v.is_number() || !(v.get<double>() >= 0) || !std::isfinite(v.get<double>()) ||
        (i > 0 && !(v.get<double>() * scale > values.back())))
      throw input_error(file, ptr + "/" + bounds_key + "/" + std::to_string(i),
                        "expected a non-negative number of " + word +
                            (i > 0 ? " above the bound before it" : "") + ", got " + core::quote_json(v));
    values.push_back(v.get<double>() * scale);
  }
  const nlohmann::json* counts = j.contains("counts") ? &j["counts"] : nullptr;
  if (!counts || !counts->is_array() || counts->size() + 1 != values.size())
    throw input_error(file, ptr + "/counts",
                      "expected an array of " + std::to_string(values.size() - 1) +
                          " counts (one per bucket between the bounds), got " +
                          (!counts              ? std::string("nothing")
                           : counts->is_array() ? std::to_string(counts->size())
                                                : core::quote_json(*counts)));
  std::vector<double> numbers;
  double total = 0;
  for (size_t i = 0; i < counts->size(); ++i) {
    const auto& v = (*counts)[i];
    if (!v.is_number() || !(v.get<double>() >= 0) || !std::isfinite(v.get<double>()))
      throw input_error(file, ptr + "/counts/" + std::to_string(i),
                        "expected a count >= 0, got " + core::quote_json(v));
    numbers.push_back(v.get<double>());
    total += numbers.back();
  }
  if (!(total > 0)) throw input_error(file, ptr + "/counts", "expected at least one count above 0, got none");
  if (!j.contains(mean_key)) return Distribution::histogram(values, numbers);
  // The observations' mean (a Prometheus histogram's _sum / _count): the density within the buckets follows.
  const auto& m = j[mean_key];
  if (!m.is_number() || !std::isfinite(m.get<double>()))
    throw input_error(file, ptr + "/" + mean_key,
                      "expected a number of " + word + ", got " + core::quote_json(m));
  try {
    return Distribution::histogram(values, numbers, m.get<double>() * scale);
  } catch (const std::invalid_argument& e) {
    // The message's numbers are in seconds for durations: restate the bounds in the file's unit.
    double low = 0, high = 0;
    for (size_t i = 0; i < numbers.size(); ++i) {
      low += numbers[i] * values[i] / total;
      high += numbers[i] * values[i + 1] / total;
    }
    throw input_error(file, ptr + "/" + mean_key,
                      "expected a mean strictly between the buckets' lower and upper bounds' means (" +
                          core::quote_number(low / scale) + " and " + core::quote_number(high / scale) + " " +
                          word + "), got " + core::quote_json(m));
  }
}

Distribution distribution_from_json(const nlohmann::json& j, const std::string& file, const std::string& ptr,
                                    const ValueUnit& unit) {
  auto fail = [&](const std::string& sub, const std::string& msg) {
    return input_error(file, ptr + sub, msg);
  };
  const std::string suffix = unit.suffix;
  const std::string word = unit.word;
  auto key_of = [&](const char* base) { return std::string(base) + suffix; };
  if (!j.is_object())
    throw fail("", "expected an object like {\"type\": \"constant\", \"" + key_of("value") + "\": 40}");
  if (!j.contains("type") || !j["type"].is_string())
    throw fail("/type", "expected one of constant, exponential, lognormal, empirical, histogram");
  const std::string type = j["type"];
  auto allowed_keys = [&](std::initializer_list<std::string> keys) {
    for (const auto& item : j.items()) {
      const std::string& k = item.key();  // not a structured binding: clang 14 cannot capture one in a lambda
      if (k == "type") continue;
      if (std::none_of(keys.begin(), keys.end(), [&](const std::string& a) { return k == a; })) {
        std::string list;
        for (const auto& a : keys) list += std::string(list.empty() ? "" : ", ") + a;
        throw fail("/" + k, "unknown key for a " + type + " distribution (expected " + list + ")");
      }
    }
  };
  auto non_negative = [&](const std::string& key) {
    const std::string what = word == "tokens" ? "a number of tokens" : "a duration in milliseconds";
    if (!j.contains(key)) throw fail("/" + key, "missing (" + what + ")");
    const auto& v = j[key];
    if (!v.is_number() || v.get<double>() < 0 || !std::isfinite(v.get<double>()))
      throw fail("/" + key, "expected a non-negative number of " + word + ", got " + core::quote_json(v));
    return v.get<double>() / unit.divisor;
  };
  auto quote = [&](double value) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%g %s", value * unit.divisor, word == "tokens" ? "tokens" : "ms");
    return std::string(buf);
  };
  if (type == "constant") {
    allowed_keys({key_of("value")});
    return Distribution::constant(non_negative(key_of("value")));
  }
  if (type == "exponential") {
    allowed_keys({key_of("mean")});
    return Distribution::exponential(non_negative(key_of("mean")));
  }
  if (type == "lognormal") {
    allowed_keys({key_of("mean"), key_of("p99")});
    const double mean = non_negative(key_of("mean"));
    const double p99 = non_negative(key_of("p99"));
    if (!(mean > 0) || !(p99 > mean) || p99 > 14.9 * mean)
      throw fail("/" + key_of("p99"), "expected " + key_of("mean") + " < " + key_of("p99") + " <= 14.9 x " +
                                          key_of("mean") + " (a lognormal fits no other pair), got mean " +
                                          quote(mean) + ", p99 " + quote(p99));
    return Distribution::lognormal(mean, p99);
  }
  if (type == "empirical") {
    const std::string key = key_of("percentiles");
    allowed_keys({key});
    if (!j.contains(key) || !j[key].is_object())
      throw fail("/" + key,
                 "expected an object of percentile -> " + word + ", e.g. {\"0\": 10, \"100\": 40}");
    return Distribution::empirical(parse_percentiles(j[key], file, ptr + "/" + key, 1.0 / unit.divisor,
                                                     HUGE_VAL, "a non-negative number of " + word));
  }
  if (type == "histogram") {
    allowed_keys({key_of("bounds"), "counts", key_of("mean")});
    return histogram_from_json(j, file, ptr, key_of("bounds"), key_of("mean"), 1.0 / unit.divisor, word);
  }
  throw fail("/type",
             "expected one of constant, exponential, lognormal, empirical, histogram, got \"" + type + "\"");
}

}  // namespace

Distribution Distribution::from_json(const nlohmann::json& j, const std::string& file,
                                     const std::string& ptr) {
  return distribution_from_json(j, file, ptr, ValueUnit{"_ms", 1e3, "milliseconds"});
}

Distribution Distribution::tokens_from_json(const nlohmann::json& j, const std::string& file,
                                            const std::string& ptr) {
  return distribution_from_json(j, file, ptr, ValueUnit{"_tokens", 1.0, "tokens"});
}

}  // namespace servesim::sim
