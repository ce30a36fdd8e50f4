#pragma once
// A serving topology (candidate "platform": "topology"): a DAG of stages that a request walks from the entry
// stage until one of them answers it. Model and edge-device stages are ordinary platform models built by
// the model factory (each with the stage's service times), driven by this composite: it forwards the run
// loop's calls to them, gives each its own Recorder whose listener tells it when the stage is done with a
// request, and routes the request on (cascade with a stop probability, cache miss, offload, model
// selection) or records the end-to-end outcome in the candidate's recorder. Every stage receives the
// request's first arrival as origin_s, so the latency a stage reports is end-to-end. See docs/topology.md.
//
// Transfers: all stages share the candidate's TransferPool. While the composite hands a call to stage k it
// sets the pool's tag base to k << 48 (models use small tags: slot and instance indices), so a completion's
// high bits name the stage and the low bits are the tag the stage gave.
#include <cstdint>
#include <memory>
#include <vector>

#include "platforms/topology/edge_cache.hpp"
#include "platforms/topology/topology_spec.hpp"
#include "sim/arrival_source.hpp"
#include "sim/platform_model.hpp"
#include "sim/scenario.hpp"

namespace servesim::platforms {

class TopologyModel : public sim::PlatformModel {
 public:
  static constexpr const char* kPlatform = "topology";

  TopologyModel(TopologySpec spec, const sim::Scenario& scenario);
  ~TopologyModel() override;

  std::string platform() const override { return kPlatform; }
  void build(sim::PlatformBuilder& builder) override;
  void start(sim::ModelContext& ctx) override;
  void on_arrival(double t_s, double origin_s, uint32_t attempt) override;
  double next_event_s() const override;
  void handle_next_event() override;
  void on_transfer_done(uint64_t tag, double t_s) override;
  bool has_work() const override;
  void finish(double t_end_s) override;
  bool supports(sim::FaultSpec::Kind kind) const override;
  void set_concurrency_cap(double t_s, uint32_t cap, int fault) override;
  void fail_nodes(double t_s, uint32_t nodes, int fault) override;
  std::vector<sim::StageCounts> stage_counts() const override;
  // Its model stages' levers (startup probes, session affinity), each named "<stage>/<lever>".
  std::vector<std::pair<std::string, double>> lever_outcome() const override;
  // The weakest of its model stages': estimated if any is, else calibrated if any is, else measured.
  std::string latency_source() const override;
  sim::WorkflowOutcome workflow_outcome() const override;
  sim::TrainingOutcome training_outcome() const override;

 private:
  struct Stage;
  // What drives a topology whose model stages are tasks (topology_task_driver.hpp): a workflow's engine
  // (topology_workflow.hpp, docs/workflows.md: executions, map runs, task retries and timeouts, the engine's
  // bill) or a training job's data pipeline (topology_training.cpp, docs/training.md: preprocessing shards
  // feeding the GPU steps of jobs queued on a GPU pool, the pool's bill).
  class TaskDriver;
  class Workflow;
  class Training;
  struct Hit {
    double t_s, origin_s;
  };
  struct Later {
    bool operator()(const Hit& a, const Hit& b) const { return a.t_s > b.t_s; }
  };
  class TagScope;

  // A request (first sent at origin_s) reaches stage k at t_s.
  void route(size_t k, double t_s, double origin_s, uint32_t attempt);
  // Stage k answered a request at t_s, latency_s after its origin.
  void stage_served(size_t k, double t_s, double latency_s);
  void stage_instances(size_t k, double t_s, uint32_t busy, uint32_t idle);
  // Edge device k offloads a request: it uploads over the device's uplink, then goes to the next stage.
  void upload(size_t k, double t_s, double origin_s, uint32_t attempt);
  // State-store visits (docs/topology.md): a request's accesses one after another, each answered (or
  // throttled) by the stage's StateStore; an event per answer, retry and final throttle.
  struct Visit {
    double origin_s, entered_s;
    uint64_t key;
    uint32_t attempt, stage, reads_left, writes_left, tries;
  };
  struct StoreEvent {
    enum class What : uint8_t { answered, retry, throttled };
    double t_s;
    uint64_t seq;  // ties at the same time in the order they were made (determinism)
    uint32_t visit;
    What what;
  };
  struct StoreLater {
    bool operator()(const StoreEvent& a, const StoreEvent& b) const {
      return a.t_s > b.t_s || (a.t_s == b.t_s && a.seq > b.seq);
    }
  };
  void store_visit(size_t k, double t_s, double origin_s, uint32_t attempt);
  // The reads a visit of state-store k makes for the request being routed: none when its instance cache
  // holds the session (counted in the stage's instance-cache hits and misses), else the stage's reads.
  uint32_t instance_cache_reads(size_t k);
  void store_access(uint32_t visit, double t_s);
  void store_event(const StoreEvent& e);
  void store_done(uint32_t visit, double t_s);
  // Workflows: sends a task attempt to model stage k at t_s (its own origin: platform timeouts are per task);
  // the stage's counts.
  void send_task(size_t k, double t_s);
  sim::StageCounts& counts_of(size_t k);
  // Workflows: a split stage k as a Choice state: the index (in edge order) of the next stage it picks at
  // t_s, counted in its `routed`.
  size_t choose(size_t k, double t_s);

  TopologySpec spec_;
  std::vector<std::unique_ptr<Stage>> stages_;
  sim::Recorder* rec_ = nullptr;
  sim::TransferPool* transfers_ = nullptr;
  const uint64_t* request_key_ = nullptr;  // the run loop's key of the request being offered
  uint64_t current_key_ = sim::kNoKey;     // the key of the request being routed now
  // The model stage and the instance that answered the request being routed now (after a model stage whose
  // fleet tells it, sim::ServedBy), for a state store's instance cache.
  struct Served {
    uint32_t stage = 0;
    uint64_t instance = sim::ServedBy::kNoInstance;
  };
  Served current_served_;
  struct Upload {
    double origin_s;
    uint64_t key;
    uint32_t attempt, stage;
  };
  std::vector<Upload> uploads_;         // by transfer tag (slot); free slots are reused
  std::vector<uint32_t> free_uploads_;  // slots not in use: uploads in flight = the rest
  std::vector<Visit> visits_;           // by slot; free slots are reused
  std::vector<uint32_t> free_visits_;
  std::vector<StoreEvent> store_events_;  // min-heap on (t_s, seq)
  uint64_t store_seq_ = 0;
  double timeout_s_ = 0;  // the client's timeout (slo.timeout_s): a request a store ends later timed out
  sim::Client* client_ = nullptr;  // the candidate's
  sim::Rng rng_{0};                // routing decisions, cache keys and complexity scores (seeded in start())
  std::vector<Hit> hits_;          // cache hits waiting to be answered (min-heap on t_s)
  uint32_t busy_ = 0, idle_ = 0;   // instances summed over the stages
  std::unique_ptr<TaskDriver> driver_;  // with "workflow" or "training" only
  const Workflow* workflow_ = nullptr;  // driver_, with "workflow"
  const Training* training_ = nullptr;  // driver_, with "training"
  size_t faults_ = 0;                   // the scenario's faults (a workflow stage's own client counts them)
};

}  // namespace servesim::platforms
