#pragma once
// AWS Lambda (classic functions): one request per execution environment; warm reuse of the most recently used
// idle environment; cold start = runtime init + model download (SimGrid transfer from the model store) +
// model load; idle environments reclaimed after keep_alive_s; concurrency limit and per-function scaling rate
// (1,000 new environments per 10 s, sliding window) with throttling (429) and optional client retries;
// provisioned concurrency; GB-s billing with 1 ms granularity. See docs/models/aws-lambda.md.
#include <cstdint>
#include <deque>
#include <vector>

#include "platforms/catalog.hpp"
#include "platforms/fleet/cold_start_path.hpp"
#include "platforms/fleet/model_cache.hpp"
#include "sim/platform_model.hpp"
#include "sim/scenario.hpp"

namespace servesim::platforms {

// One field per catalogue parameter of "aws-lambda" (units in the names; defaults and sources in
// platforms/aws_lambda/aws-lambda.json).
struct LambdaParams {
  double memory_mb;
  bool arm64;
  double mb_per_vcpu;
  double max_vcpu;
  double timeout_s;
  double function_error_probability;  // async attempts that end in a function error [fraction]
  bool api_gateway;
  double api_gateway_timeout_s;
  uint32_t account_concurrency;
  uint32_t reserved_concurrency;  // 0 = none
  uint32_t scale_rate_envs;
  double scale_rate_window_s;
  double keep_alive_s;
  double init_limit_s;
  uint32_t provisioned_concurrency;  // allocated before the run starts
  // Application Auto Scaling scheduled actions: from at_s the configured provisioned concurrency is
  // environments (times non-decreasing, a schedule expression expanded to its times; empty:
  // provisioned_concurrency for the whole run).
  struct ScheduledAction {
    double at_s;
    uint32_t environments;
  };
  std::vector<ScheduledAction> pc_schedule;
  double pc_preparation_s;            // before a raise starts allocating (estimated: "a minute or two")
  double pc_allocation_envs_per_min;  // 6,000 per function (documented)
  double price_usd_per_gb_s;          // of the chosen architecture
  double price_usd_per_request;
  double billing_granularity_s;
  bool bill_init;
  double pc_price_usd_per_gb_s;
  double pc_exec_price_usd_per_gb_s;
  double store_per_connection_bytes_per_s;
  double store_shared_bytes_per_s;
  double ephemeral_storage_mb;
  double ephemeral_price_usd_per_gb_s;  // of /tmp above the free 512 MB
  bool snapstart;
  // The model is fetched and loaded by an external extension started at Extension init, in parallel with the
  // runtime's init; the Init phase ends when both signal Next, and the first invocation waits for the model.
  bool model_load_in_extension;
  ColdStartPath path;  // where a cold start gets the model (platforms/aws_lambda/lambda_packaging.cpp)

  // Reads and checks the settings; `service` gives the model's packaging, whose limits are checked here;
  // `workload` the run's start and span, over which a schedule expression expands.
  static LambdaParams from(const Settings& settings, const sim::ServiceSpec& service,
                           const sim::WorkloadSpec& workload);
  double vcpu() const { return memory_mb / mb_per_vcpu < max_vcpu ? memory_mb / mb_per_vcpu : max_vcpu; }
  uint32_t concurrency_limit() const {
    return reserved_concurrency ? reserved_concurrency : account_concurrency;
  }
  // The most provisioned concurrency ever configured (the static value or a scheduled one).
  uint32_t provisioned_concurrency_max() const {
    uint32_t n = provisioned_concurrency;
    for (const auto& a : pc_schedule) n = a.environments > n ? a.environments : n;
    return n;
  }
};

// The cold-start path of `service`'s packaging on Lambda, its documented limits checked: zip and layer
// (250 MB unzipped, at most 5 layers), image (10 GB, lazily loaded), efs (per-client throughput),
// object-store (downloaded to /tmp, which must hold it); SnapStart restores instead (not with images, EFS,
// provisioned concurrency or /tmp above 512 MB). Throws InputError naming the limit and the options.
ColdStartPath lambda_cold_start_path(const Settings& settings, const LambdaParams& params,
                                     const sim::ServiceSpec& service);

// Told how each invocation ended, by a LambdaModel that an event source mapping drives
// (platforms/aws_lambda/sqs_event_source.hpp) instead of the run's clients: the function bills and scales as
// always, the observer counts the messages.
class InvocationObserver {
 public:
  enum class End : uint8_t { ok, function_error, throttled };
  virtual ~InvocationObserver() = default;
  // Invocation `id` (LambdaModel::invoke) ended at t_s.
  virtual void invocation_ended(uint32_t id, double t_s, End end) = 0;
};

class LambdaModel : public sim::PlatformModel {
 public:
  LambdaModel(const LambdaParams& params, const sim::Scenario& scenario);

  std::string platform() const override { return "aws-lambda"; }
  void build(sim::PlatformBuilder& builder) override;
  void start(sim::ModelContext& ctx) override;
  void on_arrival(double t_s, double origin_s, uint32_t attempt) override;
  double next_event_s() const override;
  void handle_next_event() override;
  void on_transfer_done(uint64_t tag, double t_s) override;
  bool has_work() const override { return !events_.empty() || pending_cold_ > 0; }
  void finish(double t_end_s) override;
  bool supports(sim::FaultSpec::Kind kind) const override {
    return kind != sim::FaultSpec::Kind::node_failure;
  }
  void set_concurrency_cap(double t_s, uint32_t cap, int fault) override;
  std::vector<std::pair<std::string, uint64_t>> cold_start_sources() const override;
  sim::ColdStartParts cold_start_parts() const override { return parts_; }
  std::vector<std::pair<std::string, double>> lever_outcome() const override;

  // Event source mode: from now on every invocation ends at `observer` (no served/timed-out/throttled counts,
  // no client retries). Invocation `id` at t_s processes `items` messages: its service time is the sum of
  // `items` draws of the warm service time.
  void set_observer(InvocationObserver* observer) { observer_ = observer; }
  void invoke(double t_s, uint32_t id, uint32_t items) {
    items_ = items;
    attempt(t_s, t_s, id);
    items_ = 1;
  }

 private:
  enum class Kind : uint8_t { complete, retry, download, crash };
  struct Event {
    double t_s;
    double arrival_s;  // first arrival of the request (latency is measured from it)
    double billed_s;   // duration to bill (complete, crash)
    uint32_t slot;     // cold-start slot (download), held retry (retry), else the attempt number
    Kind kind;
    bool provisioned;  // served by a provisioned environment
    bool timed_out;    // stopped by the function timeout
    // The execution environment (complete, crash; its serial: never reused, a replacement is a new one) and
    // the request's input key, told to a composite as sim::ServedBy (a state store's instance cache).
    uint64_t environment;
    uint64_t key;
  };
  // The heap holds (time, slab index) pairs, 16 bytes, rather than the 48-byte events: a sift moves less.
  struct Pending {
    double t_s;
    uint32_t index;  // into event_slab_
  };
  struct Later {
    bool operator()(const Pending& a, const Pending& b) const { return a.t_s > b.t_s; }
  };
  struct ColdStart {
    double arrival_s, began_s, init_s, load_s, service_s;
    uint32_t attempt;
    uint64_t environment, key;
  };
  // Which environment runs an invocation and for which input key (Event::environment, Event::key).
  struct Runner {
    uint64_t environment;
    uint64_t key;
  };

  void attempt(double t_s, double arrival_s, uint32_t attempt_no);
  uint32_t hold_retry(uint32_t attempt_no);  // the held retry's index, for Event::slot
  // The environment starts at t_s (init_s of cold start first); `now_s` >= t_s is the current time (a cold
  // start that waited for its download), from which a crash can strike. init_phase_s (< 0: init_s) is the
  // part of init_s that is Lambda's Init phase, the rest a wait inside the first invocation (a model that an
  // extension loads in the background): the 10 s init limit applies to the Init phase.
  void begin_service(double t_s, double now_s, double arrival_s, uint32_t attempt_no, double init_s,
                     double service_s, bool provisioned, Runner runner, double init_phase_s = -1);
  // The input key of the request being offered (kNoKey: none, or an event source's invocation).
  uint64_t offered_key() const { return request_key_ ? *request_key_ : sim::kNoKey; }
  void complete(const Event& e);
  // The environment of E is free (idle or provisioned). Inline, as work_s(): once per request.
  inline void release_environment(const Event& e, double t_s);
  void crash(const Event& e);
  void bill(const Event& e);  // the request charge and the invoke's GB-s, rounded up to the granularity
  bool idle_crashed(double idle_since_s, double t_s);
  uint32_t limit() const { return cap_ < p_.concurrency_limit() ? cap_ : p_.concurrency_limit(); }
  bool take_scaling_slot(double t_s);
  void push(const Event& e);
  void report_instances(double t_s);
  // Scheduled provisioned concurrency: the next action's or allocation's time (kept in pc_next_change_s_,
  // which only apply_pc_change() moves: next_event_s asks on every event), and applying it.
  double next_pc_change_s() const {
    const double action_s =
        pc_next_action_ < p_.pc_schedule.size() ? p_.pc_schedule[pc_next_action_].at_s : pc_ready_at_s_;
    return action_s < pc_ready_at_s_ ? action_s : pc_ready_at_s_;
  }
  void apply_pc_change();
  void apply_pc_step();               // apply_pc_change()'s work
  void bill_provisioned(double t_s);  // the configured provisioned concurrency's GB-s up to t_s
  // A provisioned environment's invocation ended: it idles, or goes if a cut is waiting for it.
  void return_provisioned(uint64_t environment);
  // The warm service time of the invocation being started (items_ draws), at this memory.
  inline double work_s();

  LambdaParams p_;
  sim::ServiceSpec service_;
  sim::SloSpec slo_;
  double speed_factor_;  // service-time multiplier at this memory size
  double memory_gb_;
  sim::Recorder* rec_ = nullptr;
  sim::TransferPool* transfers_ = nullptr;
  const sim::RequestTokens* tokens_ = nullptr;  // of the request being offered (ModelContext)
  const uint64_t* request_key_ = nullptr;       // of the request being offered (ModelContext)
  sim::ServedBy* served_by_ = nullptr;          // who answers the request being reported (ModelContext)
  sim::Rng* rng_ = nullptr;
  // Which asynchronous attempts end in a function error (function_error_probability): the seed's own stream,
  // drawn once per completed attempt only when the probability is set.
  sim::Rng error_rng_;
  sim::Client* client_ = nullptr;
  const sim::CrashHazard* crashes_ = nullptr;
  sim::TransferRoute store_route_;
  uint32_t cap_ = UINT32_MAX;  // throttling storm in force (UINT32_MAX: none)
  int cap_fault_ = -1;
  int cost_compute_ = 0, cost_requests_ = 0, cost_pc_ = 0, cost_pc_exec_ = 0, cost_ephemeral_ = -1;
  sim::ColdStartParts parts_;

  std::vector<Pending> events_;        // min-heap on t_s
  std::vector<Event> event_slab_;      // the events, by Pending::index
  std::vector<uint32_t> free_events_;  // free indices of event_slab_
  struct Idle {
    double since_s;
    uint64_t environment;
  };
  std::deque<Idle> idle_since_;  // on-demand idle environments, oldest idle first (MRU reuse at the back)
  uint32_t busy_ = 0;            // environments serving or initialising (= concurrency in use)
  // Idle provisioned environments (the last one is used first); their serials.
  std::vector<uint64_t> pc_idle_;
  uint64_t environments_made_ = 0;  // serials handed out (new_environment())
  uint64_t new_environment() { return environments_made_++; }
  // Scheduled provisioned concurrency (p_.pc_schedule). pc_allocated_ environments exist (idle or busy);
  // pc_release_ of the busy ones go when their request ends (a cut); pc_pending_ more become usable at
  // pc_ready_at_s_ (a raise, all at once).
  uint32_t pc_configured_ = 0, pc_allocated_ = 0, pc_release_ = 0, pc_pending_ = 0;
  double pc_ready_at_s_ = kNever;
  double pc_billed_until_s_ = 0;
  size_t pc_next_action_ = 0;
  double pc_next_change_s_ = kNever;  // next_pc_change_s(), as of the last change
  uint64_t pc_allocations_ = 0, pc_invocations_ = 0, pc_cold_while_allocating_ = 0;
  std::vector<double> creations_;  // ring of the last scale_rate_envs creation times
  size_t creation_head_ = 0;
  std::vector<ColdStart> cold_;  // cold starts waiting for their model download, by slot
  std::vector<uint32_t> free_slots_;
  // A throttled attempt's retry, held until its time: its attempt number and the request's tokens (the model
  // only sees a request's tokens while it is being offered; a retry must keep the prompt it was sent with).
  struct HeldRetry {
    uint32_t attempt;
    sim::RequestTokens tokens;
    uint64_t key;
  };
  std::vector<HeldRetry> retries_;
  std::vector<uint32_t> free_retries_;
  uint32_t pending_cold_ = 0;
  ModelCache cache_;  // layered model cache on the workers (off unless the scenario gives one)
  InvocationObserver* observer_ = nullptr;
  uint32_t items_ = 1;
};

}  // namespace servesim::platforms
