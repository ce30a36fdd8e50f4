#include "platforms/topology/topology_training.hpp"

#include <algorithm>

#include "platforms/topology/slots.hpp"

namespace servesim::platforms {

TopologyModel::Training::Training(TopologyModel& owner, const TopologySpec& spec)
    : owner_(owner), spec_(*spec.training), stage_(0), retry_(spec.stages[0].retry) {
  out_.present = true;
  out_.nodes = spec_.nodes;
  out_.gpus = spec_.nodes * spec_.gpus_per_node;
  out_.node_type = spec_.node_type;
  out_.price_usd_per_node_hour = spec_.price_usd_per_node_hour;
  out_.price_source = spec_.price_source;
}

void TopologyModel::Training::start(sim::Recorder& recorder) {
  rec_ = &recorder;
  cost_gpu_ = rec_->cost_category("training/gpu_nodes_usd");
}

void TopologyModel::Training::arrival(double t_s, double origin_s) {
  ++out_.jobs;
  waiting_.push_back(origin_s);
  pump(t_s);
}

// A task refused at once (a throttle) calls back into pump() from send(); the outer call runs it again.
void TopologyModel::Training::pump(double t_s) {
  if (pumping_) {
    pump_again_ = true;
    return;
  }
  pumping_ = true;
  do {
    pump_again_ = false;
    pump_once(t_s);
  } while (pump_again_);
  pumping_ = false;
}

void TopologyModel::Training::pump_once(double t_s) {
  if (!running_) {
    if (waiting_.empty()) return;
    running_ = true;
    ++job_;
    job_origin_s_ = waiting_.front();
    waiting_.pop_front();
    issued_ = ready_ = held_ = 0;
    outstanding_ = 0;
    steps_started_ = steps_done_ = 0;
    set_pool(Pool::waiting_for_data, t_s);
  }
  // The GPU starts a step once the step before has ended and the step's shards are ready.
  if (step_end_s_ == kNever && steps_started_ < spec_.steps && ready_ >= spec_.shards_per_step) {
    ready_ -= spec_.shards_per_step;
    held_ = spec_.shards_per_step;
    ++steps_started_;
    step_end_s_ = t_s + spec_.step_s;
    set_pool(Pool::busy, t_s);
  }
  // Preprocessing: a task per shard while the job needs shards, a task may be outstanding and the buffer
  // (shards in preparation, ready, and held by the step) has room.
  const uint64_t shards = spec_.steps * spec_.shards_per_step;
  const uint64_t job = job_;
  while (running_ && job_ == job && issued_ < shards && outstanding_ < spec_.max_concurrency &&
         outstanding_ + ready_ + held_ < spec_.buffer_shards()) {
    const uint32_t id = claim_slot(tasks_, free_tasks_);
    tasks_[id] = Task{job_, 0};
    ++issued_;
    ++outstanding_;
    out_.concurrency_peak = std::max(out_.concurrency_peak, outstanding_);
    send(id, t_s);  // may fail at once (a throttle) and end the job
  }
}

void TopologyModel::Training::send(uint32_t task, double t_s) {
  ++out_.task_attempts;
  if (tasks_[task].retries > 0) ++out_.task_retries;
  sent_.emplace(t_s, task);
  owner_.send_task(stage_, t_s);
}

void TopologyModel::Training::free_task(uint32_t task) {
  free_tasks_.push_back(task);
}

void TopologyModel::Training::set_pool(Pool pool, double t_s) {
  const double spent_s = t_s - pool_since_s_;
  switch (pool_) {
    case Pool::not_held:
      break;
    case Pool::busy:
      out_.busy_s += spent_s;
      break;
    case Pool::waiting_for_data:
      out_.waiting_for_data_s += spent_s;
      break;
    case Pool::no_job:
      out_.no_job_s += spent_s;
      break;
  }
  pool_ = pool;
  pool_since_s_ = t_s;
}

void TopologyModel::Training::task_served(size_t k, double t_s, double latency_s) {
  const uint32_t id = take_sent(sent_, t_s - latency_s);
  if (id == kNone) return;
  ++owner_.counts_of(k).served_here;
  const Task task = tasks_[id];
  free_task(id);
  if (!running_ || task.job != job_) return;  // a shard of a job that failed: not needed any more
  --outstanding_;
  ++ready_;
  ++out_.shards;
  pump_at_s_ = t_s;
}

void TopologyModel::Training::task_failed(size_t k, double t_s, Outcome outcome, double origin_s) {
  const uint32_t id = take_sent(sent_, origin_s);
  if (id == kNone) return;
  if (outcome == Outcome::throttled) ++out_.task_throttles;
  Task& task = tasks_[id];
  if (!running_ || task.job != job_) return free_task(id);
  if (task.retries < retry_.max_attempts) {
    ++task.retries;
    rec_->retry(t_s);
    retries_.push(t_s + retry_.delay_s(task.retries), id);
    return;
  }
  free_task(id);
  ++owner_.counts_of(k).failed;
  fail_job(t_s, outcome);
}

// A preprocessing task's retries ran out: the job fails now (a running step is cut short) and the next
// starts.
void TopologyModel::Training::fail_job(double t_s, Outcome outcome) {
  count_failure(out_, *rec_, outcome, t_s);
  step_end_s_ = kNever;
  running_ = false;
  set_pool(Pool::no_job, t_s);
  pump(t_s);
}

void TopologyModel::Training::step_ended(double t_s) {
  step_end_s_ = kNever;
  held_ = 0;
  ++steps_done_;
  ++out_.steps;
  if (steps_done_ == spec_.steps) {
    ++out_.completed;
    rec_->served(t_s, t_s - job_origin_s_);
    running_ = false;
    set_pool(Pool::no_job, t_s);
  } else {
    set_pool(Pool::waiting_for_data, t_s);
  }
  pump(t_s);
}

double TopologyModel::Training::next_event_s() const {
  return std::min({pump_at_s_, step_end_s_, retries_.next_s()});
}

void TopologyModel::Training::handle_next_event() {
  if (pump_at_s_ <= std::min(step_end_s_, retries_.next_s())) {
    const double t_s = pump_at_s_;
    pump_at_s_ = kNever;
    return pump(t_s);
  }
  if (step_end_s_ <= retries_.next_s()) return step_ended(step_end_s_);
  const double t_s = retries_.next_s();
  const uint32_t id = retries_.pop();
  if (!running_ || tasks_[id].job != job_) return free_task(id);
  send(id, t_s);
}

bool TopologyModel::Training::has_work() const {
  return running_ || !waiting_.empty() || !retries_.empty() || pump_at_s_ != kNever;
}

// The pool is held from the first job's start to the last job's end (a job still running at the end of the
// run, which the run loop does not leave, would be counted to t_end_s).
void TopologyModel::Training::finish(double t_end_s) {
  if (running_) {
    set_pool(Pool::no_job, t_end_s);
  }
  if (pool_ == Pool::not_held) return;
  out_.held_s = out_.busy_s + out_.waiting_for_data_s + out_.no_job_s;
  out_.gpu_cost_usd = out_.nodes * out_.price_usd_per_node_hour * out_.held_s / 3600;
  rec_->add_cost(cost_gpu_, out_.gpu_cost_usd);
}

}  // namespace servesim::platforms
