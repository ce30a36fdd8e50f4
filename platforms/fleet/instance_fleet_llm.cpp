// InstanceFleet with service.llm on a GPU: each instance runs a token-level server (LlmEngine) instead of
// processor sharing. Requests bound to a ready instance join its continuous batch; an iteration's end is the
// instance's next completion (done_); the requests it finishes leave as a processor-shared one would.
#include "platforms/fleet/instance_fleet.hpp"

namespace servesim::platforms {

void InstanceFleet::llm_kick(uint32_t i, double t_s) {
  Instance& inst = inst_[i];
  if (inst.state != State::ready || !inst.engine || inst.engine->running()) return;
  LlmEngine& e = *inst.engine;
  const uint64_t preempted = e.preemptions();
  const double end = e.start(t_s);
  meter_->preempted(t_s, e.preemptions() - preempted);
  if (end != LlmEngine::kNever) {
    inst.iteration_start_s = t_s;
    inst.kv_utilization = e.kv_utilization();
  }
  update_completion(i);
}

void InstanceFleet::llm_complete(double t_s, uint32_t i) {
  Instance& inst = inst_[i];
  meter_->iteration(t_s, inst.kv_utilization, t_s - inst.iteration_start_s, inst.engine->running_seqs());
  llm_done_.clear();
  inst.engine->complete(llm_collect_);
  llm_batching_ = true;
  for (const LlmDone& d : llm_done_) {
    const uint32_t r = d.request.id;
    if (reqs_[r].gen != d.request.gen) continue;  // stopped at its deadline earlier
    const Request& q = reqs_[r];
    bill_execution(t_s, t_s - q.start_s, inst.reserved);
    answering(i, q);
    if (!delivery_ended(q, t_s, DeliveryObserver::End::ok)) meter_->finished(d.request, d.first_token_s, t_s);
    if (served_by_) *served_by_ = sim::ServedBy{};
    free_request(r);
    change_bound(t_s, i, -1);
  }
  pull_queue(t_s, i);
  llm_batching_ = false;
  llm_kick(i, t_s);
  update_completion(i);
}

sim::LlmOutcome InstanceFleet::llm_outcome() const {
  if (!meter_) return {};
  uint64_t preemptions = 0;
  for (const Instance& inst : inst_)
    if (inst.engine) preemptions += inst.engine->preemptions();
  return meter_->outcome(preemptions);
}

}  // namespace servesim::platforms
