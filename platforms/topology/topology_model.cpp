#include "platforms/topology/topology_model.hpp"

#include <algorithm>
#include <unordered_map>
#include <utility>

#include "platforms/model_factory.hpp"
#include "platforms/topology/slots.hpp"
#include "platforms/topology/topology_training.hpp"
#include "platforms/topology/topology_workflow.hpp"

namespace servesim::platforms {
namespace {
constexpr int kStageShift = 48;  // transfer tags: stage index above, the stage's own tag below
constexpr uint64_t kTagMask = (uint64_t{1} << kStageShift) - 1;
}  // namespace

// One stage at run time: its spec, its platform model (model, edge-device) with the recorder that forwards
// to the composite, and its counts.
struct TopologyModel::Stage final : sim::RecorderListener {
  TopologyModel* owner;
  size_t index;
  const StageSpec& spec;
  std::unique_ptr<sim::PlatformModel> model;
  std::unique_ptr<EdgeCache> cache;
  std::unique_ptr<StateStore> store;
  std::unique_ptr<TrafficSplit> split;
  std::unique_ptr<sim::Recorder> recorder;
  std::unique_ptr<sim::Rng> rng;
  std::unique_ptr<sim::ModelContext> ctx;
  std::unique_ptr<sim::Client> own_client;  // a task (workflow, training): the driver retries, not the client
  std::vector<int> cost_ids;  // stage recorder's cost category -> candidate recorder's (-1: not yet)
  uint32_t busy = 0, idle = 0;
  uint64_t in_flight = 0;  // requests handed to `model` and not yet answered by it
  sim::StageCounts counts;
  sim::TransferRoute uplink;  // edge-device with an uplink: device -> cloud
  uint64_t uploads = 0;       // offloaded requests uploading now
  sim::ServedBy served_by;    // model: who answered the request `model` reports served (a fleet writes it)
  // state-store with an instance cache: per session, the instance that holds it in memory (the model stage
  // and the instance identity of the last visit that knew its instance). Looked up only, never iterated.
  std::unordered_map<uint64_t, std::pair<uint32_t, uint64_t>> session_holder;

  Stage(TopologyModel* o, size_t k, const StageSpec& s) : owner(o), index(k), spec(s) {
    counts.id = s.id;
    counts.kind = StageSpec::kind_name(s.kind);
  }
  void served(double t, double latency_s) override { owner->stage_served(index, t, latency_s); }
  void failed(double t, Outcome outcome, double origin_s) override {
    --in_flight;
    if (owner->driver_) return owner->driver_->task_failed(index, t, outcome, origin_s);
    ++counts.failed;
    switch (outcome) {
      case Outcome::timed_out:
        owner->rec_->timed_out(t);
        break;
      case Outcome::throttled:
        owner->rec_->throttled(t);
        break;
      case Outcome::dropped:
        owner->rec_->dropped(t);
        break;
    }
  }
  void counted(double t, Event event) override {
    switch (event) {
      case Event::cold_start:
        owner->rec_->cold_start(t);
        break;
      case Event::retry:
        owner->rec_->retry(t);
        break;
      case Event::queued:
        owner->rec_->queued(t);
        break;
    }
  }
  void instances(double t, uint32_t b, uint32_t i) override { owner->stage_instances(index, t, b, i); }
  void cost(int category, double usd) override {
    const auto c = static_cast<size_t>(category);
    if (c >= cost_ids.size()) cost_ids.resize(c + 1, -1);
    if (cost_ids[c] < 0) cost_ids[c] = owner->rec_->cost_category(spec.id + "/" + recorder->costs()[c].first);
    owner->rec_->add_cost(cost_ids[c], usd);
  }
};

// Stage k's transfers carry k in their tag's high bits while it runs (restores the previous base after, for
// calls that nest: a stage's completion routes the request into the next stage).
class TopologyModel::TagScope {
 public:
  TagScope(sim::TransferPool* pool, size_t k) : pool_(pool), saved_(pool->tag_base()) {
    pool_->set_tag_base(static_cast<uint64_t>(k) << kStageShift);
  }
  ~TagScope() { pool_->set_tag_base(saved_); }
  TagScope(const TagScope&) = delete;
  TagScope& operator=(const TagScope&) = delete;

 private:
  sim::TransferPool* pool_;
  uint64_t saved_;
};

TopologyModel::TopologyModel(TopologySpec spec, const sim::Scenario& scenario)
    : spec_(std::move(spec)), timeout_s_(scenario.slo.timeout_s) {
  for (size_t k = 0; k < spec_.stages.size(); ++k) {
    const StageSpec& s = spec_.stages[k];
    auto stage = std::make_unique<Stage>(this, k, s);
    if (s.kind == StageSpec::Kind::model || s.kind == StageSpec::Kind::edge_device) {
      // The stage's platform code checks its candidate (errors carry the stage's JSON pointer).
      sim::Scenario stage_scenario = scenario;
      stage_scenario.service = s.service;
      stage_scenario.candidates = {s.candidate};
      stage->model = make_model(s.candidate, stage_scenario);
    }
    if (s.kind == StageSpec::Kind::edge_cache)
      stage->cache = s.keys_from_trace ? std::make_unique<EdgeCache>(s.ttl_s, s.capacity_items)
                                       : std::make_unique<EdgeCache>(s.catalogue_items, s.zipf_s, s.ttl_s,
                                                                     s.capacity_items);
    if (s.kind == StageSpec::Kind::state_store) stage->store = std::make_unique<StateStore>(s.store);
    if (s.kind == StageSpec::Kind::split) {
      stage->split = std::make_unique<TrafficSplit>(s.weights);
      for (size_t next : s.next) stage->counts.routed.emplace_back(spec_.stages[next].id, 0);
    }
    stages_.push_back(std::move(stage));
  }
  faults_ = scenario.faults.size();
  if (spec_.workflow) {
    auto workflow = std::make_unique<Workflow>(*this, spec_);
    workflow_ = workflow.get();
    driver_ = std::move(workflow);
  }
  if (spec_.training) {
    auto training = std::make_unique<Training>(*this, spec_);
    training_ = training.get();
    driver_ = std::move(training);
  }
}

TopologyModel::~TopologyModel() = default;

void TopologyModel::build(sim::PlatformBuilder& builder) {
  for (auto& s : stages_)
    if (s->model) {
      builder.set_scope(s->spec.id + "/");
      s->model->build(builder);
      if (s->spec.uplink_bytes_per_s > 0)
        s->uplink = builder.network_route(builder.host("device", 1e9), builder.host("cloud", 1e9),
                                          s->spec.uplink_bytes_per_s, s->spec.uplink_latency_s, "uplink");
    }
  builder.set_scope("");
}

void TopologyModel::start(sim::ModelContext& ctx) {
  rec_ = &ctx.recorder;
  transfers_ = &ctx.transfers;
  client_ = &ctx.client;
  request_key_ = ctx.request_key;
  const uint64_t seed = ctx.rng.next_u64();
  rng_ = sim::Rng::derive(seed, 0);
  for (auto& s : stages_) {
    if (s->cache) s->cost_ids.push_back(rec_->cost_category(s->spec.id + "/lookups_usd"));
    if (s->store) {
      // Request billing: [0] reads, [1] writes; provisioned capacity or nodes: [0] for the run.
      const std::string& billing = s->store->settings().billing;
      if (billing == "request") {
        s->cost_ids.push_back(rec_->cost_category(s->spec.id + "/reads_usd"));
        s->cost_ids.push_back(rec_->cost_category(s->spec.id + "/writes_usd"));
      } else {
        s->cost_ids.push_back(
            rec_->cost_category(s->spec.id + (billing == "node" ? "/nodes_usd" : "/capacity_usd")));
      }
      s->rng = std::make_unique<sim::Rng>(sim::Rng::derive(seed, s->index + 1));
    }
    if (!s->model) continue;
    s->recorder = std::make_unique<sim::Recorder>(1e300, 1e300, nullptr);
    s->recorder->set_listener(s.get());
    s->rng = std::make_unique<sim::Rng>(sim::Rng::derive(seed, s->index + 1));
    // A task (workflow, training) has the driver for its caller: no client retries (the stage's retry policy
    // instead), and every failure reaches the driver through the stage's recorder.
    if (driver_)
      s->own_client = std::make_unique<sim::Client>(sim::ClientSpec{}, faults_, *s->recorder, *s->rng);
    s->ctx = std::make_unique<sim::ModelContext>(
        sim::ModelContext{*s->recorder, ctx.transfers, *s->rng, s->own_client ? *s->own_client : ctx.client,
                          ctx.crashes, ctx.request_key, ctx.request_tokens, &s->served_by});
    TagScope scope(transfers_, s->index);
    s->model->start(*s->ctx);
  }
  if (driver_) driver_->start(*rec_);
  rec_->instances(0, busy_, idle_);
}

void TopologyModel::on_arrival(double t_s, double origin_s, uint32_t attempt) {
  if (driver_) return driver_->arrival(t_s, origin_s);
  current_key_ = request_key_ ? *request_key_ : sim::kNoKey;
  route(spec_.entry, t_s, origin_s, attempt);
  current_key_ = sim::kNoKey;
}

void TopologyModel::upload(size_t k, double t_s, double origin_s, uint32_t attempt) {
  Stage& s = *stages_[k];
  const uint32_t slot = claim_slot(uploads_, free_uploads_);
  uploads_[slot] = Upload{origin_s, current_key_, attempt, static_cast<uint32_t>(k)};
  ++s.uploads;
  TagScope scope(transfers_, stages_.size());  // the composite's own transfers: above every stage's index
  transfers_->start(t_s, s.spec.request_bytes, s.uplink, slot);
}

void TopologyModel::route(size_t k, double t_s, double origin_s, uint32_t attempt) {
  Stage& s = *stages_[k];
  const StageSpec& spec = s.spec;
  ++s.counts.arrived;
  auto forward = [&](size_t next) {
    ++s.counts.forwarded;
    route(next, t_s, origin_s, attempt);
  };
  switch (spec.kind) {
    case StageSpec::Kind::edge_cache: {
      // A retry that failed behind the cache lost its key on the way (platform models keep none); it missed
      // here before, and a failed response left nothing to cache, so it goes straight on.
      if (spec.keys_from_trace && current_key_ == sim::kNoKey) {
        ++s.counts.bypassed;
        return forward(spec.next[0]);
      }
      rec_->add_cost(s.cost_ids[0], spec.price_usd_per_lookup);
      const bool hit = spec.keys_from_trace ? s.cache->lookup_trace_key(current_key_, t_s)
                                            : s.cache->lookup(s.cache->sample(rng_), t_s);
      if (hit) {
        ++s.counts.hits;
        ++s.counts.served_here;
        hits_.push_back(Hit{t_s + spec.hit_s, origin_s});
        std::push_heap(hits_.begin(), hits_.end(), Later{});
        return;
      }
      return forward(spec.next[0]);
    }
    case StageSpec::Kind::edge_device: {
      // Adaptive offloading: the threshold falls linearly with the queue on the device, to 0 at queue_limit,
      // and rises linearly with the expected upload time, to 1 at upload_budget_s.
      const double queue = s.in_flight > spec.servers ? static_cast<double>(s.in_flight - spec.servers) : 0;
      double threshold =
          spec.adaptive ? spec.threshold * std::max(0.0, 1.0 - queue / spec.queue_limit) : spec.threshold;
      if (spec.adapt_to_uplink) {
        const double upload_s =
            static_cast<double>(s.uploads + 1) * spec.request_bytes / spec.uplink_bytes_per_s +
            spec.uplink_latency_s;
        threshold += (1 - threshold) * std::min(1.0, upload_s / spec.upload_budget_s);
      }
      if (rng_.uniform() >= threshold) {
        if (spec.uplink_bytes_per_s <= 0) return forward(spec.next[0]);
        ++s.counts.forwarded;
        return upload(k, t_s, origin_s, attempt);
      }
      break;
    }
    case StageSpec::Kind::select:
      if (stages_[spec.large]->in_flight >= spec.in_flight_limit) {
        ++s.counts.degraded;
        return forward(spec.small);
      }
      return forward(spec.large);
    case StageSpec::Kind::split: {
      // A rollout: the next stage by the weights in force now (deterministic, exact proportions).
      const size_t i = s.split->pick(t_s);
      ++s.counts.routed[i].second;
      return forward(spec.next[i]);
    }
    case StageSpec::Kind::state_store:
      return store_visit(k, t_s, origin_s, attempt);
    case StageSpec::Kind::model:
    case StageSpec::Kind::map:  // (maps and parallels run in a workflow only: send_task)
    case StageSpec::Kind::parallel:
    case StageSpec::Kind::wait:
      break;
  }
  ++s.in_flight;
  TagScope scope(transfers_, k);
  s.model->on_arrival(t_s, origin_s, attempt);
}

void TopologyModel::send_task(size_t k, double t_s) {
  Stage& s = *stages_[k];
  ++s.counts.arrived;
  ++s.in_flight;
  TagScope scope(transfers_, k);
  s.model->on_arrival(t_s, t_s, 0);
}

sim::StageCounts& TopologyModel::counts_of(size_t k) {
  return stages_[k]->counts;
}

size_t TopologyModel::choose(size_t k, double t_s) {
  Stage& s = *stages_[k];
  ++s.counts.arrived;
  const size_t i = s.split->pick(t_s);
  ++s.counts.routed[i].second;
  return i;
}

void TopologyModel::stage_served(size_t k, double t_s, double latency_s) {
  Stage& s = *stages_[k];
  --s.in_flight;
  if (driver_) return driver_->task_served(k, t_s, latency_s);
  const StageSpec& spec = s.spec;
  auto stops = [&] {
    if (spec.confidence) return spec.confidence->sample(rng_) >= spec.confidence_threshold;
    return spec.stop_probability > 0 && rng_.uniform() < spec.stop_probability;
  };
  if (spec.kind == StageSpec::Kind::model && !spec.next.empty() && !stops()) {
    ++s.counts.forwarded;
    // A fleet told who answered (session affinity, instance caches): the key and the instance go on with it.
    const uint64_t saved_key = current_key_;
    const Served saved_served = current_served_;
    current_key_ = s.served_by.key;
    current_served_ = Served{static_cast<uint32_t>(k), s.served_by.instance};
    route(spec.next[0], t_s, t_s - latency_s, 0);
    current_key_ = saved_key;
    current_served_ = saved_served;
    return;
  }
  ++s.counts.served_here;
  rec_->served(t_s, latency_s);
}

void TopologyModel::stage_instances(size_t k, double t_s, uint32_t busy, uint32_t idle) {
  Stage& s = *stages_[k];
  busy_ = busy_ - s.busy + busy;
  idle_ = idle_ - s.idle + idle;
  s.busy = busy;
  s.idle = idle;
  rec_->instances(t_s, busy_, idle_);
}

double TopologyModel::next_event_s() const {
  double t = hits_.empty() ? kNever : hits_.front().t_s;
  if (!store_events_.empty()) t = std::min(t, store_events_.front().t_s);
  if (driver_) t = std::min(t, driver_->next_event_s());
  for (const auto& s : stages_)
    if (s->model) t = std::min(t, s->model->next_event_s());
  return t;
}

void TopologyModel::handle_next_event() {
  double best = hits_.empty() ? kNever : hits_.front().t_s;
  size_t which = stages_.size();  // stages_.size(): a cache hit
  for (size_t k = 0; k < stages_.size(); ++k)
    if (stages_[k]->model) {
      const double t = stages_[k]->model->next_event_s();
      if (t < best) {
        best = t;
        which = k;
      }
    }
  // State-store events first at a tie: they were made before the stage models' own events. The task
  // driver's timers (retries, task timeouts, execution deadlines, GPU steps) come after a stage's event at
  // the same instant.
  const double t_driver = driver_ ? driver_->next_event_s() : kNever;
  if (!store_events_.empty() && store_events_.front().t_s <= best && store_events_.front().t_s <= t_driver) {
    std::pop_heap(store_events_.begin(), store_events_.end(), StoreLater{});
    const StoreEvent e = store_events_.back();
    store_events_.pop_back();
    return store_event(e);
  }
  if (driver_ && t_driver < best) return driver_->handle_next_event();
  if (which == stages_.size()) {
    std::pop_heap(hits_.begin(), hits_.end(), Later{});
    const Hit h = hits_.back();
    hits_.pop_back();
    rec_->served(h.t_s, h.t_s - h.origin_s);
    return;
  }
  TagScope scope(transfers_, which);
  stages_[which]->model->handle_next_event();
}

void TopologyModel::on_transfer_done(uint64_t tag, double t_s) {
  const auto k = static_cast<size_t>(tag >> kStageShift);
  if (k == stages_.size()) {  // an offloaded request has reached the cloud: on to the device's next stage
    const auto slot = static_cast<uint32_t>(tag & kTagMask);
    const Upload u = uploads_[slot];
    free_uploads_.push_back(slot);
    --stages_[u.stage]->uploads;
    current_key_ = u.key;
    route(stages_[u.stage]->spec.next[0], t_s, u.origin_s, u.attempt);
    current_key_ = sim::kNoKey;
    return;
  }
  TagScope scope(transfers_, k);
  stages_[k]->model->on_transfer_done(tag & kTagMask, t_s);
}

bool TopologyModel::has_work() const {
  if (!hits_.empty() || uploads_.size() > free_uploads_.size()) return true;  // cache hits or uploads pending
  if (!store_events_.empty()) return true;                                    // state-store visits
  if (driver_ && driver_->has_work()) return true;
  for (const auto& s : stages_)
    if (s->model && s->model->has_work()) return true;
  return false;
}

void TopologyModel::finish(double t_end_s) {
  for (auto& s : stages_) {
    if (s->model) s->model->finish(t_end_s);
    // Provisioned capacity and nodes are billed for the whole run.
    if (s->store && s->store->settings().billing != "request")
      rec_->add_cost(s->cost_ids[0], s->store->standing_usd(t_end_s));
    if (s->own_client) client_->add_faults(s->own_client->faults());  // a task's faults
  }
  if (driver_) driver_->finish(t_end_s);
}

bool TopologyModel::supports(sim::FaultSpec::Kind kind) const {
  // Outages and slow storage are the run loop's and SimGrid's; the rest must be modelled by every stage.
  if (kind == sim::FaultSpec::Kind::outage || kind == sim::FaultSpec::Kind::slow_storage) return true;
  for (const auto& s : stages_)
    if (s->model && !s->model->supports(kind)) return false;
  return true;
}

void TopologyModel::set_concurrency_cap(double t_s, uint32_t cap, int fault) {
  for (auto& s : stages_)
    if (s->model) {
      TagScope scope(transfers_, s->index);
      s->model->set_concurrency_cap(t_s, cap, fault);
    }
}

void TopologyModel::fail_nodes(double t_s, uint32_t nodes, int fault) {
  for (auto& s : stages_)
    if (s->model) {
      TagScope scope(transfers_, s->index);
      s->model->fail_nodes(t_s, nodes, fault);
    }
}

void TopologyModel::store_visit(size_t k, double t_s, double origin_s, uint32_t attempt) {
  const StateStoreSettings& settings = stages_[k]->store->settings();
  const uint32_t slot = claim_slot(visits_, free_visits_);
  const uint32_t reads = instance_cache_reads(k);
  visits_[slot] =
      Visit{origin_s, t_s, current_key_, attempt, static_cast<uint32_t>(k), reads, settings.writes, 0};
  if (reads + settings.writes == 0) return store_done(slot, t_s);
  store_access(slot, t_s);
}

uint32_t TopologyModel::instance_cache_reads(size_t k) {
  Stage& s = *stages_[k];
  const StateStoreSettings& settings = s.store->settings();
  if (!settings.instance_cache || current_key_ == sim::kNoKey) return settings.reads;
  // The instance that ran this request holds its session when the session's previous visit came from the same
  // instance in the same ready period (the identity changes when it is removed, crashes or restarts): the
  // reads are answered from its memory. Writes still go to the store (write-through).
  const bool known = current_served_.instance != sim::ServedBy::kNoInstance;
  const std::pair<uint32_t, uint64_t> here{current_served_.stage, current_served_.instance};
  const auto it = s.session_holder.find(current_key_);
  const bool hit = known && it != s.session_holder.end() && it->second == here;
  if (known)
    s.session_holder[current_key_] = here;
  else if (it != s.session_holder.end())
    s.session_holder.erase(it);  // another instance now has the session's latest state
  if (!hit) {
    ++s.counts.instance_cache_misses;
    return settings.reads;
  }
  ++s.counts.instance_cache_hits;
  s.counts.reads_avoided += settings.reads;
  if (settings.billing == "request") s.counts.saved_usd += settings.reads * s.store->access_usd(false);
  return 0;
}

void TopologyModel::store_access(uint32_t visit, double t_s) {
  Visit& v = visits_[visit];
  Stage& s = *stages_[v.stage];
  const bool is_write = v.reads_left == 0;  // reads first, then writes
  const StateStore::Access a = s.store->access(is_write, t_s, *s.rng);
  auto push = [&](double at_s, StoreEvent::What what) {
    store_events_.push_back(StoreEvent{at_s, store_seq_++, visit, what});
    std::push_heap(store_events_.begin(), store_events_.end(), StoreLater{});
  };
  if (!a.throttled) return push(a.done_s, StoreEvent::What::answered);
  ++s.counts.throttles;
  ++v.tries;
  if (v.tries >= s.store->max_attempts()) return push(a.done_s, StoreEvent::What::throttled);
  push(a.done_s + s.store->retry_delay_s(v.tries - 1, is_write, a.done_s, *s.rng), StoreEvent::What::retry);
}

void TopologyModel::store_event(const StoreEvent& e) {
  Visit& v = visits_[e.visit];
  Stage& s = *stages_[v.stage];
  switch (e.what) {
    case StoreEvent::What::retry:
      return store_access(e.visit, e.t_s);
    case StoreEvent::What::throttled:
      // The SDK's attempts ran out: the request ends here, throttled (not retried by the caller).
      ++s.counts.failed;
      s.counts.latency_added_s += e.t_s - v.entered_s;
      free_visits_.push_back(e.visit);
      return rec_->throttled(e.t_s);
    case StoreEvent::What::answered: {
      const bool is_write = v.reads_left == 0;
      if (is_write) {
        --v.writes_left;
        ++s.counts.writes;
      } else {
        --v.reads_left;
        ++s.counts.reads;
      }
      if (s.store->settings().billing == "request")
        rec_->add_cost(s.cost_ids[is_write ? 1 : 0], s.store->access_usd(is_write));
      v.tries = 0;
      if (v.reads_left + v.writes_left > 0) return store_access(e.visit, e.t_s);
      return store_done(e.visit, e.t_s);
    }
  }
}

void TopologyModel::store_done(uint32_t visit, double t_s) {
  const Visit v = visits_[visit];  // a copy: routing on may reuse the slot
  free_visits_.push_back(visit);
  Stage& s = *stages_[v.stage];
  s.counts.latency_added_s += t_s - v.entered_s;
  if (!s.spec.next.empty()) {
    ++s.counts.forwarded;
    const uint64_t saved = current_key_;
    current_key_ = v.key;
    route(s.spec.next[0], t_s, v.origin_s, v.attempt);
    current_key_ = saved;
    return;
  }
  // The last stage: the caller got its answer now, unless it gave up waiting.
  if (t_s - v.origin_s > client_->wait_limit_s(timeout_s_)) {
    ++s.counts.failed;
    return rec_->timed_out(t_s);
  }
  ++s.counts.served_here;
  rec_->served(t_s, t_s - v.origin_s);
}

std::string TopologyModel::latency_source() const {
  std::string weakest = "measured";
  for (const auto& stage : stages_) {
    if (!stage->model) continue;
    const std::string source = stage->model->latency_source();
    if (source == "estimated" || (source == "calibrated" && weakest == "measured")) weakest = source;
  }
  return weakest;
}

sim::WorkflowOutcome TopologyModel::workflow_outcome() const {
  return workflow_ ? workflow_->outcome() : sim::WorkflowOutcome{};
}

sim::TrainingOutcome TopologyModel::training_outcome() const {
  return training_ ? training_->outcome() : sim::TrainingOutcome{};
}

std::vector<std::pair<std::string, double>> TopologyModel::lever_outcome() const {
  std::vector<std::pair<std::string, double>> out;
  for (const auto& s : stages_)
    if (s->model)
      for (const auto& [name, value] : s->model->lever_outcome())
        out.emplace_back(s->spec.id + "/" + name, value);
  return out;
}

std::vector<sim::StageCounts> TopologyModel::stage_counts() const {
  std::vector<sim::StageCounts> out;
  for (const auto& s : stages_) out.push_back(s->counts);
  return out;
}

}  // namespace servesim::platforms
