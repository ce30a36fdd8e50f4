// KubernetesModel: engine interface, routing and dynamic batching. Pods, nodes and autoscalers are in
// kubernetes_cluster.cpp.
#include "platforms/kubernetes_gpu/kubernetes_model.hpp"

#include <algorithm>

#include "core/input_error.hpp"
#include "core/json_fields.hpp"
#include "platforms/fleet/gpu_catalog.hpp"

namespace servesim::platforms {

namespace {
BatchLatency make_latency(const KubernetesParams& p, const sim::ServiceSpec& service) {
  if (!p.measured_batch_latency_s.empty())
    return BatchLatency::measured(p.measured_batch_latency_s, p.max_batch_size);
  RooflineInputs in = p.roofline;
  if (in.weight_bytes < 0) in.weight_bytes = service.model_size_mb * 1e6;
  return BatchLatency::roofline(in, p.max_batch_size);
}
}  // namespace

KubernetesModel::KubernetesModel(const KubernetesParams& params, const sim::Scenario& scenario)
    : p_(params),
      service_(scenario.service),
      slo_(scenario.slo),
      batcher_{.max_batch_size = params.max_batch_size * params.gpus_per_pod,
               .max_queue_delay_s = params.max_queue_delay_s},
      latency_(make_latency(params, scenario.service)),
      hpa_(params.hpa),
      pool_(params.pool) {
  // Nodes keep the image (and the model in it) on local disk once pulled; a separate layered model cache
  // is not modelled here, so a scenario that gives one must not look as if it applied.
  if (scenario.service.cache_workers > 0)
    throw input_error(
        scenario.file, "/service/cold_start/cache",
        "expected no layered model cache for a kubernetes-gpu candidate (its nodes keep the pulled "
        "image on local disk; the cache is modelled for aws-lambda, gcp-cloud-run and "
        "azure-functions), got one");
  // The model lives in the image the nodes pull (service.cold_start.source image; package_mb given: the image
  // is package + model instead of image_size_gb). A per-pod download from object storage or a volume is not
  // modelled yet, so such a scenario is refused rather than run as if the model were in the image.
  using Source = sim::ServiceSpec::ModelSource;
  const Source source = scenario.service.model_source;
  if (source != Source::unset && source != Source::image)
    throw input_error(scenario.file, "/service/cold_start/source",
                      std::string("expected image for a kubernetes-gpu candidate (its nodes pull the serving "
                                  "image with the model inside; a per-pod model download from object storage "
                                  "or a volume is not modelled yet), got \"") +
                          sim::model_source_name(source) + "\"");
  if (source == Source::image && scenario.service.package_mb > 0)
    p_.image_bytes = (scenario.service.package_mb + scenario.service.model_size_mb) * 1e6;
  if (scenario.service.llm.given) {
    llm_shape_ = scenario.service.llm;
    const sim::LlmShape& s = llm_shape_;
    llm_ = make_llm_serving(s, *gpu_catalog().find(p_.gpu), p_.llm_replica, scenario.file);
    check_whole_prefill_fits(p_.llm_limits, s, scenario.file);
    // One pod is one replica on llm_tensor_parallel GPUs.
    p_.gpus_per_pod = p_.llm_replica.tensor_parallel;
    p_.pool.pods_per_node = p_.node_gpus / p_.gpus_per_pod;
    p_.latency_source = llm_.latency_source;
    meter_ = std::make_unique<LlmMeter>(scenario.slo, llm_, p_.gpus_per_pod);
    meter_->set_prefix_caching(p_.llm_limits.prefix_caching);
  } else if (p_.llm_metric != KubernetesParams::LlmMetric::none) {
    throw input_error(
        scenario.file, "/service/llm",
        "missing: hpa_metric in_flight, queue_length and kv_cache_utilization read a language-model server's "
        "gauges, which needs service.llm");
  }
}

void KubernetesModel::build(sim::PlatformBuilder& builder) {
  if (p_.image_bytes <= 0) return;
  auto* registry = builder.host("image-registry", 1e9);
  auto* cluster = builder.host("gpu-nodes", 1e9);
  registry_route_ = builder.route(registry, cluster, p_.registry_shared_bytes_per_s,
                                  p_.registry_per_connection_bytes_per_s, "registry-link");
}

void KubernetesModel::start(sim::ModelContext& ctx) {
  rec_ = &ctx.recorder;
  transfers_ = &ctx.transfers;
  rng_ = &ctx.rng;
  client_ = &ctx.client;
  crashes_ = &ctx.crashes;
  tokens_ = ctx.request_tokens;
  if (meter_) meter_->attach(*rec_, ctx.client);
  wait_limit_s_ = client_->wait_limit_s(slo_.timeout_s);
  const uint32_t gpus = p_.pool.pods_per_node;
  pool_.start(*rec_, (p_.min_replicas + gpus - 1) / gpus);
  for (uint32_t i = 0; i < p_.min_replicas; ++i) create_pod(0, true);
  next_hpa_s_ = p_.hpa_sync_period_s;
  next_ca_s_ = p_.pool.scan_interval_s;
  if (p_.keda) next_keda_s_ = p_.keda_polling_interval_s;
  report_instances(0);
}

void KubernetesModel::push(const Event& e) {
  events_.push_back(e);
  std::push_heap(events_.begin(), events_.end(), Later{});
}

void KubernetesModel::report_instances(double t_s) {
  const uint32_t busy = starting_ + working_;
  const uint32_t idle = held_ - working_;
  if (busy == reported_busy_ && idle == reported_idle_) return;
  reported_busy_ = busy;
  reported_idle_ = idle;
  rec_->instances(t_s, busy, idle);
}

void KubernetesModel::work_changed(uint32_t pod, bool had_work, double t_s) {
  const bool has = has_requests(pods_[pod]);
  if (has == had_work) return;
  has ? ++working_ : --working_;
  report_instances(t_s);
}

void KubernetesModel::refuse(double t_s, double origin_s, uint32_t attempt, uint32_t input_tokens,
                             uint32_t output_tokens, std::shared_ptr<const sim::RequestPrefix> prefix) {
  // HTTP 503 from the ingress (or a connection reset). A synchronous caller sees an error: dropped. An async
  // event's queue retries a system error with backoff until the event's maximum age (docs/events.md).
  if (!client_->is_async()) {
    rec_->dropped(t_s);
    return;
  }
  double unused_retry_at_s = 0;
  client_->throttled(t_s, origin_s, attempt, unused_retry_at_s,
                     sim::RequestTokens{input_tokens, output_tokens, std::move(prefix)});
}

void KubernetesModel::on_arrival(double t_s, double origin_s, uint32_t attempt) {
  ++arrivals_since_poll_;
  WaitingRequest r{origin_s, t_s, attempt};
  if (llm_.timing && !llm_request_tokens(llm_shape_, tokens_, r.input_tokens, r.output_tokens)) {
    rec_->dropped(t_s);  // longer than the model's context: refused
    return;
  }
  if (p_.llm_limits.prefix_caching && tokens_) r.prefix = tokens_->prefix;
  if (ready_.empty()) {
    if (ingress_.size() >= p_.queue_capacity) {
      refuse(t_s, r.arrival_s, r.attempt, r.input_tokens, r.output_tokens, r.prefix);
      return;
    }
    ingress_.push_back(r);
    ++in_system_;
    rec_->queued(t_s);
    return;
  }
  ++in_system_;
  route(t_s, r, false);
}

void KubernetesModel::route(double t_s, const WaitingRequest& r, bool counted_queued) {
  if (llm_.timing) return llm_route(llm_pick(r, t_s), t_s, r, counted_queued);
  const uint32_t id = ready_.next();
  Pod& pod = pods_[id];
  ++pod.routed;
  const bool had_work = !pod.queue.empty();
  if (pod.in_batch > 0 && !counted_queued) rec_->queued(t_s);  // waits for the GPU
  pod.queue.push_back(WaitingRequest{r.arrival_s, t_s, r.attempt});
  work_changed(id, had_work, t_s);
  if (pod.in_batch == 0) try_dispatch(id, t_s);
}

void KubernetesModel::try_dispatch(uint32_t id, double t_s) {
  Pod& pod = pods_[id];
  if (pod.in_batch > 0 || pod.queue.empty()) return;
  const bool had_work = true;
  while (!pod.queue.empty() && t_s - pod.queue.front().arrival_s > wait_limit_s_) {
    pod.queue.pop_front();  // the client has given up
    rec_->timed_out(t_s);
    --in_system_;
  }
  if (pod.queue.empty()) {
    work_changed(id, had_work, t_s);
    return;
  }
  // A pod with several GPUs splits each batch over them (data-parallel replicas that start and finish
  // together): the batcher lets up to gpus_per_pod x max_batch_size requests leave at once (constructor),
  // each GPU running ceil(n / gpus_per_pod).
  const uint32_t batch = batcher_.batch_now(pod.queue.size(), pod.queue.front().enqueue_s, t_s);
  if (batch > 0) {
    pod.in_batch = batch;
    pod.batch_start_s = t_s;
    pod.deadline = 0;
    const uint32_t per_gpu = (pod.in_batch + p_.gpus_per_pod - 1) / p_.gpus_per_pod;
    push(Event{t_s + latency_.seconds(per_gpu), id, pod.life, Kind::batch_done});
    return;
  }
  if (pod.deadline != 0) return;  // armed for the same oldest request
  pod.deadline = ++serial_;
  push(Event{batcher_.due_s(pod.queue.front().enqueue_s), id, pod.deadline, Kind::batch_deadline});
}

void KubernetesModel::batch_done(uint32_t id, double t_s) {
  Pod& pod = pods_[id];
  pod.busy_s += t_s - std::max(pod.batch_start_s, window_start_s_);
  for (uint32_t i = 0; i < pod.in_batch; ++i) {
    const WaitingRequest r = pod.queue.front();
    pod.queue.pop_front();
    client_->completed(*rec_, t_s, r.arrival_s, r.attempt, sim::Client::Ended::finished, slo_.timeout_s);
  }
  in_system_ -= pod.in_batch;
  pod.in_batch = 0;
  work_changed(id, true, t_s);
  try_dispatch(id, t_s);
}

uint32_t KubernetesModel::llm_pick(const WaitingRequest& r, double t_s) {
  const uint64_t turn = ready_.take_turn();
  const std::vector<uint32_t>& pods = ready_.pods();
  if (p_.llm_routing == LlmRouting::round_robin) return pods[turn % pods.size()];
  const bool approx = p_.llm_routing == LlmRouting::prefix_aware_approx;
  const bool by_prefix = (p_.llm_routing == LlmRouting::prefix_aware || approx) && r.prefix;
  if (approx) {
    if (approx_trees_.size() < pods_.size()) approx_trees_.resize(pods_.size());
    // The gateway's periodic trim, due at every multiple of the interval: a trim with no routing since the
    // last one finds nothing new, so one trim now stands for all that fell due.
    if (t_s >= next_tree_eviction_s_) {
      for (ApproxPrefixTree& tree : approx_trees_) tree.evict_to(p_.llm_tree_max_blocks);
      next_tree_eviction_s_ =
          (std::floor(t_s / p_.llm_tree_eviction_interval_s) + 1) * p_.llm_tree_eviction_interval_s;
    }
  }
  replica_view_.resize(pods.size());
  for (size_t k = 0; k < pods.size(); ++k) {
    const LlmEngine& e = *pods_[pods[k]].engine;
    ReplicaView& v = replica_view_[k];
    v = {e.in_flight(), 0, 0, 0};
    if (!by_prefix) continue;
    if (!approx) {
      v.overlap = e.cached_prefix_blocks(*r.prefix);
      continue;
    }
    const ApproxPrefixTree& tree = approx_trees_[pods[k]];
    v.overlap = tree.match(*r.prefix);
    v.match_share =
        r.input_tokens > 0
            ? std::min(1.0, static_cast<double>(v.overlap) * r.prefix->block_tokens / r.input_tokens)
            : 0.0;
    v.tree_blocks = tree.blocks();
  }
  const uint32_t pod = pods[pick_llm_replica(p_.llm_routing, replica_view_, turn, p_.llm_balance)];
  if (approx && r.prefix) approx_trees_[pod].insert(*r.prefix, t_s);  // the gateway records where it sent it
  return pod;
}

void KubernetesModel::llm_route(uint32_t id, double t_s, const WaitingRequest& r, bool counted_queued) {
  Pod& pod = pods_[id];
  ++pod.routed;
  const bool had_work = has_requests(pod);
  if (pod.engine->waiting() > 0 && !counted_queued) rec_->queued(t_s);  // the batch is full
  pod.engine->add(LlmRequest{.arrival_s = r.arrival_s,
                             .attempt = r.attempt,
                             .input = r.input_tokens,
                             .output = r.output_tokens,
                             .prefix = r.prefix});
  work_changed(id, had_work, t_s);
  llm_kick(id, t_s);
}

void KubernetesModel::llm_kick(uint32_t id, double t_s) {
  Pod& pod = pods_[id];
  LlmEngine& e = *pod.engine;
  if (e.running()) return;
  const bool had_work = has_requests(pod);
  e.expire_waiting(t_s - wait_limit_s_, [&](const LlmRequest&) {  // their clients gave up
    rec_->timed_out(t_s);
    --in_system_;
  });
  const uint64_t preempted = e.preemptions();
  const double end = e.start(t_s);
  meter_->preempted(t_s, e.preemptions() - preempted);
  if (end != kNever) {
    pod.batch_start_s = t_s;
    pod.kv_utilization = e.kv_utilization();
    push(Event{end, id, pod.life, Kind::llm_step});
  }
  work_changed(id, had_work, t_s);
}

void KubernetesModel::llm_step(uint32_t id, double t_s) {
  Pod& pod = pods_[id];
  pod.busy_s += t_s - std::max(pod.batch_start_s, window_start_s_);
  const double d = t_s - pod.batch_start_s;
  meter_->iteration(t_s, pod.kv_utilization, d, pod.engine->running_seqs());
  pod.engine->complete(llm_sink_);
  work_changed(id, true, t_s);
  llm_kick(id, t_s);
}

void KubernetesModel::LlmSink::finished(const LlmRequest& r, double first_token_s, double t_s) {
  --m_.in_system_;
  m_.meter_->finished(r, first_token_s, t_s);
}

sim::LlmOutcome KubernetesModel::llm_outcome() const {
  if (!llm_.timing) return {};
  uint64_t preemptions = 0;
  for (const Pod& pod : pods_)
    if (pod.engine) preemptions += pod.engine->preemptions();
  return meter_->outcome(preemptions);
}

void KubernetesModel::flush_ingress(double t_s) {
  // Requests that waited at the ingress for a starting pod: cold starts.
  while (!ingress_.empty() && !ready_.empty()) {
    const WaitingRequest r = ingress_.front();
    ingress_.pop_front();
    if (t_s - r.arrival_s > wait_limit_s_) {
      rec_->timed_out(t_s);
      --in_system_;
      continue;
    }
    rec_->cold_start(t_s);
    route(t_s, r, true);
  }
}

void KubernetesModel::expire_ingress(double t_s) {
  while (!ingress_.empty() && ingress_.front().arrival_s + wait_limit_s_ <= t_s) {
    ingress_.pop_front();
    rec_->timed_out(t_s);
    --in_system_;
  }
}

double KubernetesModel::next_event_s() const {
  double t = events_.empty() ? kNever : events_.front().t_s;
  if (!ingress_.empty()) t = std::min(t, ingress_.front().arrival_s + wait_limit_s_);
  t = std::min({t, pool_.batch_close_s(), next_ca_s_, next_hpa_s_, next_keda_s_});
  return t;
}

void KubernetesModel::handle_next_event() {
  const double t_event = events_.empty() ? kNever : events_.front().t_s;
  const double t_ingress = ingress_.empty() ? kNever : ingress_.front().arrival_s + wait_limit_s_;
  const double t_batch = pool_.batch_close_s();
  const double t_tick = std::min({next_ca_s_, next_hpa_s_, next_keda_s_});
  if (t_event <= std::min({t_ingress, t_batch, t_tick})) {
    std::pop_heap(events_.begin(), events_.end(), Later{});
    const Event e = events_.back();
    events_.pop_back();
    Pod* pod = e.id < pods_.size() ? &pods_[e.id] : nullptr;
    switch (e.kind) {
      case Kind::pod_ready:
        if (pod->life == e.serial && pod->state == PodState::starting) pod_ready(e.id, e.t_s);
        break;
      case Kind::pod_gone:
        if (pod->life == e.serial && pod->state == PodState::terminating) pod_gone(e.id, e.t_s);
        break;
      case Kind::pod_crash:
        if (pod->life == e.serial && pod->state == PodState::ready) pod_crash(e.id, e.t_s);
        break;
      case Kind::probe_kill:
        if (pod->life == e.serial && pod->state == PodState::starting) probe_kill(e.id, e.t_s);
        break;
      case Kind::probe_restart:
        if (pod->life == e.serial && pod->state == PodState::starting)
          start_container(e.id, e.t_s,
                          service_.runtime_init_s.sample(*rng_) + service_.model_load_s.sample(*rng_));
        break;
      case Kind::llm_step:
        if (pod->life == e.serial && pod->engine && pod->engine->running()) llm_step(e.id, e.t_s);
        break;
      case Kind::batch_done:
        if (pod->life == e.serial && pod->in_batch > 0) batch_done(e.id, e.t_s);
        break;
      case Kind::batch_deadline:
        if (pod->deadline == e.serial) {
          pod->deadline = 0;
          try_dispatch(e.id, e.t_s);
        }
        break;
      case Kind::node_launch:
        pool_.launched(e.id, e.t_s);
        push(Event{e.t_s + p_.pool.boot_s + p_.pool.driver_s, e.id, 0, Kind::node_pull});
        break;
      case Kind::node_pull:
        pool_.pulling(e.id, e.t_s);
        if (p_.image_bytes > 0)
          transfers_->start(e.t_s, p_.image_bytes, registry_route_, e.id);
        else
          node_ready(e.id, e.t_s);
        break;
    }
    return;
  }
  if (t_ingress <= std::min(t_batch, t_tick)) {
    expire_ingress(t_ingress);
    return;
  }
  if (t_batch <= t_tick) {
    request_nodes(pool_.close_batch(static_cast<uint32_t>(unplaced_.size())), t_batch);
    return;
  }
  if (next_ca_s_ == t_tick) {
    ca_scan(t_tick);
    next_ca_s_ += p_.pool.scan_interval_s;
  } else if (next_hpa_s_ == t_tick) {
    hpa_sync(t_tick);
    next_hpa_s_ += p_.hpa_sync_period_s;
  } else {
    keda_poll(t_tick);
    next_keda_s_ += p_.keda_polling_interval_s;
  }
}

void KubernetesModel::on_transfer_done(uint64_t tag, double t_s) {
  node_ready(static_cast<uint32_t>(tag), t_s);
}

void KubernetesModel::finish(double t_end_s) {
  pool_.account(t_end_s);
}

}  // namespace servesim::platforms
