#include "platforms/topology/traffic_split.hpp"

#include <algorithm>
#include <cmath>

#include "core/input_error.hpp"

namespace servesim::platforms {

std::vector<SplitStep> read_split_weights(core::JsonFields& stage) {
  if (!stage.has("weights"))
    throw stage.error("weights",
                      "missing (a list of {\"at_s\": seconds, \"percent\": [one per next stage]}, the first "
                      "at 0)");
  const auto& list = stage.child("weights");
  const std::string pointer = stage.pointer("weights");
  if (!list.is_array() || list.empty() || list.size() > 100000)
    throw input_error(stage.file(), pointer,
                      "expected a list of 1..100000 {\"at_s\": ..., \"percent\": [...]} steps, got " +
                          core::quote_json(list));
  std::vector<SplitStep> steps;
  for (size_t k = 0; k < list.size(); ++k) {
    core::JsonFields f(list[k], stage.file(), pointer + "/" + std::to_string(k));
    SplitStep step;
    step.at_s = f.required_number("at_s", 0.0, 1e12);
    if (k == 0 && step.at_s != 0)
      throw f.error("at_s",
                    "expected 0 (the first step starts the run), got " + core::quote_number(step.at_s));
    if (k > 0 && step.at_s <= steps.back().at_s)
      throw f.error("at_s", "expected a time after the previous step's " +
                                core::quote_number(steps.back().at_s) + " s, got " +
                                core::quote_number(step.at_s));
    if (!f.has("percent")) throw f.error("percent", "missing (a list of percentages, one per next stage)");
    const auto& percent = f.child("percent");
    if (!percent.is_array() || percent.size() < 2)
      throw f.error("percent", "expected a list of 2 or more percentages, got " + core::quote_json(percent));
    double sum = 0;
    for (size_t i = 0; i < percent.size(); ++i) {
      const auto& p = percent[i];
      if (!p.is_number() || !std::isfinite(p.get<double>()) || p.get<double>() < 0 || p.get<double>() > 100)
        throw input_error(stage.file(), f.pointer("percent") + "/" + std::to_string(i),
                          "expected a percentage in 0..100, got " +
                              (p.is_number() ? core::quote_number(p.get<double>()) : core::quote_json(p)));
      step.percent.push_back(p.get<double>());
      sum += p.get<double>();
    }
    if (std::abs(sum - 100) > 1e-9)
      throw f.error("percent",
                    "expected percentages summing to 100, got a sum of " + core::quote_number(sum));
    f.reject_unknown();
    steps.push_back(std::move(step));
  }
  return steps;
}

void check_split_weights(const std::vector<SplitStep>& steps, size_t next_stages, const std::string& file,
                         const std::string& stage_pointer) {
  for (size_t k = 0; k < steps.size(); ++k)
    if (steps[k].percent.size() != next_stages)
      throw input_error(file, stage_pointer + "/weights/" + std::to_string(k) + "/percent",
                        "expected " + std::to_string(next_stages) +
                            " percentages (one per next stage, in edge order), got " +
                            std::to_string(steps[k].percent.size()));
}

TrafficSplit::TrafficSplit(std::vector<SplitStep> steps)
    : steps_(std::move(steps)), score_(steps_.front().percent.size(), 0.0) {}

size_t TrafficSplit::pick(double t_s) {
  // The step in force at t_s: the last one that began at or before it (requests arrive in time order, but a
  // search keeps this right for any order).
  const auto after = std::upper_bound(steps_.begin(), steps_.end(), t_s,
                                      [](double t, const SplitStep& step) { return t < step.at_s; });
  const size_t step = after == steps_.begin() ? 0 : static_cast<size_t>(after - steps_.begin()) - 1;
  if (step != step_) {
    step_ = step;
    std::fill(score_.begin(), score_.end(), 0.0);
  }
  const std::vector<double>& weight = steps_[step_].percent;
  double total = 0;
  size_t best = 0;
  for (size_t i = 0; i < weight.size(); ++i) {
    score_[i] += weight[i];
    total += weight[i];
    if (score_[i] > score_[best]) best = i;
  }
  score_[best] -= total;
  return best;
}

}  // namespace servesim::platforms
