#include "calibrate/memory_sizes.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

namespace servesim::calibrate {

std::vector<MemoryGroup> group_by_memory(std::vector<LambdaInvocation> calls) {
  std::map<double, std::vector<LambdaInvocation>> by_size;
  for (auto& call : calls) by_size[call.memory_mb].push_back(std::move(call));
  std::vector<MemoryGroup> groups;
  for (auto& [memory_mb, list] : by_size) groups.push_back({memory_mb, std::move(list)});
  return groups;
}

bool has_several_memory_sizes(const std::vector<LambdaInvocation>& calls) {
  return std::any_of(calls.begin(), calls.end(),
                     [&](const LambdaInvocation& call) { return call.memory_mb != calls.front().memory_mb; });
}

bool groups_overlap(const std::vector<MemoryGroup>& groups) {
  std::vector<std::pair<double, double>> spans;  // (first arrival, last arrival)
  for (const auto& group : groups) {
    double first = HUGE_VAL, last = -HUGE_VAL;
    for (const auto& call : group.calls) {
      first = std::min(first, call.arrival_s());
      last = std::max(last, call.arrival_s());
    }
    spans.emplace_back(first, last);
  }
  std::sort(spans.begin(), spans.end());
  for (size_t i = 1; i < spans.size(); ++i)
    if (spans[i].first < spans[i - 1].second) return true;
  return false;
}

MemoryScalingFit fit_memory_scaling(const std::vector<std::pair<double, double>>& medians, double mb_per_vcpu,
                                    double max_vcpu) {
  MemoryScalingFit fit;
  double sum_x = 0, sum_y = 0;
  for (const auto& [memory_mb, median_ms] : medians) {
    MemoryScalingPoint point;
    point.memory_mb = memory_mb;
    point.vcpu = std::min(memory_mb / mb_per_vcpu, max_vcpu);
    point.median_ms = median_ms;
    fit.points.push_back(point);
    sum_x += 1 / point.vcpu;
    sum_y += median_ms;
  }
  const auto n = static_cast<double>(fit.points.size());
  if (fit.points.size() < 2) return fit;
  const double mean_x = sum_x / n, mean_y = sum_y / n;
  double sxx = 0, sxy = 0;
  for (const auto& point : fit.points) {
    sxx += (1 / point.vcpu - mean_x) * (1 / point.vcpu - mean_x);
    sxy += (1 / point.vcpu - mean_x) * (point.median_ms - mean_y);
  }
  if (!(sxx > 1e-12)) return fit;  // every group at the same CPU share (above the cap): no slope to fit
  fit.fitted = true;
  fit.cpu_ms_vcpu = sxy / sxx;
  fit.fixed_ms = mean_y - fit.cpu_ms_vcpu * mean_x;
  for (auto& point : fit.points) {
    point.fitted_ms = fit.fixed_ms + fit.cpu_ms_vcpu / point.vcpu;
    point.error_pct = point.median_ms > 0 ? (point.fitted_ms - point.median_ms) / point.median_ms * 100 : 0;
  }
  return fit;
}

nlohmann::ordered_json memory_scaling_json(const MemoryScalingFit& fit) {
  if (!fit.fitted) return nullptr;
  nlohmann::ordered_json points = nlohmann::ordered_json::array();
  for (const auto& p : fit.points)
    points.push_back({{"memory_mb", p.memory_mb},
                      {"vcpu", p.vcpu},
                      {"warm_median_ms", p.median_ms},
                      {"fitted_ms", p.fitted_ms},
                      {"error_pct", p.error_pct}});
  return {
      {"law",
       "warm median ms = fixed_ms + cpu_ms_vcpu / vcpu, vcpu = min(memory_mb / mb_per_vcpu, max_vcpu)"},
      {"fixed_ms", fit.fixed_ms},
      {"cpu_ms_vcpu", fit.cpu_ms_vcpu},
      {"groups", points},
      {"caveat",
       "A two-parameter least-squares fit on the groups' warm medians (training parts): with two groups it "
       "passes through both, so its errors are 0 by construction; it says how the median scales, not the "
       "tail, and nothing in the fitted scenario uses it."}};
}

nlohmann::ordered_json memory_sizes_scenario(const std::vector<nlohmann::ordered_json>& group_scenarios,
                                             const std::string& trace, const std::string& description) {
  if (group_scenarios.empty()) throw std::logic_error("calibrate: no fitted memory size");
  const auto& first = group_scenarios.front();
  nlohmann::ordered_json service;
  service["warm"] = first["service"]["warm"];
  service["reference_vcpu"] = first["service"]["reference_vcpu"];
  int64_t model_memory_mb = first["service"]["model_memory_mb"].get<int64_t>();
  nlohmann::ordered_json candidates = nlohmann::ordered_json::array();
  for (const auto& group : group_scenarios) {
    model_memory_mb = std::min(model_memory_mb, group["service"]["model_memory_mb"].get<int64_t>());
    nlohmann::ordered_json lambda = group["candidates"][0];
    const std::string name = lambda["name"].get<std::string>();
    lambda.erase("name");
    nlohmann::ordered_json stage_service = group["service"];
    stage_service.erase("model_memory_mb");  // a scenario-level key only
    nlohmann::ordered_json stage;
    stage["id"] = "lambda";
    stage["kind"] = "model";
    stage["candidate"] = std::move(lambda);
    stage["service"] = std::move(stage_service);
    candidates.push_back(
        {{"name", name}, {"platform", "topology"}, {"stages", nlohmann::ordered_json::array({stage})}});
  }
  service["model_memory_mb"] = model_memory_mb;

  nlohmann::ordered_json doc;
  doc["name"] = "calibrated-lambda";
  doc["description"] = description;
  doc["seed"] = first["seed"];
  doc["workload"] = first["workload"];
  doc["workload"]["path"] = trace;
  doc["service"] = service;
  doc["slo"] = first["slo"];
  doc["metrics"] = first["metrics"];
  doc["candidates"] = candidates;
  return doc;
}

}  // namespace servesim::calibrate
