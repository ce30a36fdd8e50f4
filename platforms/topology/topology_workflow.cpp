// A workflow's executions (topology_workflow.hpp): arrival, entering a state, the end (completed or failed),
// and the engine's bill; the tasks and timers are in workflow_tasks.cpp, the states other than tasks in
// workflow_states.cpp.
#include "platforms/topology/topology_workflow.hpp"

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

void TopologyModel::Workflow::transitions(uint64_t n, double usd_each) {
  out_.transitions += n;
  if (usd_each > 0) rec_->add_cost(cost_transitions_, static_cast<double>(n) * usd_each);
}

uint32_t TopologyModel::Workflow::new_execution(double origin_s, double t_s) {
  const uint32_t e = take_slot(executions_, free_executions_);
  Execution& x = executions_[e];
  x.origin_s = origin_s;
  x.start_s = t_s;
  return e;
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

sim::WorkflowOutcome TopologyModel::Workflow::outcome() const {
  return out_;
}

}  // namespace servesim::platforms
