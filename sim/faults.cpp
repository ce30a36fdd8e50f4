#include "sim/faults.hpp"

#include <algorithm>
#include <cmath>

#include "core/input_error.hpp"
#include "core/json_fields.hpp"

namespace servesim::sim {

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kMaxTime = 1e10;  // [s] ~317 years: far beyond any trace
}  // namespace

bool FaultSpec::applies_to(const std::string& candidate) const {
  return candidates.empty() || std::find(candidates.begin(), candidates.end(), candidate) != candidates.end();
}

const char* FaultSpec::kind_name(Kind kind) {
  switch (kind) {
    case Kind::outage:
      return "outage";
    case Kind::throttle:
      return "throttle";
    case Kind::slow_storage:
      return "slow-storage";
    case Kind::crash:
      return "crash";
    case Kind::node_failure:
      return "node-failure";
  }
  return "?";
}

std::string FaultSpec::label() const {
  const std::string name = kind_name(kind);
  if (kind == Kind::node_failure) return name + " at " + core::quote_number(start_s) + " s";
  if (std::isinf(duration_s)) return name + " from " + core::quote_number(start_s) + " s";
  return name + " " + core::quote_number(start_s) + "-" + core::quote_number(end_s()) + " s";
}

std::vector<FaultSpec> parse_faults(const nlohmann::json& list, const std::string& file) {
  if (!list.is_array())
    throw input_error(
        file, "/faults",
        "expected a list of faults ({\"kind\": \"outage\", ...}), got " + core::quote_json(list));
  std::vector<FaultSpec> faults;
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string ptr = "/faults/" + std::to_string(i);
    core::JsonFields f(list[i], file, ptr);
    FaultSpec spec;
    spec.file = file;
    spec.pointer = ptr;
    const std::string kind =
        f.required_text("kind", {"outage", "throttle", "slow-storage", "crash", "node-failure"});
    if (kind == "node-failure") {
      spec.kind = FaultSpec::Kind::node_failure;
      spec.start_s = f.required_number("at_s", 0.0, kMaxTime);
      spec.duration_s = 0;
      spec.nodes = static_cast<uint32_t>(f.integer("nodes", 1, 1, 100000));
    } else {
      spec.kind = kind == "outage"     ? FaultSpec::Kind::outage
                  : kind == "throttle" ? FaultSpec::Kind::throttle
                  : kind == "crash"    ? FaultSpec::Kind::crash
                                       : FaultSpec::Kind::slow_storage;
      if (spec.kind == FaultSpec::Kind::crash) {
        spec.start_s = f.number("start_s", 0.0, 0.0, kMaxTime);
        spec.duration_s = f.number("duration_s", kInf, 1e-3, kMaxTime);
        spec.rate_per_s = f.required_number("rate_per_instance_hour", 1e-9, 3.6e6) / 3600.0;
      } else {
        spec.start_s = f.required_number("start_s", 0.0, kMaxTime);
        spec.duration_s = f.required_number("duration_s", 1e-3, kMaxTime);
      }
      if (spec.kind == FaultSpec::Kind::throttle) {
        if (!f.has("concurrency_limit"))
          throw f.error("concurrency_limit",
                        "missing (the concurrency, or instances, allowed during the storm)");
        spec.concurrency_limit = static_cast<uint32_t>(f.integer("concurrency_limit", 0, 0, 10000000));
      }
      if (spec.kind == FaultSpec::Kind::slow_storage)
        spec.bandwidth_factor = f.required_number("bandwidth_factor", 1e-6, 1.0);
    }
    if (f.has("candidates")) {
      const auto& names = f.child("candidates");
      if (!names.is_array() || names.empty())
        throw f.error("candidates",
                      "expected a non-empty list of candidate names, got " + core::quote_json(names));
      for (size_t k = 0; k < names.size(); ++k) {
        if (!names[k].is_string())
          throw input_error(file, f.pointer("candidates") + "/" + std::to_string(k),
                            "expected a candidate name, got " + core::quote_json(names[k]));
        spec.candidates.push_back(names[k].get<std::string>());
      }
    }
    f.reject_unknown();
    faults.push_back(std::move(spec));
  }
  return faults;
}

CrashHazard::CrashHazard(const std::vector<FaultSpec>& faults, const std::string& candidate) {
  std::vector<double> times{0.0};
  for (const FaultSpec& f : faults) {
    if (f.kind != FaultSpec::Kind::crash || !f.applies_to(candidate)) continue;
    times.push_back(f.start_s);
    if (!std::isinf(f.duration_s)) times.push_back(f.end_s());
  }
  if (times.size() == 1) return;
  std::sort(times.begin(), times.end());
  times.erase(std::unique(times.begin(), times.end()), times.end());
  for (double t : times) {
    double rate = 0, top = 0;
    int owner = -1;
    for (size_t k = 0; k < faults.size(); ++k) {
      const FaultSpec& f = faults[k];
      if (f.kind != FaultSpec::Kind::crash || !f.applies_to(candidate) || !f.active(t)) continue;
      rate += f.rate_per_s;
      if (f.rate_per_s > top) {
        top = f.rate_per_s;
        owner = static_cast<int>(k);
      }
    }
    breaks_.push_back(t);
    rates_.push_back(rate);
    owner_.push_back(owner);
  }
}

double CrashHazard::hazard(double t0_s, double t1_s) const {
  double h = 0;
  for (size_t i = 0; i < breaks_.size() && t0_s < t1_s; ++i) {
    const double end = i + 1 < breaks_.size() ? breaks_[i + 1] : kInf;
    const double a = std::max(t0_s, breaks_[i]), b = std::min(t1_s, end);
    if (b > a) h += rates_[i] * (b - a);
  }
  return h;
}

double CrashHazard::crash_time(double t0_s, double exp1) const {
  double left = exp1;
  for (size_t i = 0; i < breaks_.size(); ++i) {
    const double end = i + 1 < breaks_.size() ? breaks_[i + 1] : kInf;
    if (end <= t0_s) continue;
    const double a = std::max(t0_s, breaks_[i]);
    if (rates_[i] > 0) {
      const double need_s = left / rates_[i];
      if (a + need_s < end) return a + need_s;
      left -= rates_[i] * (end - a);
    }
  }
  return kInf;
}

int CrashHazard::fault_at(double t_s) const {
  int owner = -1;
  for (size_t i = 0; i < breaks_.size() && breaks_[i] <= t_s; ++i) owner = owner_[i];
  return owner;
}

}  // namespace servesim::sim
