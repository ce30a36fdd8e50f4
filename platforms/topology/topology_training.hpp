#pragma once
// The data pipeline of a training topology (a topology candidate with "training": docs/training.md), private
// to topology_model.cpp. Each arrival is a job of `steps` GPU steps; jobs run one at a time on the GPU pool,
// first come first served. The topology's one model stage is the preprocessing: each task produces one
// shard, at most max_concurrency tasks are outstanding, and no task starts while the buffer (shards in
// preparation, ready, and held by the running step) is full at shards_per_step + prefetch_shards. A step
// starts when the step before has ended and shards_per_step shards are ready, holds them until it ends
// (step_s later), and frees their room then; with no prefetch, preprocessing and steps alternate. A failed
// task attempt (crash, timeout, throttle) is retried per the stage's RetryPolicy (a Step Functions Retrier,
// as in a workflow); when its retries run out the job fails at once and the next one starts. The pool is
// held from the first job's start to the last job's end, and billed nodes x price x held time.
#include <cstdint>
#include <deque>
#include <map>
#include <vector>

#include "platforms/topology/topology_task_driver.hpp"
#include "sim/timed_queue.hpp"

namespace servesim::platforms {

class TopologyModel::Training final : public TopologyModel::TaskDriver {
 public:
  Training(TopologyModel& owner, const TopologySpec& spec);

  void start(sim::Recorder& recorder) override;  // registers the pool's cost category
  void arrival(double t_s, double origin_s) override;
  void task_served(size_t k, double t_s, double latency_s) override;
  void task_failed(size_t k, double t_s, Outcome outcome, double origin_s) override;
  double next_event_s() const override;
  void handle_next_event() override;
  bool has_work() const override;
  void finish(double t_end_s) override;  // bills the pool
  sim::TrainingOutcome outcome() const { return out_; }

 private:
  // What the pool is doing: before the first job (not held), a step, waiting for shards, or no job.
  enum class Pool : uint8_t { not_held, busy, waiting_for_data, no_job };
  struct Task {
    uint64_t job = 0;  // the job it prepares a shard for (a task of an ended job is ignored)
    uint32_t retries = 0;
  };

  void pump(double t_s);  // starts the next job, a step, and tasks while they may
  void pump_once(double t_s);
  void send(uint32_t task, double t_s);
  void set_pool(Pool pool, double t_s);
  void step_ended(double t_s);
  void fail_job(double t_s, Outcome outcome);
  void free_task(uint32_t task);

  TopologyModel& owner_;
  const TrainingSpec& spec_;
  const size_t stage_;  // the preprocessing stage's index
  const RetryPolicy& retry_;
  sim::Recorder* rec_ = nullptr;
  int cost_gpu_ = -1;

  std::deque<double> waiting_;  // jobs not started: their origins, first come first served
  bool running_ = false;        // a job holds the pool
  uint64_t job_ = 0;            // the running (or last) job's number, from 1
  double job_origin_s_ = 0;
  uint64_t issued_ = 0;       // shards of the job asked for (tasks created)
  uint64_t ready_ = 0;        // shards prepared and not yet taken by a step
  uint64_t held_ = 0;         // shards held by the running step
  uint32_t outstanding_ = 0;  // the job's tasks not yet ended (sent, or waiting for a retry)
  uint64_t steps_started_ = 0, steps_done_ = 0;
  double step_end_s_ = kNever;

  std::vector<Task> tasks_;
  std::vector<uint32_t> free_tasks_;
  std::multimap<double, uint32_t> sent_;  // attempts in flight by the time sent
  sim::TimedQueue<uint32_t> retries_;     // tasks waiting for their retry

  Pool pool_ = Pool::not_held;
  double pool_since_s_ = 0;
  bool pumping_ = false, pump_again_ = false;  // pump() re-entered by a task refused at once
  // A shard answered at t: the pipeline moves on at t after the stage's own event (its platform has then
  // freed the instance that served it, so the next task may reuse it).
  double pump_at_s_ = kNever;
  sim::TrainingOutcome out_;
};

}  // namespace servesim::platforms
