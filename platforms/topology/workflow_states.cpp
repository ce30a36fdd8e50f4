// A workflow's states other than tasks (topology_workflow.hpp): Map (fan-out to items at most max_concurrency
// at once, fan-in), Choice (a split), Parallel (branches), Wait, and Catch (where a failed state goes on).
#include <algorithm>
#include <cmath>

#include "platforms/topology/slots.hpp"
#include "platforms/topology/topology_workflow.hpp"

namespace servesim::platforms {

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

}  // namespace servesim::platforms
