// A workflow's tasks and timers (topology_workflow.hpp): attempts sent to their stage's platform, answers
// matched to them, retries and timeouts, a task's end (its item's next task or state, a map's fan-in), and
// the timers of retries, timeouts, waits and an execution's maximum duration.
#include <cstdint>
#include <map>

#include "platforms/topology/slots.hpp"
#include "platforms/topology/topology_workflow.hpp"

namespace servesim::platforms {

uint64_t TopologyModel::Workflow::add_timer(double t_s, Timer::Kind kind, uint32_t id, uint32_t generation) {
  const uint64_t seq = ++timer_seq_;
  timers_.insert(Timer{t_s, seq, kind, id, generation});
  return seq;
}

void TopologyModel::Workflow::drop_timer(double t_s, uint64_t seq) {
  if (seq) timers_.erase(Timer{t_s, seq, Timer::Kind::retry, 0, 0});
}

uint32_t TopologyModel::Workflow::new_task(uint32_t e, uint32_t stage, uint32_t map_run, bool in_branch) {
  const uint32_t id = take_slot(tasks_, free_tasks_);
  Task& task = tasks_[id];
  task.transition_usd = engine_.price_usd_per_transition;  // a parent's state (a child's: start_item)
  task.execution = e;
  task.stage = stage;
  task.map_run = map_run;
  task.in_branch = in_branch;
  task.scope = executions_[e].scope;
  ++executions_[e].outstanding;
  return id;
}

void TopologyModel::Workflow::send(uint32_t id, double t_s) {
  // A task sent because a platform answered (the next item, state or epoch) waits until that platform has
  // finished handling its answer (a timer at the same time): the environment or server that answered is free
  // by then, so the task can reuse it instead of starting another or being throttled at a concurrency cap.
  if (in_platform_callback_) {
    add_timer(t_s, Timer::Kind::retry, id, tasks_[id].generation);
    return;
  }
  Task& task = tasks_[id];
  const StageSpec& s = spec_.stages[task.stage];
  ++task.generation;
  task.sent_s = t_s;
  task.timeout_seq = 0;
  if (s.timeout_s > 0) {
    task.timeout_at_s = t_s + s.timeout_s;
    task.timeout_seq = add_timer(task.timeout_at_s, Timer::Kind::timeout, id, task.generation);
  }
  sim::WorkflowStageOutcome& o = out_.stages[task.stage];
  ++o.attempts;
  if (task.retries > 0) ++o.retries;
  if (cost_transactions_ >= 0) {
    out_.storage_transactions += engine_.transactions_per_activity;
    rec_->add_cost(cost_transactions_, engine_.transactions_per_activity * engine_.price_usd_per_transaction);
  }
  const size_t k = task.stage;
  sent_[k].emplace(t_s, id);
  owner_.send_task(k, t_s);  // may call back at once (a throttle): `task` may be stale after this
}

uint32_t TopologyModel::Workflow::take(size_t k, double origin_s) {
  return take_sent(sent_[k], origin_s);
}

void TopologyModel::Workflow::task_served(size_t k, double t_s, double latency_s) {
  const CallbackScope scope(in_platform_callback_);
  const uint32_t id = take(k, t_s - latency_s);
  if (id == kNone) return;
  Task& task = tasks_[id];
  if (task.abandoned) {  // its timeout already decided: the late answer is ignored
    task.live = false;
    free_tasks_.push_back(id);
    return;
  }
  drop_timer(task.timeout_at_s, task.timeout_seq);
  task_ended(id, t_s, true, Outcome::dropped);
}

void TopologyModel::Workflow::task_failed(size_t k, double t_s, Outcome outcome, double origin_s) {
  const CallbackScope scope(in_platform_callback_);
  const uint32_t id = take(k, origin_s);
  if (id == kNone) return;
  Task& task = tasks_[id];
  if (task.abandoned) {
    task.live = false;
    free_tasks_.push_back(id);
    return;
  }
  drop_timer(task.timeout_at_s, task.timeout_seq);
  attempt_failed(id, t_s, outcome);
}

// A failed attempt (not in flight any more): retried per the stage's policy while the execution runs, else
// the task fails.
void TopologyModel::Workflow::attempt_failed(uint32_t id, double t_s, Outcome outcome) {
  Task& task = tasks_[id];
  const StageSpec& s = spec_.stages[task.stage];
  if (outcome == Outcome::throttled) ++out_.stages[task.stage].throttles;
  if (!executions_[task.execution].done && task.retries < s.retry.max_attempts) {
    ++task.retries;
    transitions(1, task.transition_usd);  // a retry is billed as a transition
    rec_->retry(t_s);
    add_timer(t_s + s.retry.delay_s(task.retries), Timer::Kind::retry, id, task.generation);
    return;
  }
  if (!executions_[task.execution].done) ++out_.stages[task.stage].tasks_failed;
  task_ended(id, t_s, false, outcome);
}

void TopologyModel::Workflow::task_ended(uint32_t id, double t_s, bool ok, Outcome outcome) {
  Task& current = tasks_[id];
  if (ok && current.map_run != kNone && current.tasks_left > 0 && !executions_[current.execution].done &&
      current.scope == executions_[current.execution].scope) {
    // The item's next task (a trial's next epoch, resumed from its checkpoint): a new state, fresh retries.
    --current.tasks_left;
    current.retries = 0;
    ++owner_.counts_of(current.stage).forwarded;
    transitions(1, current.transition_usd);
    return send(id, t_s);
  }
  if (ok && current.map_run != kNone && !spec_.stages[current.stage].next.empty() &&
      !executions_[current.execution].done && current.scope == executions_[current.execution].scope) {
    // The item's next state (a map's body is a chain of tasks, waits and choices): a transition, fresh
    // retries; a choice picks the state after it (one more transition).
    if (!current.is_wait) ++owner_.counts_of(current.stage).forwarded;
    current.retries = 0;
    transitions(1, current.transition_usd);
    current.stage = static_cast<uint32_t>(
        through_choices(spec_.stages[current.stage].next[0], t_s, current.transition_usd));
    return begin(id, t_s);
  }
  const Task task = current;
  tasks_[id].live = false;
  free_tasks_.push_back(id);
  const uint32_t e = task.execution;
  Execution& x = executions_[e];
  --x.outstanding;
  if (task.express_child) {
    // The EXPRESS child execution ends with its item's last task (or is stopped with its parent).
    bill_express(cost_child_duration_, task.item_start_s, t_s, engine_.child_memory_mb,
                 engine_.child_price_usd_per_gb_s);
  }
  if (task.map_run != kNone) {
    // An item ended: it leaves its map's slot; a map already closed, or left, frees it with its last item.
    MapRun& run = runs_[task.map_run];
    --run.in_flight;
    if (run.open && (x.done || task.scope != x.scope)) run.open = false;
    if (!run.open && run.in_flight == 0) close_run(task.map_run);
  }
  if (x.done) return release(e);
  // A task of a map or a parallel the execution left through a catch: its end changes nothing.
  if ((task.map_run != kNone || task.in_branch) && task.scope != x.scope) return;
  sim::StageCounts& counts = owner_.counts_of(task.stage);
  if (!ok) ++counts.failed;
  if (task.in_branch) return branch_state_ended(e, task.stage, t_s, ok, outcome);
  if (task.map_run == kNone) {
    if (!ok) return state_failed(e, task.stage, t_s, outcome);
    const StageSpec& s = spec_.stages[task.stage];
    if (s.next.empty()) {
      ++counts.served_here;
      return complete(e, t_s);
    }
    ++counts.forwarded;
    return enter(e, s.next[0], t_s);
  }
  if (ok && !task.is_wait) ++counts.forwarded;  // back to its map
  const uint32_t r = task.map_run;
  MapRun& run = runs_[r];
  ++run.ended;
  const size_t k = run.stage;
  const StageSpec& map = spec_.stages[k];
  sim::WorkflowStageOutcome& o = out_.stages[k];
  if (!ok) {
    ++run.failed;
    ++o.items_failed;
    // Step Functions: the Map state fails once the failed share exceeds ToleratedFailurePercentage (0 by
    // default: the first failed item fails it).
    if (static_cast<double>(run.failed) * 100 >
        map.tolerated_failure_percentage * static_cast<double>(run.items)) {
      ++o.runs_failed;
      const bool in_branch = run.in_branch;
      // Counted when nothing catches it: a map in a branch has no catch of its own; its parallel's may.
      const bool caught = map.catch_stage != StageSpec::kNoCatch ||
                          (in_branch && spec_.stages[x.parallel_stage].catch_stage != StageSpec::kNoCatch);
      if (!caught) ++out_.failed_by_map;
      close_run(r);
      ++x.scope;  // its items still running are ignored
      if (in_branch) return branch_state_ended(e, k, t_s, false, outcome);
      return state_failed(e, k, t_s, outcome);
    }
  }
  if (run.ended == run.items) return after_map(r, t_s);
  fill_map(r, t_s);
}

void TopologyModel::Workflow::handle_next_event() {
  const Timer timer = *timers_.begin();
  timers_.erase(timers_.begin());
  const double t_s = timer.t_s;
  switch (timer.kind) {
    case Timer::Kind::wait: {
      // The wait is over: the next state, or the end (not if the execution ended meanwhile, at its maximum
      // duration).
      Execution& x = executions_[timer.id];
      if (x.generation != timer.generation || x.done || x.wait_stage == kNone) return;
      x.wait_seq = 0;
      const StageSpec& s = spec_.stages[x.wait_stage];
      x.wait_stage = kNone;
      if (s.next.empty()) return complete(timer.id, t_s);
      enter(timer.id, s.next[0], t_s);
      return;
    }
    case Timer::Kind::deadline: {
      Execution& x = executions_[timer.id];
      x.deadline_seq = 0;
      if (x.generation != timer.generation || x.done) return;
      ++out_.failed_by_duration;
      fail(timer.id, t_s, Outcome::timed_out);
      return;
    }
    case Timer::Kind::retry: {
      Task& task = tasks_[timer.id];
      const Execution& x = executions_[task.execution];
      // Not sent when its execution ended, or left the map or parallel it belongs to through a catch.
      if (x.done || ((task.map_run != kNone || task.in_branch) && task.scope != x.scope))
        return task_ended(timer.id, t_s, false, Outcome::dropped);
      begin(timer.id, t_s);
      return;
    }
    case Timer::Kind::item_wait: {
      // A wait inside a map's item or a branch is over: its item or branch goes on (task_ended ignores it if
      // its execution ended or left that map or parallel meanwhile).
      Task& task = tasks_[timer.id];
      if (!task.live || task.generation != timer.generation) return;
      task.timeout_seq = 0;
      --executions_[task.execution].waits_pending;
      return task_ended(timer.id, t_s, true, Outcome::dropped);
    }
    case Timer::Kind::timeout: {
      // The attempt ran past timeout_s (States.Timeout): the engine stops waiting for it, and its platform's
      // answer, when it comes, goes to an abandoned copy.
      Task& task = tasks_[timer.id];
      task.timeout_seq = 0;
      if (!task.live || task.generation != timer.generation) return;
      auto& sent = sent_[task.stage];
      for (auto [it, end] = sent.equal_range(task.sent_s); it != end; ++it)
        if (it->second == timer.id) {
          const uint32_t zombie = claim_slot(tasks_, free_tasks_);
          Task copy = tasks_[timer.id];
          copy.abandoned = true;
          copy.generation = tasks_[zombie].generation + 1;
          tasks_[zombie] = copy;
          it->second = zombie;
          break;
        }
      ++out_.stages[tasks_[timer.id].stage].timeouts;
      attempt_failed(timer.id, t_s, Outcome::timed_out);
      return;
    }
  }
}

}  // namespace servesim::platforms
