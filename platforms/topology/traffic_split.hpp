#pragma once
// A `split` stage's routing (docs/topology.md, "Traffic splitting (rollouts)"): the percentages of requests
// each next stage gets, changing in steps at given times (a rollout between two revisions), and the smooth
// weighted round-robin that hands out requests in exactly those proportions without drawing random numbers.
//
//   TrafficSplit split({{0, {100, 0}}, {1800, {90, 10}}, {2400, {0, 100}}});
//   size_t next = split.pick(t_s);  // index into the stage's next stages, in edge order
#include <cstddef>
#include <vector>

#include "core/json_fields.hpp"

namespace servesim::platforms {

// From at_s on (until the next step), next stage i gets percent[i] of the requests.
struct SplitStep {
  double at_s = 0;              // [s] simulated time, the workload's start = 0
  std::vector<double> percent;  // [%] one per next stage, in edge order, summing to 100
};

// Reads a split stage's "weights": a list of {"at_s": S, "percent": [P0, P1, ...]}, sorted by at_s, the first
// at 0, each P >= 0 and each list summing to 100 (within 1e-9). The lists' length is checked against the
// stage's edges later (check_split_weights), when the edges are known.
std::vector<SplitStep> read_split_weights(core::JsonFields& stage);
// Throws InputError at "<stage_pointer>/weights/<k>/percent" unless every list has `next_stages` entries.
void check_split_weights(const std::vector<SplitStep>& steps, size_t next_stages, const std::string& file,
                         const std::string& stage_pointer);

// Smooth weighted round-robin (the algorithm of nginx's upstream module): for each request every next stage
// adds its weight to its score, the highest score wins (the first in edge order at a tie) and the total of
// the weights is taken off the winner's score. Over any run of requests each next stage's share is within
// one request of its weight's share, and the picks are spread out (2:1 gives a, b, a, a, b, a, ...). The
// scores restart from 0 when a step begins.
class TrafficSplit {
 public:
  explicit TrafficSplit(std::vector<SplitStep> steps);
  // The next stage (index in edge order) of a request that reaches the stage at t_s.
  size_t pick(double t_s);

 private:
  std::vector<SplitStep> steps_;
  size_t step_ = 0;
  std::vector<double> score_;
};

}  // namespace servesim::platforms
