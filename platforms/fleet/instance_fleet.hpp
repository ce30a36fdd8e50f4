#pragma once
// The shared engine of the container-style serverless platforms (Google Cloud Run, Azure Functions): a fleet
// of instances that each serve up to `concurrency` requests at once and share their processor between them.
//
// - Processor sharing, exactly: with n requests on an instance each progresses at rate[n] (relative to a
//   request alone on it); each instance is a ProcessorSharing (processor_sharing.hpp). A global indexed heap
//   (indexed_min_heap.hpp) orders the instances by next completion, so every event costs O(log n).
// - Routing: to the active ready instance with the fewest requests (most recently used on ties), else to a
//   standby instance with a free slot (which becomes active), else to a starting instance with a free slot,
//   else a new instance is started (up to max_instances, at most one per scale_out_interval_s), else the
//   request waits in a FIFO queue for queue_limit_s (or, with max_outstanding_per_instance set, is refused
//   with HTTP 429 once the fleet holds that many requests per instance). The ready instances sit in
//   InstanceLists (instance_lists.hpp) by tier and requests bound.
// - Cold start = instance_start_s + runtime init + model download (a SimGrid transfer) + model load.
// - Optional autoscaler (FleetAutoscaler, fleet_autoscaler.hpp): every tick, desired = max(ceil(window mean
//   in-flight / (target x concurrency)), ceil(window mean vCPU in use / (target x vcpu))), at least
//   reserved_instances. Below it, standby instances are re-activated, then new ones started; above it, the
//   least loaded active instances become standby: they get no new requests while another instance has room,
//   drain, and are removed once idle for idle_timeout_s.
// - Without an autoscaler, idle dynamic instances are removed idle_timeout_s after their last request (least
//   recently used first), keeping spare_instances idle ones.
// Platform models derive from it, fill a FleetConfig from their catalogue settings and bill through the
// hooks. Requests and events are in instance_fleet.cpp; the instances' lifecycle (start, ready, crash,
// removal) and what the fleet does with the autoscaler's decision in instance_fleet_scaling.cpp.
#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <utility>
#include <vector>

#include "platforms/fleet/cold_start_path.hpp"
#include "platforms/fleet/fleet_autoscaler.hpp"
#include "platforms/fleet/indexed_min_heap.hpp"
#include "platforms/fleet/instance_lists.hpp"
#include "platforms/fleet/llm_serving.hpp"
#include "platforms/fleet/model_cache.hpp"
#include "platforms/fleet/processor_sharing.hpp"
#include "platforms/fleet/session_affinity.hpp"
#include "platforms/fleet/startup_probe.hpp"
#include "sim/platform_model.hpp"
#include "sim/scenario.hpp"

namespace servesim::platforms {

struct FleetConfig {
  uint32_t concurrency = 1;         // requests one instance serves at once
  uint32_t reserved_instances = 0;  // ready at t = 0 and never removed (min instances, always ready)
  uint32_t max_instances = 1;       // instances at most (reserved included)
  uint32_t spare_instances = 0;     // idle or starting instances kept in reserve (pre-warmed buffer)
  double scale_out_interval_s = 0;  // least time between two instance starts [s]; 0 = no limit
  double idle_timeout_s = 900;      // a dynamic instance idle this long is removed [s]
  double queue_limit_s = 10;        // longest wait for a slot when no instance can be added [s]
  bool queue_expiry_throttles =
      true;                        // at queue_limit_s: true = HTTP 429 (client may retry), false = timeout
  double request_timeout_s = 300;  // platform limit on one request's time in service [s]
  // Requests one instance holds at most, in service and waiting (Azure Functions host.json
  // maxOutstandingRequests); 0 = unbounded (off). A request that would wait in the queue while the fleet
  // already holds this many per instance (up or starting; at least one) is refused at once with HTTP 429.
  uint32_t max_outstanding_per_instance = 0;
  // false: a request never starts an instance nor waits for a starting one; only the autoscaler adds
  // instances (asynchronous scaling, Lambda Managed Instances), so a request finding no ready slot queues
  // (queue_limit_s, then throttled or timed out).
  bool start_on_request = true;
  // Autoscaler; off when autoscale_tick_s is 0.
  double autoscale_tick_s = 0;      // [s]
  double autoscale_window_s = 60;   // averaging window of both metrics [s]
  double target_concurrency = 0.6;  // target in-flight requests per instance, fraction of concurrency
  double target_cpu = 0.6;          // target vCPU in use per instance, fraction of vcpu
  double vcpu = 1;                  // [vCPU] per instance
  std::vector<double> rate;         // rate[n], n = 1..concurrency: progress of each of n requests (rate[1]=1)
  std::vector<double> cpu_used_vcpu;  // cpu_used_vcpu[n]: vCPU in use with n requests (CPU metric)
  double work_factor = 1;             // time alone on an instance = warm sample x work_factor
  double load_factor = 1;             // model load time = model_load sample x load_factor
  double instance_start_s = 0;        // fixed part of a cold start before the runtime init [s]
  double startup_speedup = 1;         // runtime init and model load run this much faster (startup boost)
  double store_per_connection_bytes_per_s = 85e6;
  double store_shared_bytes_per_s = 12.5e9;
  // A startup probe (Cloud Run): a starting instance takes requests only once a probe passes; one that fails
  // it is shut down (its waiting requests dropped) and a minimum instance started again. Off by default.
  StartupProbe startup_probe;
  double fetch_bytes = -1;  // fetched per cold start over the store link; < 0: the scenario's model_size_mb
  bool fetch_is_pull = false;  // the fetch is an image pull (else a model download), for ColdStartParts
  // service.llm on a GPU instance: each instance is one replica of a token-level server
  // (platforms/fleet/llm_engine.hpp: continuous batching, KV cache) instead of processor sharing; empty
  // timing otherwise. The engine runs at most llm_limits.max_num_seqs sequences, and never more than the
  // concurrency requests the platform sends an instance; the rest wait in the engine's queue.
  LlmServing llm;
  LlmEngineLimits llm_limits;
  // The candidate's llm_* settings (llm_engine_settings()), read by set_instance_compute (set them first).
  LlmEngineSettings llm_settings;
  // Session affinity (Cloud Run session_affinity, Container Apps sticky_sessions): a request whose session
  // (its key: workload.key_column or workload.sessions) was last answered by an instance still in the same
  // ready period, active and with a free slot goes there; otherwise the usual choice (session_affinity.hpp).
  bool session_affinity = false;

  // rate and cpu_used_vcpu of a CPU instance: each of n requests gets vcpu/n vCPU and runs at
  // cpu_speedup(vcpu/n, p) relative to one vCPU; a single request cannot use more than cpu_speedup(vcpu, p).
  void set_cpu_sharing(double vcpu_per_instance, double parallel_fraction);
  // One accelerator time-shared by its requests: rate[n] = 1/n; the CPU metric is not driven by them.
  void set_accelerator_sharing();
  // What one cold start fetches and over which store rates (platforms/fleet/cold_start_path.hpp).
  void set_cold_start_path(const ColdStartPath& path);
  // The compute of a platform whose instance has `vcpu` CPUs and perhaps one GPU (set concurrency first):
  // - no GPU: the requests share the CPUs; work and model load scale from service.reference_vcpu;
  // - a GPU: the requests time-share it, one alone taking gpu_work_factor x its warm sample, or with
  //   service.llm the instance is one replica of a token-level server on the GPU (llm_settings: vLLM's
  //   defaults and the fit's efficiencies unless the candidate sets them); gpu_start_s (the GPU's allocation)
  //   comes before every cold start. The model load still runs on the CPUs.
  void set_instance_compute(const sim::Scenario& scenario, double vcpu, const GpuSpec* gpu,
                            double gpu_work_factor, double gpu_start_s);
  // gpu_work_factor for a request that takes request_s alone on the GPU, against the mean warm sample.
  static double work_factor_for(double request_s, const sim::ServiceSpec& service);
};

class InstanceFleet : public sim::PlatformModel {
 public:
  // Event source mode (a Pub/Sub push subscription in front of Cloud Run, docs/events.md): a request offered
  // with deliver() is a push request; how it ends is told to the observer instead of the client, which then
  // acks or nacks the message.
  class DeliveryObserver {
   public:
    enum class End : uint8_t {
      ok,    // HTTP success: the message is acknowledged
      nack,  // HTTP 429 (the queue timeout), 5xx (a crash, a failed startup probe), 504 (request timeout)
    };
    virtual ~DeliveryObserver() = default;
    virtual void delivery_ended(uint64_t delivery, double t_s, End end) = 0;
  };
  static constexpr uint64_t kNoDelivery = std::numeric_limits<uint64_t>::max();

  InstanceFleet(FleetConfig config, const sim::Scenario& scenario);
  void set_delivery_observer(DeliveryObserver* observer) { observer_ = observer; }
  // Called whenever a request leaves the fleet (served, failed, stopped, given up), for a front that counts
  // what its instances still process (Azure's queue trigger); none by default.
  void set_on_request_left(std::function<void()> f) { on_request_left_ = std::move(f); }
  // Starts instances at t_s until `instances` exist (within max_instances and scale_out_interval_s), for a
  // platform whose own scale controller decides ahead of the requests (Azure's queue trigger). Idle ones
  // are removed as usual.
  void start_instances_up_to(double t_s, uint32_t instances);
  // Push request `delivery` reaches the service at t_s (call start() first; set_delivery_observer too).
  void deliver(double t_s, uint64_t delivery);

  void build(sim::PlatformBuilder& builder) override;
  void start(sim::ModelContext& ctx) override;
  void on_arrival(double t_s, double origin_s, uint32_t attempt) override;
  double next_event_s() const override;
  void handle_next_event() override;
  void on_transfer_done(uint64_t tag, double t_s) override;
  bool has_work() const override { return live_requests_ > 0; }
  void finish(double t_end_s) override;
  bool supports(sim::FaultSpec::Kind kind) const override {
    return kind == sim::FaultSpec::Kind::throttle || kind == sim::FaultSpec::Kind::crash ||
           sim::PlatformModel::supports(kind);
  }
  // Throttling storm: no more than `cap` instances (running ones are not stopped).
  void set_concurrency_cap(double t_s, uint32_t cap, int fault) override;
  std::vector<std::pair<std::string, uint64_t>> cold_start_sources() const override {
    return cache_.sources();
  }
  sim::ColdStartParts cold_start_parts() const override { return parts_; }
  std::vector<std::pair<std::string, double>> lever_outcome() const override;
  sim::LlmOutcome llm_outcome() const override;
  bool token_level() const override { return cfg_.llm.timing != nullptr; }

 protected:
  // Register cost categories (called once from start()).
  virtual void register_costs(sim::Recorder& recorder) = 0;
  // A request left an instance after run_s in service (served, or stopped by the request timeout).
  virtual void bill_execution(double t_s, double run_s, bool reserved) = 0;
  // An instance had at least one request bound to it (startup wait included) for busy_s, ending at t_s.
  virtual void bill_busy(double t_s, double busy_s, bool reserved) = 0;
  // Instances existed for instance_s instance-seconds up to t_s (accrued continuously, reported at most once
  // per simulated second and at the end of the run), reserved ones and dynamic ones apart.
  virtual void bill_lifetime(double t_s, double instance_s, bool reserved) = 0;
  // Reserved (minimum) instances stood idle for idle_s instance-seconds up to t_s, counted as Cloud Run
  // counts them: max(0, reserved_instances - instances serving at least one request) over time (reported
  // with bill_lifetime). Platforms that bill idle minimum instances at their own rate override it.
  virtual void bill_idle_reserved(double t_s, double idle_s) {
    (void)t_s;
    (void)idle_s;
  }

  sim::Recorder& recorder() { return *rec_; }
  const FleetConfig& fleet_config() const { return cfg_; }

 private:
  static constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();
  enum class State : uint8_t { free, starting, ready };
  enum class TimerKind : uint8_t { init_done, ready, retry, scale_out, tick, crash, probed, probe_deadline };
  enum class Source : uint8_t { none, completion, deadline, timer, queue, reclaim };

  struct Request {
    double arrival_s = 0;  // first arrival (latency is measured from it)
    double start_s = 0;    // start of service on its instance
    uint32_t instance = kNone;
    uint32_t attempt = 0;
    uint32_t gen = 0;                 // bumped when the slot is freed: entries naming an older gen are stale
    sim::RequestTokens tokens;        // a language model's request (service.llm), else {0, 0}
    uint64_t delivery = kNoDelivery;  // a push request's delivery (deliver()), told to the observer
    uint64_t key = sim::kNoKey;       // its session (ModelContext::request_key when it arrived)
  };
  struct Instance {
    State state = State::free;
    bool reserved = false;
    bool standby = false;  // above the autoscaler's count: used only when no active instance has room
    uint32_t bound = 0;    // requests bound to it (waiting for its startup, or in service)
    double next_done_s = kNever;
    double busy_since_s = 0, idle_since_s = 0;
    double load_s = 0;         // model load, after the download
    double init_s = 0;         // runtime init of the current start-up (after instance_start_s)
    double fetch_began_s = 0;  // when its model fetch began
    ProcessorSharing cpu;      // the requests in service (may hold stale entries of timed-out requests)
    std::unique_ptr<LlmEngine> engine;  // service.llm on a GPU: the replica's server (replaces cpu)
    double kv_utilization = 0, iteration_start_s = 0;  // of the running iteration
    std::vector<uint32_t> pending;                     // requests waiting for the startup
    uint32_t life = 0;  // bumped each time it becomes ready (crash timers of an earlier period are stale)
    // Startup probe: the start-up's serial (its timers carry it), when its container started, whether a
    // probe passed, model fetches of killed start-ups still in flight (their completion is ignored).
    uint32_t start = 0;
    double container_start_s = 0;
    bool probe_passed = false, fetching = false;
    uint32_t abandoned_fetches = 0;
  };
  struct Timer {
    double t_s;
    uint32_t id;
    TimerKind kind;
    // crash: the instance's ready period it was drawn for (stale once it changed); init_done, ready, probed,
    // probe_deadline: the start-up it belongs to (stale once the instance was shut down or restarted).
    uint32_t life = 0;
  };
  struct Deadline {
    double t_s;
    uint32_t req, gen;
  };
  struct Queued {
    double enqueued_s;
    uint32_t req;
  };

  Source next_source(double& t_s) const;
  double reclaim_s() const;
  // The tier of the idle list removals come from: standby idle with an autoscaler, dynamic idle without.
  uint32_t reclaim_tier() const { return autoscaler_.enabled() ? 1 : 0; }
  // Requests.
  void arrive(double t_s, double origin_s, uint32_t attempt, uint64_t delivery);
  // A push request ended at t_s: tells the observer (true), or false for an ordinary request.
  bool delivery_ended(const Request& q, double t_s, DeliveryObserver::End end) {
    if (q.delivery == kNoDelivery) return false;
    observer_->delivery_ended(q.delivery, t_s, end);
    return true;
  }
  uint32_t new_request(double arrival_s, uint32_t attempt);
  uint32_t max_instances() const { return cap_ < cfg_.max_instances ? cap_ : cfg_.max_instances; }
  void free_request(uint32_t r);
  void place(double t_s, uint32_t r);
  // Session affinity: the ready instance request r's session should go to, or kNone (the cause counted).
  uint32_t affinity_home(uint32_t r);
  // Tells the served_by slot (ModelContext) and the session affinity that instance i answers request r now
  // (inline: nothing to tell on most runs, and it is called once per answer).
  void answering(uint32_t i, const Request& q) {
    if (cfg_.session_affinity || served_by_) record_answer(i, q);
  }
  void record_answer(uint32_t i, const Request& q);
  void enqueue(double t_s, uint32_t r);
  // HTTP 429 for request r; by_storm: counted against the throttling storm in force, if any.
  void throttle(double t_s, uint32_t r, bool by_storm = true);
  void start_service(double t_s, uint32_t i, uint32_t r);
  void bind_ready(double t_s, uint32_t i, uint32_t r);
  void bind_pending(double t_s, uint32_t i, uint32_t r);
  void pull_queue(double t_s, uint32_t i);
  void complete(double t_s, uint32_t i);
  void stop_at_deadline(double t_s);
  void expire_queue_front(double t_s);
  // Instances.
  void set_tier(uint32_t i, bool standby);
  uint32_t find_starting_slot();
  bool can_start_now(double t_s) const;
  uint32_t start_instance(double t_s);
  // Instance i (free or crashed) starts up at t_s: runtime init, then the model fetch and load.
  void begin_startup(double t_s, uint32_t i);
  void schedule_scale_out();
  void scale_out(double t_s);
  void init_done(double t_s, uint32_t i);
  void become_ready(double t_s, uint32_t i);
  // Startup probe: the model is loaded at t_s (ready as soon as a probe passes); the probe's budget ran out.
  void probe_loaded(double t_s, uint32_t i);
  void probe_kill(double t_s, uint32_t i);
  bool is_current_start(const Timer& timer) const {
    return inst_[timer.id].state == State::starting && inst_[timer.id].start == timer.life;
  }
  void reclaim();  // removes the least recently used idle instance of reclaim_list()
  // Crashes: a ready instance dies at the scenario's crash rate; its requests fail, a dynamic one is gone, a
  // reserved (minimum) one is restarted with a new cold start.
  void schedule_crash(double t_s, uint32_t i);
  void crash(double t_s, uint32_t i);
  void change_bound(double t_s, uint32_t i, int delta);
  // Links ready instance i into lists_ by its tier, requests bound and idle time.
  void link(uint32_t i);
  void advance(uint32_t i, double t_s);
  void update_completion(uint32_t i);
  void clean_top(uint32_t i);
  // service.llm (instance_fleet_llm.cpp): start instance i's next iteration if it has none; end one.
  void llm_kick(uint32_t i, double t_s);
  void llm_complete(double t_s, uint32_t i);
  // Removes every request from instance i's engine: f(request id, generation).
  template <class F>
  void llm_drain(uint32_t i, F&& f) {
    if (inst_[i].engine) inst_[i].engine->drain([&](const LlmRequest& r, bool) { f(r.id, r.gen); });
  }
  struct LlmDone {
    LlmRequest request;
    double first_token_s;
  };
  class LlmCollect final : public LlmEngine::Sink {
   public:
    explicit LlmCollect(std::vector<LlmDone>& done) : done_(done) {}
    void first_token(const LlmRequest&, double) override {}
    void finished(const LlmRequest& r, double first_token_s, double) override {
      done_.push_back(LlmDone{r, first_token_s});
    }

   private:
    std::vector<LlmDone>& done_;
  };
  void autoscale(double t_s);
  void integrate(double t_s);
  void accrue(double t_s);
  void flush_instance_seconds(double t_s);
  void report(double t_s);
  void push_timer(const Timer& timer);

  FleetConfig cfg_;
  sim::ServiceSpec service_;
  double client_timeout_s_;
  sim::Client* client_ = nullptr;
  DeliveryObserver* observer_ = nullptr;
  std::function<void()> on_request_left_;
  const sim::CrashHazard* crashes_ = nullptr;
  sim::ColdStartParts parts_;  // where the cold starts' time went
  ModelCache cache_;           // layered model cache on the workers (off unless the scenario gives one)
  uint32_t cap_ = kNone;       // throttling storm in force (kNone: none)
  int cap_fault_ = -1;
  sim::Recorder* rec_ = nullptr;
  sim::TransferPool* transfers_ = nullptr;
  const sim::RequestTokens* tokens_ = nullptr;  // of the request being offered (ModelContext)
  const uint64_t* request_key_ = nullptr;       // of the request being offered (ModelContext)
  sim::ServedBy* served_by_ = nullptr;          // who answers the request being reported (ModelContext)
  SessionAffinity affinity_;
  sim::Rng* rng_ = nullptr;
  sim::TransferRoute store_route_;

  std::vector<Request> reqs_;
  std::vector<uint32_t> free_reqs_;
  uint64_t live_requests_ = 0;  // arrived and not yet finished (bound, queued or waiting to retry)
  uint64_t retry_waiting_ = 0;

  std::vector<Instance> inst_;
  std::vector<uint32_t> free_inst_;
  InstanceLists lists_;                  // the ready instances by tier and requests bound
  std::vector<uint32_t> starting_open_;  // starting instances that may have a free slot (checked lazily)
  IndexedMinHeap done_;                  // instances by next completion (next_done_s)
  std::vector<Timer> timers_;            // min-heap on t_s
  std::deque<Deadline> deadlines_;
  std::deque<Queued> queue_;

  uint32_t total_ = 0, standby_ = 0, starting_ = 0, starting_empty_ = 0, ready_busy_ = 0, ready_idle_ = 0;
  uint32_t keep_ = 0;  // instances the autoscaler (or the reserved floor) keeps from scale-in
  uint32_t reported_busy_ = kNone, reported_idle_ = kNone;
  double last_start_s_ = -kNever;
  uint64_t probe_passed_ = 0, probe_kills_ = 0, probe_dropped_ = 0;
  double probe_wait_s_ = 0;  // from model loaded to the passing probe, summed
  bool scale_pending_ = false;
  double now_s_ = 0;
  // next_event_s's answer, kept for the handle_next_event that follows it (the run loop asks, then handles);
  // every entry point that changes the fleet forgets it (forget_next).
  mutable double next_t_s_ = 0;
  mutable Source next_source_ = Source::none;
  mutable bool next_known_ = false;
  void forget_next() { next_known_ = false; }

  double accrued_to_s_ = 0, flushed_s_ = 0, reserved_instance_s_ = 0, dynamic_instance_s_ = 0;
  double idle_reserved_s_ = 0;  // see bill_idle_reserved
  double cpu_used_sum_ = 0;     // vCPU in use on the ready instances (the autoscaler's CPU metric)
  FleetAutoscaler autoscaler_;
  std::unique_ptr<LlmMeter> meter_;  // service.llm on a GPU
  std::vector<LlmDone> llm_done_;
  LlmCollect llm_collect_{llm_done_};
  bool llm_batching_ = false;  // inside llm_complete: new requests wait for its one kick
};

}  // namespace servesim::platforms
