#pragma once
// The contract between the run loop (sim/) and a platform model (platforms/). A model owns its instances, its
// own event queue and its billing; the loop feeds it arrivals in time order, asks for its next event, and
// hands it the SimGrid transfers it started once they complete.
#include <simgrid/forward.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "sim/client.hpp"
#include "sim/faults.hpp"
#include "sim/recorder.hpp"
#include "sim/rng.hpp"
#include "sim/run_result.hpp"
#include "sim/transfer_pool.hpp"

namespace servesim::sim {

struct StoreLink {
  simgrid::s4u::Link* link;
  double bytes_per_s;
};

// Where a model creates the SimGrid resources it needs (hosts and links), before the platform is sealed.
class PlatformBuilder {
 public:
  // `slow_factors`: the bandwidth factors of the slow-storage faults of this candidate (route() makes a
  // slow variant of every route for each).
  PlatformBuilder(simgrid::s4u::NetZone* zone, std::string prefix, std::vector<double> slow_factors = {})
      : zone_(zone), prefix_(std::move(prefix)), slow_factors_(std::move(slow_factors)) {}
  simgrid::s4u::Host* host(const std::string& name, double flops_per_s);
  // A store->fleet route with the given shared bandwidth and per-connection ceiling.
  TransferRoute route(simgrid::s4u::Host* from, simgrid::s4u::Host* to, double shared_bytes_per_s,
                      double per_connection_bytes_per_s, const std::string& link_name);

  // A network route that is not model storage (an edge device's uplink): one shared link of the given
  // bandwidth and one-way latency, not slowed by slow-storage faults.
  TransferRoute network_route(simgrid::s4u::Host* from, simgrid::s4u::Host* to, double bytes_per_s,
                              double latency_s, const std::string& link_name);

  // The links route() made, with their nominal bandwidth and latency (slow-storage faults change them).
  const std::vector<StoreLink>& links() const { return links_; }
  // The pool's bulk twins of a route to `to` over `shared` (sim/transfer_pool.hpp).
  BulkTwin bulk_twin(simgrid::s4u::Link* shared, simgrid::s4u::Host* to, const std::string& name);
  // Prefixed to the names of the hosts and links made from now on ("" = none): a composite model builds each
  // of its stages in its own scope, so that two stages of one platform do not make the same names.
  void set_scope(std::string scope) { scope_ = std::move(scope); }

 private:
  simgrid::s4u::NetZone* zone_;
  std::string prefix_;
  std::string scope_;
  std::vector<StoreLink> links_;
  std::vector<double> slow_factors_;
};

// Who answered the request a model is reporting served: written by a fleet of instances just before it
// reports the answer (valid during that Recorder::served call, cleared after), for a composite that routes
// the request on (a topology's state store with an instance cache). key: the request's key; instance: the
// instance's identity, distinct for every ready period of every instance of the model (kNoInstance: not
// known).
struct ServedBy {
  static constexpr uint64_t kNoInstance = UINT64_MAX;
  uint64_t key = kNoKey;
  uint64_t instance = kNoInstance;
};

struct ModelContext {
  Recorder& recorder;
  TransferPool& transfers;
  Rng& rng;
  Client& client;              // retries (with the budget) and failures go through it
  const CrashHazard& crashes;  // instance crash rate over time (disabled when the scenario has none)
  // The input key of the request being offered, valid during on_arrival (kNoKey: the workload has no keys, or
  // a retry whose key was lost inside a platform model). Read by a topology's edge cache with "keys":
  // "trace".
  const uint64_t* request_key = nullptr;
  // The token counts of the request being offered, valid during on_arrival ({0, 0}: the workload has none,
  // or a retry whose counts were lost inside a platform model). Read by token-level models.
  const RequestTokens* request_tokens = nullptr;
  // Where a fleet model writes who answers a request it reports served (null: nobody reads it).
  ServedBy* served_by = nullptr;
};

class PlatformModel {
 public:
  static constexpr double kNever = std::numeric_limits<double>::infinity();
  virtual ~PlatformModel() = default;

  virtual std::string platform() const = 0;
  // Create SimGrid hosts and links (called before the platform is sealed). Default: none.
  virtual void build(PlatformBuilder& builder) { (void)builder; }
  // Called once at time 0 with the run's recorder, transfers and random stream.
  virtual void start(ModelContext& ctx) = 0;
  // Attempt `attempt` (0 = first) of a request first sent at origin_s (latency is measured from it) reaches
  // the platform at t_s.
  virtual void on_arrival(double t_s, double origin_s, uint32_t attempt) = 0;
  // Time of the model's next internal event (completion, retry, reclaim, scaling tick); kNever if none.
  virtual double next_event_s() const = 0;
  virtual void handle_next_event() = 0;
  virtual void on_transfer_done(uint64_t tag, double t_s) {
    (void)tag;
    (void)t_s;
  }
  // True while requests are in flight (being served, queued, initialising or waiting to retry).
  virtual bool has_work() const = 0;
  // End of the run at t_end_s: bill standing capacity up to then.
  virtual void finish(double t_end_s) = 0;

  // Faults the model itself applies (outages are the run loop's, slow storage SimGrid's). A model that
  // returns false for a kind the scenario injects is refused before the run with an error naming the fault.
  virtual bool supports(FaultSpec::Kind kind) const {
    return kind == FaultSpec::Kind::outage || kind == FaultSpec::Kind::slow_storage;
  }
  // Throttling storm: from t_s the concurrency (or instance count) may not exceed `cap` (UINT32_MAX: the
  // storm is over); throttles it causes are attributed to fault `fault`.
  virtual void set_concurrency_cap(double t_s, uint32_t cap, int fault) {
    (void)t_s;
    (void)cap;
    (void)fault;
  }
  // Per-stage counts of a composite model (platforms/topology_model.hpp), for summary.json; empty otherwise.
  virtual std::vector<StageCounts> stage_counts() const { return {}; }
  // What the candidate's service times rest on (docs/models/gpu-latency.md): "measured" (the scenario's
  // service times, a model profile's, or a measured GPU batch-latency table), "calibrated" (the GPU latency
  // model at a class and precision fitted on MLPerf results) or "estimated" (any other modelled latency).
  virtual std::string latency_source() const { return "measured"; }
  // Cold starts per source of the model (layered model cache); empty when the model has none.
  virtual std::vector<std::pair<std::string, uint64_t>> cold_start_sources() const { return {}; }
  // Where the cold starts' time went (summary.json shows it when the scenario names cold_start.source).
  virtual ColdStartParts cold_start_parts() const { return {}; }
  // What the candidate's cold-start levers did (scheduled provisioned concurrency, startup probes), as named
  // counts and sums for summary.json "levers" (a name ending in _s is a duration in seconds, any other a
  // count); empty when the candidate uses none.
  virtual std::vector<std::pair<std::string, double>> lever_outcome() const { return {}; }
  // What a token-level model measured (time to first token, per output token, KV cache); not present
  // otherwise.
  virtual LlmOutcome llm_outcome() const { return {}; }
  // What its event source mapping did (scenario "event_source"); not present for a model without one.
  virtual EventSourceOutcome event_source_outcome() const { return {}; }
  // What its workflow engine did (a workflow topology); not present otherwise.
  virtual WorkflowOutcome workflow_outcome() const { return {}; }
  // What its training jobs did (a training topology); not present otherwise.
  virtual TrainingOutcome training_outcome() const { return {}; }
  // True when the model consumes the scenario's event source (a model that does not is refused when the
  // scenario has one).
  virtual bool consumes_event_source() const { return false; }
  // True when the model serves service.llm token by token (continuous batching on GPUs).
  virtual bool token_level() const { return false; }
  // `nodes` nodes fail at t_s: their pods and the requests on them are lost.
  virtual void fail_nodes(double t_s, uint32_t nodes, int fault) {
    (void)t_s;
    (void)nodes;
    (void)fault;
  }
};

}  // namespace servesim::sim
