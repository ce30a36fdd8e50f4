#pragma once
// AWS Lambda logs of one function at several memory sizes (a power-tuning sweep, a configuration change):
// the REPORT records grouped by Memory Size, whether the groups follow one another in time, the scenario with
// one fitted candidate per size, and a two-parameter fit of how the warm Duration scales with the CPU share
// Lambda gives a memory size (duration ≈ a + b / vCPU, vCPU = memory / mb_per_vcpu, at most max_vcpu: the
// Lambda Developer Guide, "Configure Lambda function memory": CPU in proportion to memory, 1,769 MB per
// vCPU). calibrate/memory_sizes_calibration.hpp runs the pipeline.
//
//   const auto groups = calibrate::group_by_memory(calls);
//   const calibrate::MemoryScalingFit scaling = calibrate::fit_memory_scaling({{512, 711}, {1024, 366}});
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "calibrate/lambda_log.hpp"

namespace servesim::calibrate {

struct MemoryGroup {
  double memory_mb = 0;
  std::vector<LambdaInvocation> calls;  // in the order read
};
// The records grouped by Memory Size, the smallest size first.
std::vector<MemoryGroup> group_by_memory(std::vector<LambdaInvocation> calls);
bool has_several_memory_sizes(const std::vector<LambdaInvocation>& calls);
// Whether two groups' arrival spans overlap (aliases or functions served at once) rather than follow one
// another (a configuration change, a sequential sweep).
bool groups_overlap(const std::vector<MemoryGroup>& groups);

// Least squares of each group's warm median on 1 / vCPU: median_ms ≈ fixed_ms + cpu_ms_vcpu / vcpu. Two
// parameters: with two groups the line passes through both (errors 0 by construction); only with three or
// more do the errors say how well the law holds.
struct MemoryScalingPoint {
  double memory_mb = 0, vcpu = 0;
  double median_ms = 0;  // the group's warm median (its training part)
  double fitted_ms = 0;  // fixed_ms + cpu_ms_vcpu / vcpu
  double error_pct = 0;  // (fitted - median) / median x 100
};
struct MemoryScalingFit {
  bool fitted = false;     // at least two groups with different CPU shares
  double fixed_ms = 0;     // a: the part no CPU share speeds up (waits on I/O, the network)
  double cpu_ms_vcpu = 0;  // b: the CPU work [ms at 1 vCPU]
  std::vector<MemoryScalingPoint> points;
};
// `medians`: (memory_mb, warm median ms) per group.
MemoryScalingFit fit_memory_scaling(const std::vector<std::pair<double, double>>& medians,
                                    double mb_per_vcpu = 1769, double max_vcpu = 6);
// validation.json's "memory_scaling" (null when not fitted).
nlohmann::ordered_json memory_scaling_json(const MemoryScalingFit& fit);

// One scenario for every fitted size: the workload `trace` (every group's arrivals), and per group a
// candidate "fitted-lambda-<MB>", a one-stage topology whose model stage is the group scenario's candidate
// with that scenario's service (a scenario has one service; a topology stage may carry its own,
// docs/topology.md). `group_scenarios` are lambda_scenario()'s, the smallest memory first; the scenario-level
// service is the first one's warm time (required by the format, overridden by every stage) and the smallest
// model_memory_mb.
nlohmann::ordered_json memory_sizes_scenario(const std::vector<nlohmann::ordered_json>& group_scenarios,
                                             const std::string& trace, const std::string& description);

}  // namespace servesim::calibrate
