#pragma once
// What drives a topology whose model stages are tasks (docs/workflows.md, docs/training.md), private to
// topology_model.cpp: a workflow's engine (topology_workflow.hpp) or a training job's data pipeline
// (topology_training.hpp). It gets the run loop's arrivals and every answer of the stages, sends task
// attempts through TopologyModel::send_task, and has timers of its own (retries, GPU steps).
//
//   driver.arrival(t_s, origin_s);                   // one execution or training job per arrival
//   owner.send_task(k, t_s);  ...  driver.task_served(k, t_s, latency_s);
#include <cstdint>
#include <iterator>
#include <map>

#include "platforms/topology/topology_model.hpp"

namespace servesim::platforms {

class TopologyModel::TaskDriver {
 public:
  using Outcome = sim::RecorderListener::Outcome;
  static constexpr uint32_t kNone = UINT32_MAX;
  virtual ~TaskDriver() = default;

  virtual void start(sim::Recorder& recorder) = 0;  // registers the driver's cost categories
  virtual void arrival(double t_s, double origin_s) = 0;
  // Model stage k answered an attempt at t_s, latency_s after it was sent.
  virtual void task_served(size_t k, double t_s, double latency_s) = 0;
  // An attempt at model stage k failed at t_s (origin_s: when it was sent, or kUnknownOrigin).
  virtual void task_failed(size_t k, double t_s, Outcome outcome, double origin_s) = 0;
  virtual double next_event_s() const = 0;
  virtual void handle_next_event() = 0;
  virtual bool has_work() const = 0;
  virtual void finish(double t_end_s) { (void)t_end_s; }

  // Completions come back with no request identity: an answer's origin is t - latency and a failure carries
  // its origin. Takes the attempt of `sent` (attempts of one stage in flight, by the time sent) sent nearest
  // origin_s, or the oldest when the platform did not say (kUnknownOrigin); kNone when none is in flight.
  // Attempts sent to one stage at one instant are alike, so which of them is taken changes no outcome.
  static uint32_t take_sent(std::multimap<double, uint32_t>& sent, double origin_s) {
    if (sent.empty()) return kNone;
    auto it = sent.begin();
    if (origin_s != sim::RecorderListener::kUnknownOrigin) {
      it = sent.lower_bound(origin_s);
      if (it == sent.end() || (it != sent.begin() && origin_s - std::prev(it)->first <= it->first - origin_s))
        it = std::prev(it);
    }
    const uint32_t id = it->second;
    sent.erase(it);
    return id;
  }

  // An execution or job that failed at t_s, counted as its last failure was (`out`: a WorkflowOutcome or a
  // TrainingOutcome, with failed and failed_<outcome>) and reported to the candidate's recorder.
  template <class Counts>
  static void count_failure(Counts& out, sim::Recorder& recorder, Outcome outcome, double t_s) {
    ++out.failed;
    switch (outcome) {
      case Outcome::timed_out:
        ++out.failed_timed_out;
        recorder.timed_out(t_s);
        break;
      case Outcome::throttled:
        ++out.failed_throttled;
        recorder.throttled(t_s);
        break;
      case Outcome::dropped:
        ++out.failed_dropped;
        recorder.dropped(t_s);
        break;
    }
  }
};

}  // namespace servesim::platforms
