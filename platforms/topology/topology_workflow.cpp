#include "platforms/topology/topology_workflow.hpp"

#include <algorithm>
#include <cmath>

#include "platforms/topology/slots.hpp"

namespace servesim::platforms {

TopologyModel::Workflow::Workflow(TopologyModel& owner, const TopologySpec& spec)
    : owner_(owner), spec_(spec), engine_(*spec.workflow), sent_(spec.stages.size()) {
  out_.present = true;
  out_.engine = WorkflowSpec::engine_name(engine_.engine);
  for (const auto& s : spec.stages) {
    sim::WorkflowStageOutcome o;
    o.id = s.id;
    o.kind = StageSpec::kind_name(s.kind);
    o.has_catch = s.catch_stage != StageSpec::kNoCatch;
    o.distributed = s.map_mode.distributed;
    out_.stages.push_back(o);
  }
}

void TopologyModel::Workflow::start(sim::Recorder& recorder) {
  rec_ = &recorder;
  switch (engine_.engine) {
    case WorkflowSpec::Engine::step_functions_standard:
      cost_transitions_ = rec_->cost_category("workflow/transitions_usd");
      break;
    case WorkflowSpec::Engine::step_functions_express:
      cost_requests_ = rec_->cost_category("workflow/requests_usd");
      cost_duration_ = rec_->cost_category("workflow/duration_usd");
      break;
    case WorkflowSpec::Engine::durable_functions:
      cost_transactions_ = rec_->cost_category("workflow/storage_transactions_usd");
      break;
  }
  // Distributed Maps' children: STANDARD ones pay transitions (also under an Express parent), EXPRESS ones
  // requests and duration.
  for (const auto& s : spec_.stages) {
    if (s.kind != StageSpec::Kind::map || !s.map_mode.distributed) continue;
    if (!s.map_mode.express_children && cost_transitions_ < 0)
      cost_transitions_ = rec_->cost_category("workflow/transitions_usd");
    if (s.map_mode.express_children && cost_child_requests_ < 0) {
      cost_child_requests_ = rec_->cost_category("workflow/child_requests_usd");
      cost_child_duration_ = rec_->cost_category("workflow/child_duration_usd");
    }
  }
}

uint64_t TopologyModel::Workflow::add_timer(double t_s, Timer::Kind kind, uint32_t id, uint32_t generation) {
  const uint64_t seq = ++timer_seq_;
  timers_.insert(Timer{t_s, seq, kind, id, generation});
  return seq;
}

void TopologyModel::Workflow::drop_timer(double t_s, uint64_t seq) {
  if (seq) timers_.erase(Timer{t_s, seq, Timer::Kind::retry, 0, 0});
}

void TopologyModel::Workflow::transitions(uint64_t n, double usd_each) {
  out_.transitions += n;
  if (usd_each > 0) rec_->add_cost(cost_transitions_, static_cast<double>(n) * usd_each);
}

namespace {

// A free slot of `slots` (or a new one), reset to T{} and live, its generation advanced so that handles to
// the previous occupant go stale.
template <class T>
uint32_t take_slot(std::vector<T>& slots, std::vector<uint32_t>& free) {
  const uint32_t id = claim_slot(slots, free);
  const uint32_t generation = slots[id].generation + 1;
  slots[id] = T{};
  slots[id].generation = generation;
  slots[id].live = true;
  return id;
}

}  // namespace

uint32_t TopologyModel::Workflow::new_execution(double origin_s, double t_s) {
  const uint32_t e = take_slot(executions_, free_executions_);
  Execution& x = executions_[e];
  x.origin_s = origin_s;
  x.start_s = t_s;
  return e;
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

void TopologyModel::Workflow::arrival(double t_s, double origin_s) {
  ++out_.executions;
  const uint32_t e = new_execution(origin_s, t_s);
  if (cost_requests_ >= 0) rec_->add_cost(cost_requests_, engine_.price_usd_per_request);
  if (cost_transactions_ >= 0) {
    out_.storage_transactions += engine_.transactions_per_execution;
    rec_->add_cost(cost_transactions_,
                   engine_.transactions_per_execution * engine_.price_usd_per_transaction);
  }
  // Only a limit a run can reach gets a timer (Express: 5 minutes; a year is as good as none).
  if (engine_.max_duration_s < 1e7)
    executions_[e].deadline_seq =
        add_timer(t_s + engine_.max_duration_s, Timer::Kind::deadline, e, executions_[e].generation);
  enter(e, spec_.entry, t_s);
}

void TopologyModel::Workflow::enter(uint32_t e, size_t k, double t_s) {
  transitions(1, engine_.price_usd_per_transition);  // the state is entered
  const StageSpec& s = spec_.stages[k];
  switch (s.kind) {
    case StageSpec::Kind::split: {
      // A Choice state: the next state by the split's shares in force now (no data to evaluate rules on).
      ++out_.stages[k].runs;
      return enter(e, s.next[owner_.choose(k, t_s)], t_s);
    }
    case StageSpec::Kind::parallel:
      return enter_parallel(e, k, t_s);
    case StageSpec::Kind::wait:
      return enter_wait(e, k, t_s);
    case StageSpec::Kind::map:
      return enter_map(e, k, t_s, false);
    default:
      send(new_task(e, static_cast<uint32_t>(k), kNone), t_s);
      return;
  }
}

void TopologyModel::Workflow::enter_map(uint32_t e, size_t k, double t_s, bool in_branch) {
  ++out_.stages[k].runs;
  const uint32_t r = take_slot(runs_, free_runs_);
  MapRun& run = runs_[r];
  const Execution& x = executions_[e];
  run.execution = e;
  run.execution_generation = x.generation;
  run.stage = static_cast<uint32_t>(k);
  run.open = true;
  run.in_branch = in_branch;
  run.scope = x.scope;
  run.items = spec_.stages[k].items.sample(owner_.rng_);
  run.entered_s = t_s;
  if (run.items == 0) return after_map(r, t_s);
  fill_map(r, t_s);
}

void TopologyModel::Workflow::close_run(uint32_t r) {
  MapRun& run = runs_[r];
  run.open = false;
  if (run.in_flight > 0 || !run.live) return;
  run.live = false;
  free_runs_.push_back(r);
}

size_t TopologyModel::Workflow::through_choices(size_t k, double t_s, double usd_each) {
  while (spec_.stages[k].kind == StageSpec::Kind::split) {
    ++out_.stages[k].runs;
    k = spec_.stages[k].next[owner_.choose(k, t_s)];
    transitions(1, usd_each);  // the chosen state is entered
  }
  return k;
}

// Starts items while the map has slots (limit: max_concurrency, else the engine's for the map's mode: Inline
// 40, Distributed 10,000 on Step Functions; 0 = none) and the execution is still running (an item that fails
// at once may fail it).
void TopologyModel::Workflow::fill_map(uint32_t r, double t_s) {
  const uint32_t generation = runs_[r].generation;
  while (true) {
    const MapRun& run = runs_[r];
    if (!run.live || run.generation != generation || !run.open || run.started >= run.items) return;
    const Execution& x = executions_[run.execution];
    if (x.generation != run.execution_generation || x.scope != run.scope || x.done) return;
    const StageSpec& s = spec_.stages[run.stage];
    const uint32_t engine_limit =
        s.map_mode.distributed ? engine_.distributed_map_concurrency : engine_.inline_map_concurrency;
    const uint32_t limit = s.max_concurrency > 0 ? s.max_concurrency : engine_limit;
    if (limit > 0 && run.in_flight >= limit) return;
    start_item(r, t_s);
  }
}

void TopologyModel::Workflow::start_item(uint32_t r, double t_s) {
  MapRun& run = runs_[r];
  const uint32_t e = run.execution;
  const size_t k = run.stage;
  ++run.started;
  ++run.in_flight;
  sim::WorkflowStageOutcome& o = out_.stages[k];
  ++o.items;
  const double wait_s = t_s - run.entered_s;
  o.wait_s_sum += wait_s;
  o.wait_s_max = std::max(o.wait_s_max, wait_s);
  if (wait_s > 0) ++o.items_waited;
  o.concurrency_peak = std::max(o.concurrency_peak, run.in_flight);
  // Inline: the iteration's first state; Distributed: a child execution of the body, whose states are billed
  // as its type bills them (STANDARD: per transition; EXPRESS: a request and its duration).
  const MapMode& mode = spec_.stages[k].map_mode;
  const bool express_child = mode.distributed && mode.express_children;
  const double transition_usd = express_child      ? 0.0
                                : mode.distributed ? engine_.child_price_usd_per_transition
                                                   : engine_.price_usd_per_transition;
  if (mode.distributed) ++out_.child_executions;
  if (express_child) rec_->add_cost(cost_child_requests_, engine_.child_price_usd_per_request);
  transitions(1, transition_usd);  // the item's first state is entered
  const size_t first = through_choices(spec_.stages[k].body, t_s, transition_usd);
  const uint32_t id = new_task(e, static_cast<uint32_t>(first), r);
  tasks_[id].express_child = express_child;
  tasks_[id].transition_usd = transition_usd;
  tasks_[id].tasks_left = mode.tasks_per_item - 1;
  tasks_[id].item_start_s = t_s;
  begin(id, t_s);
}

// A Parallel state: every branch's first task starts now (each branch's state entered: a transition); the
// execution goes on once all branches have ended (branch_state_ended).
void TopologyModel::Workflow::enter_parallel(uint32_t e, size_t k, double t_s) {
  const StageSpec& s = spec_.stages[k];
  Execution& x = executions_[e];
  ++out_.stages[k].runs;
  x.parallel_stage = static_cast<uint32_t>(k);
  x.branches_left = static_cast<uint32_t>(s.branches.size());
  const uint32_t generation = x.generation, scope = x.scope;
  for (const size_t head : s.branches) {
    const Execution& now = executions_[e];  // a branch that fails at once may end the parallel
    if (now.generation != generation || now.scope != scope || now.done || now.parallel_stage != k) return;
    ++out_.stages[k].branches;
    enter_branch(e, head, t_s);
  }
}

// Step Functions bills a Wait state as the one transition of entering it (no compute while it waits);
// Express bills the execution's duration, the wait included (bill_end). Durable Functions' timer is a queue
// message visible at the due time: its storage transactions, one timer per timer_max_interval_s begun.
double TopologyModel::Workflow::wait_for(size_t k, double t_s) {
  const StageSpec& s = spec_.stages[k];
  const double wait_s = s.wait_delay             ? s.wait_delay->sample(owner_.rng_)
                        : s.wait_until_timestamp ? std::max(0.0, s.wait_until_s - t_s)
                                                 : s.wait_seconds_s;
  sim::WorkflowStageOutcome& o = out_.stages[k];
  ++o.runs;
  o.wait_s_sum += wait_s;
  o.wait_s_max = std::max(o.wait_s_max, wait_s);
  if (cost_transactions_ >= 0) {
    const double timers = engine_.timer_max_interval_s > 0
                              ? std::max(1.0, std::ceil(wait_s / engine_.timer_max_interval_s))
                              : 1.0;
    o.timers += static_cast<uint64_t>(timers);
    out_.storage_transactions += timers * engine_.transactions_per_timer;
    rec_->add_cost(cost_transactions_,
                   timers * engine_.transactions_per_timer * engine_.price_usd_per_transaction);
  }
  return wait_s;
}

void TopologyModel::Workflow::enter_wait(uint32_t e, size_t k, double t_s) {
  const double wait_s = wait_for(k, t_s);
  Execution& x = executions_[e];
  x.wait_stage = static_cast<uint32_t>(k);
  x.wait_until_s = t_s + wait_s;
  x.wait_seq = add_timer(x.wait_until_s, Timer::Kind::wait, e, x.generation);
}

// A state of a parallel's branch is entered as at the top level: a Choice picks the branch's next state, a
// Map fans out (its fan-in goes on along the branch), a task or a wait runs as a branch task.
void TopologyModel::Workflow::enter_branch(uint32_t e, size_t k, double t_s) {
  transitions(1, engine_.price_usd_per_transition);
  const StageSpec& s = spec_.stages[k];
  if (s.kind == StageSpec::Kind::split) {
    ++out_.stages[k].runs;
    return enter_branch(e, s.next[owner_.choose(k, t_s)], t_s);
  }
  if (s.kind == StageSpec::Kind::map) return enter_map(e, k, t_s, true);
  begin(new_task(e, static_cast<uint32_t>(k), kNone, true), t_s);
}

// A wait inside a map's item or a branch is billed as a top-level one (its transition by whoever entered it;
// Durable Functions' timers here) and ends as a task does, when its timer fires (Timer::Kind::item_wait).
void TopologyModel::Workflow::begin(uint32_t id, double t_s) {
  Task& task = tasks_[id];
  task.is_wait = spec_.stages[task.stage].kind == StageSpec::Kind::wait;
  if (!task.is_wait) return send(id, t_s);
  ++task.generation;
  const double wait_s = wait_for(task.stage, t_s);
  ++executions_[task.execution].waits_pending;
  task.timeout_at_s = t_s + wait_s;
  task.timeout_seq = add_timer(task.timeout_at_s, Timer::Kind::item_wait, id, task.generation);
}

void TopologyModel::Workflow::branch_state_ended(uint32_t e, size_t k, double t_s, bool ok, Outcome outcome) {
  Execution& x = executions_[e];
  const size_t p = x.parallel_stage;
  if (!ok) {  // Step Functions: a branch that fails fails the Parallel state; the others run on, ignored
    ++out_.stages[p].runs_failed;
    x.parallel_stage = kNone;
    ++x.scope;
    return state_failed(e, p, t_s, outcome);
  }
  const StageSpec& s = spec_.stages[k];
  if (s.kind == StageSpec::Kind::model) ++owner_.counts_of(k).forwarded;
  if (!s.next.empty()) return enter_branch(e, s.next[0], t_s);
  if (--x.branches_left > 0) return;
  x.parallel_stage = kNone;
  const StageSpec& parallel = spec_.stages[p];
  if (parallel.next.empty()) return complete(e, t_s);
  enter(e, parallel.next[0], t_s);
}

void TopologyModel::Workflow::state_failed(uint32_t e, size_t k, double t_s, Outcome outcome) {
  const StageSpec& s = spec_.stages[k];
  if (s.catch_stage == StageSpec::kNoCatch) return fail(e, t_s, outcome);
  ++out_.stages[k].caught;  // a Catcher on States.ALL: the execution goes on at the catch's state
  enter(e, s.catch_stage, t_s);
}

void TopologyModel::Workflow::after_map(uint32_t r, double t_s) {
  const uint32_t e = runs_[r].execution;
  const size_t k = runs_[r].stage;
  const bool in_branch = runs_[r].in_branch;
  close_run(r);
  if (in_branch) return branch_state_ended(e, k, t_s, true, Outcome::dropped);
  const StageSpec& s = spec_.stages[k];
  if (s.next.empty()) return complete(e, t_s);
  enter(e, s.next[0], t_s);
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

void TopologyModel::Workflow::complete(uint32_t e, double t_s) {
  Execution& x = executions_[e];
  x.done = true;
  ++out_.completed;
  rec_->served(t_s, t_s - x.origin_s);
  bill_end(e, t_s);
  release(e);
}

void TopologyModel::Workflow::fail(uint32_t e, double t_s, Outcome outcome) {
  Execution& x = executions_[e];
  x.done = true;
  count_failure(out_, *rec_, outcome, t_s);
  bill_end(e, t_s);
  release(e);
}

// Express: the duration from start to end, rounded up to 100 ms, at the memory rounded up to 64 MB chunks.
void TopologyModel::Workflow::bill_end(uint32_t e, double t_s) {
  Execution& x = executions_[e];
  drop_timer(x.start_s + engine_.max_duration_s, x.deadline_seq);
  x.deadline_seq = 0;
  drop_timer(x.wait_until_s, x.wait_seq);  // an execution that failed while it waited (its maximum duration)
  x.wait_seq = 0;
  if (cost_duration_ >= 0)
    bill_express(cost_duration_, x.start_s, t_s, engine_.memory_mb, engine_.price_usd_per_gb_s);
  // Its waits inside items or branches end with it (their timers would only lengthen the run).
  for (uint32_t id = 0; executions_[e].waits_pending > 0 && id < tasks_.size(); ++id) {
    Task& task = tasks_[id];
    if (!task.live || !task.is_wait || task.execution != e || task.timeout_seq == 0) continue;
    drop_timer(task.timeout_at_s, task.timeout_seq);
    task.timeout_seq = 0;
    --executions_[e].waits_pending;
    task_ended(id, t_s, false, Outcome::dropped);
  }
}

void TopologyModel::Workflow::bill_express(int category, double start_s, double t_s, double memory_mb,
                                           double price_usd_per_gb_s) {
  const double g = engine_.billing_granularity_s;
  const double billed_s = std::ceil((t_s - start_s) / g - 1e-9) * g;
  const double memory_gb =
      std::ceil(memory_mb / engine_.memory_chunk_mb - 1e-9) * engine_.memory_chunk_mb / 1024;
  out_.billed_gb_s += billed_s * memory_gb;
  rec_->add_cost(category, billed_s * memory_gb * price_usd_per_gb_s);
}

void TopologyModel::Workflow::release(uint32_t e) {
  Execution& x = executions_[e];
  if (!x.done || x.outstanding > 0 || !x.live) return;
  x.live = false;
  free_executions_.push_back(e);
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

sim::WorkflowOutcome TopologyModel::Workflow::outcome() const {
  return out_;
}

}  // namespace servesim::platforms
