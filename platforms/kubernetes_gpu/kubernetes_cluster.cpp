// KubernetesModel: pods (scheduling, start-up, termination), node provisioning and the autoscalers.
#include <algorithm>
#include <cmath>

#include "platforms/kubernetes_gpu/kubernetes_model.hpp"

namespace servesim::platforms {

uint32_t KubernetesModel::create_pod(double t_s, bool ready_now) {
  uint32_t id;
  if (!free_pods_.empty()) {
    id = free_pods_.back();
    free_pods_.pop_back();
  } else {
    id = static_cast<uint32_t>(pods_.size());
    pods_.emplace_back();
  }
  Pod& pod = pods_[id];
  pod.state = PodState::pending;
  pod.life = ++serial_;
  pod.deadline = 0;
  pod.in_batch = 0;
  pod.probe_restarts = 0;
  pod.created_s = t_s;
  pod.queue.clear();
  if (llm_.timing && !pod.engine) pod.engine = std::make_unique<LlmEngine>(*llm_.timing, p_.llm_limits);
  ++replicas_;
  pod.node = pool_.bind();
  if (pod.node < 0) {
    unplaced_.push_back(id);
    pool_.note_pending(t_s);
  } else if (pool_.node(static_cast<uint32_t>(pod.node)).state == NodePool::State::ready) {
    start_pod(id, t_s);
    if (ready_now) pod_ready(id, t_s);
  } else {
    pod.state = PodState::reserved;
  }
  return id;
}

void KubernetesModel::start_pod(uint32_t id, double t_s) {
  Pod& pod = pods_[id];
  pod.state = PodState::starting;
  pool_.serving(static_cast<uint32_t>(pod.node), +1, t_s);
  ++starting_;
  report_instances(t_s);
  // Container start: runtime init + model load (the image is already on the node).
  const double runtime_init_s = service_.runtime_init_s.sample(*rng_);
  const double load_s = service_.model_load_s.sample(*rng_);
  if (t_s > 0) {  // not the min_replicas ready at the start
    const auto wait = pool_.attribute_wait(static_cast<uint32_t>(pod.node), pod.created_s, t_s);
    parts_.add(wait.allocation_s, runtime_init_s, wait.pull_s, true, load_s,
               wait.first_on_pull ? p_.image_bytes / 1e6 : 0);
  }
  start_container(id, t_s, runtime_init_s + load_s);
}

void KubernetesModel::start_container(uint32_t id, double t_s, double ready_after_s) {
  const Pod& pod = pods_[id];
  if (!p_.startup_probe.enabled) {
    push(Event{t_s + ready_after_s, id, pod.life, Kind::pod_ready});
    return;
  }
  const StartupProbe::Verdict v = p_.startup_probe.judge(ready_after_s);
  if (v.passes) {
    ++probe_passed_;
    probe_wait_s_ += v.at_s - ready_after_s;
    push(Event{t_s + v.at_s, id, pod.life, Kind::pod_ready});
  } else {
    push(Event{t_s + v.at_s, id, pod.life, Kind::probe_kill});
  }
}

void KubernetesModel::probe_kill(uint32_t id, double t_s) {
  // The kubelet kills the container and restarts it (restartPolicy Always) after the CrashLoopBackOff
  // delay: 10 s, doubling with each restart, at most 5 min (Pod Lifecycle). The pod stays starting.
  Pod& pod = pods_[id];
  ++probe_kills_;
  const double backoff_s =
      std::min(p_.restart_backoff_initial_s * std::pow(2.0, pod.probe_restarts), p_.restart_backoff_max_s);
  ++pod.probe_restarts;
  push(Event{t_s + backoff_s, id, pod.life, Kind::probe_restart});
}

std::vector<std::pair<std::string, double>> KubernetesModel::lever_outcome() const {
  if (!p_.startup_probe.enabled) return {};
  return {{"startup_probe_passed", static_cast<double>(probe_passed_)},
          {"startup_probe_wait_s", probe_wait_s_},
          {"startup_probe_kills", static_cast<double>(probe_kills_)}};
}

void KubernetesModel::pod_ready(uint32_t id, double t_s) {
  Pod& pod = pods_[id];
  pod.state = PodState::ready;
  pod.ready_since_s = t_s;
  pod.busy_s = 0;
  pod.routed = 0;
  if (id < approx_trees_.size())
    approx_trees_[id].clear();  // a new endpoint: the gateway knows nothing of it
  ready_.add(id);
  --starting_;
  ++held_;
  report_instances(t_s);
  if (crashes_->enabled()) {  // a ready pod's container dies at the crash rate (memoryless)
    const double crash_s = crashes_->crash_time(t_s, rng_->exponential(1.0));
    if (crash_s < kNever) push(Event{crash_s, id, pod.life, Kind::pod_crash});
  }
  flush_ingress(t_s);
}

void KubernetesModel::remove_pod(uint32_t id, double t_s) {
  Pod& pod = pods_[id];
  --replicas_;
  switch (pod.state) {
    case PodState::pending:
      std::erase(unplaced_, id);
      pod.state = PodState::gone;
      free_pods_.push_back(id);
      return;
    case PodState::reserved:
      pool_.release(static_cast<uint32_t>(pod.node), t_s);
      pod.state = PodState::gone;
      free_pods_.push_back(id);
      return;
    case PodState::starting:
      --starting_;
      ++held_;
      break;
    case PodState::ready:
      ready_.remove(id);  // it drains what it has already accepted
      break;
    default:
      return;
  }
  pod.state = PodState::terminating;
  pool_.serving(static_cast<uint32_t>(pod.node), -1, t_s);
  report_instances(t_s);
  push(Event{t_s + p_.termination_grace_period_s, id, pod.life, Kind::pod_gone});
}

void KubernetesModel::pod_gone(uint32_t id, double t_s) {
  Pod& pod = pods_[id];
  // End of the grace period: whatever it still holds is lost (SIGKILL).
  const bool had_work = has_requests(pod);
  drain_pod(pod, [&](const LlmRequest& r, bool started) {
    --in_system_;
    // An async event that had started is a function error (it may have run), one still waiting a system
    // error: the event queue retries either (docs/events.md). A synchronous caller just loses it.
    if (started && client_->is_async())
      client_->completed(*rec_, t_s, r.arrival_s, r.attempt, sim::Client::Ended::function_error,
                         slo_.timeout_s, sim::RequestTokens{r.input, r.output, r.prefix});
    else
      refuse(t_s, r.arrival_s, r.attempt, r.input, r.output, r.prefix);
  });
  pod.in_batch = 0;
  if (had_work) --working_;
  --held_;
  report_instances(t_s);
  pool_.release(static_cast<uint32_t>(pod.node), t_s);
  pod.state = PodState::gone;
  ++pod.life;  // invalidates its batch events
  free_pods_.push_back(id);
  place_pending(t_s);
}

void KubernetesModel::scale_to(uint32_t desired, double t_s) {
  while (replicas_ < desired) create_pod(t_s, false);
  // The ReplicaSet's deletion order (replica_set.hpp); on a full tie the pod with the lowest id goes.
  auto candidate = [](const Pod& pod) {
    return DeletionCandidate{pod.state, pod.state == PodState::ready ? pod.ready_since_s : pod.created_s};
  };
  while (replicas_ > desired) {
    int64_t victim = -1;
    for (uint32_t i = 0; i < pods_.size(); ++i) {
      if (!is_deletion_candidate(pods_[i].state)) continue;
      if (victim < 0 || deleted_before(candidate(pods_[i]), candidate(pods_[static_cast<uint32_t>(victim)])))
        victim = i;
    }
    remove_pod(static_cast<uint32_t>(victim), t_s);
  }
}

void KubernetesModel::place_pending(double t_s) {
  while (!unplaced_.empty()) {
    const int32_t node = pool_.bind(true);
    if (node < 0) return;
    const uint32_t id = unplaced_.front();
    unplaced_.erase(unplaced_.begin());
    pods_[id].node = node;
    start_pod(id, t_s);
  }
}

void KubernetesModel::request_nodes(uint32_t count, double t_s) {
  for (uint32_t i = 0; i < count; ++i) {
    const uint32_t node = pool_.decide(t_s);
    push(Event{t_s + p_.pool.scale_up_latency_s, node, 0, Kind::node_launch});
  }
  // The pending pods wait for the nodes being provisioned.
  while (!unplaced_.empty()) {
    const int32_t node = pool_.bind(false);
    if (node < 0) return;
    const uint32_t id = unplaced_.front();
    unplaced_.erase(unplaced_.begin());
    pods_[id].node = node;
    pods_[id].state = PodState::reserved;
  }
}

void KubernetesModel::node_ready(uint32_t node, double t_s) {
  pool_.ready(node, t_s);
  for (uint32_t id = 0; id < pods_.size(); ++id)
    if (pods_[id].state == PodState::reserved && pods_[id].node == static_cast<int32_t>(node))
      start_pod(id, t_s);
  place_pending(t_s);
}

void KubernetesModel::lose_pod(uint32_t id, uint32_t node, double t_s, int fault) {
  Pod& pod = pods_[id];
  // Its requests fail: those in the batch on the GPU had started, the others had not.
  const bool had_work = has_requests(pod);
  drain_pod(pod, [&](const LlmRequest& r, bool started) {
    --in_system_;
    client_->lost_in_flight(fault);
    client_->failed(t_s, r.arrival_s, r.attempt, started, fault, sim::kNoKey,
                    llm_.timing ? sim::RequestTokens{r.input, r.output, r.prefix} : sim::RequestTokens{});
  });
  if (had_work) --working_;
  pod.in_batch = 0;
  switch (pod.state) {
    case PodState::ready:
      ready_.remove(id);
      --held_;
      pool_.serving(node, -1, t_s);
      break;
    case PodState::starting:
      --starting_;
      pool_.serving(node, -1, t_s);
      break;
    case PodState::terminating:
      --held_;
      break;
    default:
      break;
  }
  pool_.release(node, t_s);
  pod.state = PodState::gone;
  ++pod.life;  // invalidates its pending events
  free_pods_.push_back(id);
  client_->instance_lost(fault);
}

void KubernetesModel::pod_crash(uint32_t id, double t_s) {
  // The container dies: its requests fail, and the ReplicaSet starts a replacement (a free GPU, usually the
  // one just released: container start and model load again).
  const int fault = crashes_->fault_at(t_s);
  --replicas_;
  lose_pod(id, static_cast<uint32_t>(pods_[id].node), t_s, fault);
  report_instances(t_s);
  create_pod(t_s, false);
}

void KubernetesModel::fail_nodes(double t_s, uint32_t nodes, int fault) {
  for (uint32_t k = 0; k < nodes; ++k) {
    std::vector<uint32_t> live;
    for (uint32_t i = 0; i < pool_.node_ids(); ++i)
      if (pool_.node(i).state == NodePool::State::ready) live.push_back(i);
    if (live.empty()) return;
    const auto pick =
        std::min(live.size() - 1, static_cast<size_t>(rng_->uniform() * static_cast<double>(live.size())));
    const uint32_t node = live[pick];
    uint32_t replaced = 0;
    for (uint32_t id = 0; id < pods_.size(); ++id) {
      const Pod& pod = pods_[id];
      if (pod.node != static_cast<int32_t>(node) || pod.state == PodState::gone ||
          pod.state == PodState::pending)
        continue;
      if (pod.state != PodState::terminating) {
        --replicas_;  // the ReplicaSet sees it gone and replaces it below
        ++replaced;
      }
      lose_pod(id, node, t_s, fault);
    }
    pool_.fail(node, t_s);
    report_instances(t_s);
    for (uint32_t i = 0; i < replaced; ++i) create_pod(t_s, false);
  }
}

void KubernetesModel::ca_scan(double t_s) {
  request_nodes(pool_.scan(t_s, static_cast<uint32_t>(unplaced_.size())), t_s);
}

void KubernetesModel::hpa_sync(double t_s) {
  // The metric of the window since the last sync, per ready pod (for the part of it the pod was ready).
  PodMetrics m;
  for (const uint32_t id : ready_.pods()) {
    const Pod& pod = pods_[id];
    double value;
    if (p_.llm_metric != KubernetesParams::LlmMetric::none && pod.engine) {
      // A gauge read at the sync (the metrics adapter's latest scrape), not a window average.
      const LlmEngine& e = *pod.engine;
      value = p_.llm_metric == KubernetesParams::LlmMetric::in_flight ? static_cast<double>(e.in_flight())
              : p_.llm_metric == KubernetesParams::LlmMetric::queue_length ? static_cast<double>(e.waiting())
                                                                           : e.kv_utilization();
    } else if (!pod_window_metric(
                   PodWindow{.ready_since_s = pod.ready_since_s,
                             .busy_s = pod.busy_s,
                             .on_gpu = pod.in_batch > 0 || (pod.engine && pod.engine->running()),
                             .batch_start_s = pod.batch_start_s,
                             .routed = pod.routed},
                   window_start_s_, t_s, p_.metric_gpu_utilization, value))
      continue;
    m.ready_sum += value;
    ++m.ready;
  }
  for (const uint32_t id : ready_.pods()) {
    pods_[id].busy_s = 0;
    pods_[id].routed = 0;
  }
  window_start_s_ = t_s;
  m.unready = replicas_ - m.ready;
  if (p_.keda && replicas_ == 0) return;  // KEDA owns activation from zero
  const uint32_t min_replicas = p_.keda ? std::max(1u, p_.min_replicas) : p_.min_replicas;
  scale_to(hpa_.sync(t_s, replicas_, m, p_.hpa_target, min_replicas, p_.max_replicas), t_s);
}

void KubernetesModel::keda_poll(double t_s) {
  const bool active = arrivals_since_poll_ > 0 || in_system_ > 0;
  arrivals_since_poll_ = 0;
  if (active) last_active_s_ = t_s;
  if (replicas_ == 0 && active)
    scale_to(1, t_s);
  else if (replicas_ > 0 && p_.min_replicas == 0 && !active && t_s - last_active_s_ >= p_.keda_cooldown_s)
    scale_to(0, t_s);
}

}  // namespace servesim::platforms
