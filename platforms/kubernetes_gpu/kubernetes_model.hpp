#pragma once
// Kubernetes GPU inference: a Deployment of pods with one GPU each on a node pool (node_pool.hpp), scaled by
// the Horizontal Pod Autoscaler (hpa_controller.hpp) or by KEDA (the same HPA plus activation from and scale
// to zero); a scale-down deletes pods in the ReplicaSet's order (replica_set.hpp). A Service spreads requests
// round-robin over the ready pods (service_endpoints.hpp); each pod batches dynamically (dynamic_batcher.hpp:
// a batch leaves when it holds max_batch_size requests or when its oldest request has waited
// max_queue_delay) and runs one batch at a time on its GPU for the batch latency
// (platforms/fleet/batch_latency.hpp: measured, or ESTIMATED by a roofline). While no pod is ready, requests
// wait at the ingress (queue_capacity, then dropped). New nodes boot, set up the GPU driver and pull the
// image over a registry link shared by the nodes pulling at the same time (a SimGrid transfer). A removed pod
// drains and holds its GPU for terminationGracePeriodSeconds. See docs/models/kubernetes-gpu.md.
//
// With service.llm each pod is instead one replica of a token-level language-model server on
// llm_tensor_parallel GPUs (platforms/fleet/llm_engine.hpp: continuous batching, paged KV cache), and a
// request's service depends on its prompt and output tokens (docs/models/llm-serving.md).
#include <cstdint>
#include <memory>
#include <vector>

#include "platforms/fleet/batch_latency.hpp"
#include "platforms/fleet/llm_serving.hpp"
#include "platforms/fleet/request_ring.hpp"
#include "platforms/kubernetes_gpu/approx_prefix_tree.hpp"
#include "platforms/kubernetes_gpu/dynamic_batcher.hpp"
#include "platforms/kubernetes_gpu/hpa_controller.hpp"
#include "platforms/kubernetes_gpu/kubernetes_params.hpp"
#include "platforms/kubernetes_gpu/node_pool.hpp"
#include "platforms/kubernetes_gpu/replica_set.hpp"
#include "platforms/kubernetes_gpu/service_endpoints.hpp"
#include "sim/platform_model.hpp"
#include "sim/scenario.hpp"

namespace servesim::platforms {

class KubernetesModel : public sim::PlatformModel {
 public:
  KubernetesModel(const KubernetesParams& params, const sim::Scenario& scenario);

  std::string platform() const override { return "kubernetes-gpu"; }
  std::string latency_source() const override { return p_.latency_source; }
  void build(sim::PlatformBuilder& builder) override;
  void start(sim::ModelContext& ctx) override;
  void on_arrival(double t_s, double origin_s, uint32_t attempt) override;
  double next_event_s() const override;
  void handle_next_event() override;
  void on_transfer_done(uint64_t tag, double t_s) override;
  sim::ColdStartParts cold_start_parts() const override { return parts_; }
  std::vector<std::pair<std::string, double>> lever_outcome() const override;
  sim::LlmOutcome llm_outcome() const override;
  bool token_level() const override { return llm_.timing != nullptr; }
  bool has_work() const override { return in_system_ > 0; }
  void finish(double t_end_s) override;
  bool supports(sim::FaultSpec::Kind kind) const override {
    return kind == sim::FaultSpec::Kind::node_failure || kind == sim::FaultSpec::Kind::crash ||
           sim::PlatformModel::supports(kind);
  }
  // Ready nodes (chosen at random) fail: the requests on their pods fail, the ReplicaSet recreates the pods
  // elsewhere or pending for the node provisioner (new node, image pull, model load).
  void fail_nodes(double t_s, uint32_t nodes, int fault) override;

  // For tests and reports.
  const NodePool& nodes() const { return pool_; }
  uint32_t replicas() const { return replicas_; }
  const BatchLatency& batch_latency() const { return latency_; }

 private:
  using PodState = PodPhase;
  struct Pod {
    PodState state = PodState::gone;
    int32_t node = -1;
    uint32_t life = 0;      // serial of this incarnation (stale events carry an older one)
    uint32_t deadline = 0;  // serial of the armed batch deadline (0: none)
    uint32_t in_batch = 0;  // the first in_batch requests of queue are on the GPU
    double created_s = 0, ready_since_s = 0, batch_start_s = 0;
    double busy_s = 0;    // GPU-busy time in the current metric window
    uint64_t routed = 0;  // requests routed to it in the current metric window
    RequestRing queue;
    uint32_t probe_restarts = 0;        // containers killed by the startup probe (CrashLoopBackOff grows)
    std::unique_ptr<LlmEngine> engine;  // service.llm: the replica's server (else null)
    double kv_utilization = 0;          // service.llm: at the start of the running iteration
  };
  enum class Kind : uint8_t {
    pod_ready,
    pod_gone,
    batch_done,
    batch_deadline,
    node_launch,
    node_pull,
    pod_crash,
    llm_step,
    probe_kill,    // the startup probe failed failure_threshold times: the container is killed
    probe_restart  // CrashLoopBackOff over: the container starts again
  };
  struct Event {
    double t_s;
    uint32_t id;
    uint32_t serial;
    Kind kind;
  };
  struct Later {
    bool operator()(const Event& a, const Event& b) const { return a.t_s > b.t_s; }
  };

  // Requests and batching (kubernetes_model.cpp).
  void route(double t_s, const WaitingRequest& r, bool counted_queued);
  // A request the service cannot take (full ingress, killed pod): dropped, or an async event retried.
  void refuse(double t_s, double origin_s, uint32_t attempt, uint32_t input_tokens, uint32_t output_tokens,
              std::shared_ptr<const sim::RequestPrefix> prefix);
  void try_dispatch(uint32_t pod, double t_s);
  void batch_done(uint32_t pod, double t_s);
  void flush_ingress(double t_s);
  void expire_ingress(double t_s);
  void work_changed(uint32_t pod, bool had_work, double t_s);
  void report_instances(double t_s);
  bool has_requests(const Pod& pod) const { return pod.engine ? pod.engine->has_work() : !pod.queue.empty(); }
  // service.llm (kubernetes_model.cpp): requests join a replica's continuous batch; an iteration ends.
  void llm_route(uint32_t pod, double t_s, const WaitingRequest& r, bool counted_queued);
  uint32_t llm_pick(const WaitingRequest& r, double t_s);  // the ready pod p_.llm_routing sends r to
  void llm_kick(uint32_t pod, double t_s);
  void llm_step(uint32_t pod, double t_s);
  // Removes a lost or killed pod's requests: f(request, started).
  template <class F>
  void drain_pod(Pod& pod, F&& f) {
    if (pod.engine) {
      pod.engine->drain(f);
      return;
    }
    for (uint32_t k = 0; !pod.queue.empty(); ++k) {
      const WaitingRequest r = pod.queue.front();
      pod.queue.pop_front();
      f(LlmRequest{.arrival_s = r.arrival_s, .attempt = r.attempt}, k < pod.in_batch);
    }
  }
  void push(const Event& e);

  // Pods, nodes and autoscalers (kubernetes_cluster.cpp).
  uint32_t create_pod(double t_s, bool ready_now);
  void start_pod(uint32_t pod, double t_s);
  // The container starts at t_s and is loaded ready_after_s later; the startup probe decides when it is an
  // endpoint (or kills it).
  void start_container(uint32_t pod, double t_s, double ready_after_s);
  void probe_kill(uint32_t pod, double t_s);
  void pod_ready(uint32_t pod, double t_s);
  void remove_pod(uint32_t pod, double t_s);
  void pod_gone(uint32_t pod, double t_s);
  void scale_to(uint32_t desired, double t_s);
  void place_pending(double t_s);
  void request_nodes(uint32_t count, double t_s);
  void node_ready(uint32_t node, double t_s);
  void hpa_sync(double t_s);
  void keda_poll(double t_s);
  void ca_scan(double t_s);
  void lose_pod(uint32_t pod, uint32_t node, double t_s, int fault);
  void pod_crash(uint32_t pod, double t_s);

  // The engine's report of a finished request: outcome, latency and the token metrics.
  class LlmSink final : public LlmEngine::Sink {
   public:
    explicit LlmSink(KubernetesModel& m) : m_(m) {}
    void first_token(const LlmRequest&, double) override {}
    void finished(const LlmRequest& r, double first_token_s, double t_s) override;

   private:
    KubernetesModel& m_;
  };

  KubernetesParams p_;
  sim::ServiceSpec service_;
  sim::ColdStartParts parts_;  // pod starts only: a node's boot and image pull are not attributed to pods
  sim::SloSpec slo_;
  double wait_limit_s_ = 0;  // the clients' wait for a queued request (sim::Client::wait_limit_s)
  DynamicBatcher batcher_;
  BatchLatency latency_;
  HpaController hpa_;
  NodePool pool_;
  LlmServing llm_;  // service.llm: the iteration-time model and what it rests on
  std::unique_ptr<LlmMeter> meter_;
  sim::LlmShape llm_shape_;
  LlmSink llm_sink_{*this};
  const sim::RequestTokens* tokens_ = nullptr;
  sim::Recorder* rec_ = nullptr;
  sim::TransferPool* transfers_ = nullptr;
  sim::Rng* rng_ = nullptr;
  sim::Client* client_ = nullptr;
  const sim::CrashHazard* crashes_ = nullptr;
  sim::TransferRoute registry_route_;

  std::vector<Event> events_;  // min-heap on t_s
  std::vector<Pod> pods_;
  std::vector<uint32_t> free_pods_;
  ServiceEndpoints ready_;                 // ready pods, the Service's endpoints
  std::vector<ReplicaView> replica_view_;  // llm_pick's scratch
  // prefix-aware-approx: the gateway's record per pod (by pod id), and when it next trims them.
  std::vector<ApproxPrefixTree> approx_trees_;
  double next_tree_eviction_s_ = 0;
  std::vector<uint32_t> unplaced_;  // pending pods without a node, oldest first
  RequestRing ingress_;             // requests waiting while no pod is ready
  uint32_t serial_ = 0;
  uint32_t replicas_ = 0;                           // the Deployment's replicas: pods not terminating
  uint32_t starting_ = 0, held_ = 0, working_ = 0;  // held = ready + terminating; working = with requests
  uint32_t reported_busy_ = ~0u, reported_idle_ = ~0u;
  uint64_t in_system_ = 0;  // requests queued or on a GPU
  uint64_t arrivals_since_poll_ = 0;
  uint64_t probe_passed_ = 0, probe_kills_ = 0;
  double probe_wait_s_ = 0;  // from the model loaded to the probe that passed, summed
  double window_start_s_ = 0, last_active_s_ = 0;
  double next_hpa_s_ = 0, next_ca_s_ = 0, next_keda_s_ = kNever;
};

}  // namespace servesim::platforms
