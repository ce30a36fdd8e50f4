#include "sim/distribution.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

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

Distribution Distribution::from_json(const nlohmann::json& j, const std::string& file,
                                     const std::string& ptr) {
  auto fail = [&](const std::string& sub, const std::string& msg) {
    return input_error(file, ptr + sub, msg);
  };
  if (!j.is_object()) throw fail("", "expected an object like {\"type\": \"constant\", \"value_ms\": 40}");
  if (!j.contains("type") || !j["type"].is_string())
    throw fail("/type", "expected one of constant, exponential, lognormal, empirical");
  const std::string type = j["type"];
  auto allowed_keys = [&](std::initializer_list<const char*> keys) {
    for (const auto& item : j.items()) {
      const std::string& k = item.key();  // not a structured binding: clang 14 cannot capture one in a lambda
      if (k == "type") continue;
      if (std::none_of(keys.begin(), keys.end(), [&](const char* a) { return k == a; })) {
        std::string list;
        for (const char* a : keys) list += std::string(list.empty() ? "" : ", ") + a;
        throw fail("/" + k, "unknown key for a " + type + " distribution (expected " + list + ")");
      }
    }
  };
  auto positive_ms = [&](const char* key) {
    if (!j.contains(key)) throw fail(std::string("/") + key, "missing (a duration in milliseconds)");
    const auto& v = j[key];
    if (!v.is_number() || v.get<double>() < 0 || !std::isfinite(v.get<double>()))
      throw fail(std::string("/") + key,
                 "expected a non-negative number of milliseconds, got " + core::quote_json(v));
    return v.get<double>() / 1e3;
  };
  if (type == "constant") {
    allowed_keys({"value_ms"});
    return constant(positive_ms("value_ms"));
  }
  if (type == "exponential") {
    allowed_keys({"mean_ms"});
    return exponential(positive_ms("mean_ms"));
  }
  if (type == "lognormal") {
    allowed_keys({"mean_ms", "p99_ms"});
    const double mean = positive_ms("mean_ms");
    const double p99 = positive_ms("p99_ms");
    if (!(mean > 0) || !(p99 > mean) || p99 > 14.9 * mean)
      throw fail("/p99_ms",
                 "expected mean_ms < p99_ms <= 14.9 x mean_ms (a lognormal fits no other pair), got mean " +
                     fmt_ms(mean) + ", p99 " + fmt_ms(p99));
    return lognormal(mean, p99);
  }
  if (type == "empirical") {
    allowed_keys({"percentiles_ms"});
    if (!j.contains("percentiles_ms") || !j["percentiles_ms"].is_object())
      throw fail("/percentiles_ms",
                 "expected an object of percentile -> milliseconds, e.g. {\"0\": 10, \"100\": 40}");
    return empirical(parse_percentiles(j["percentiles_ms"], file, ptr + "/percentiles_ms", 1e-3, HUGE_VAL,
                                       "a non-negative number of milliseconds"));
  }
  throw fail("/type", "expected one of constant, exponential, lognormal, empirical, got \"" + type + "\"");
}

}  // namespace servesim::sim
