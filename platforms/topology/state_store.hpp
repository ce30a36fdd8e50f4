#pragma once
// External state stores for a topology's "state-store" stage (docs/topology.md): the catalogue of services
// (platforms/topology/state-stores.json: latency laws, units, throughput limits, SDK retries, prices, each
// with its source) and the store a stage simulates: each access takes a lognormal latency, and the store's
// throughput limit either throttles it (provisioned capacity, a token bucket with burst) or queues it
// (nodes serving so many operations per second).
//   StateStoreSettings s = read_state_store(stage_json_fields);   // in topology_spec.cpp
//   StateStore store(s);  auto a = store.access(/*is_write=*/true, t_s, rng);
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/json_fields.hpp"
#include "sim/rng.hpp"

namespace servesim::platforms {

// One service of the catalogue; `parameters` are the numbers by key (units in the key or the JSON's "unit").
struct StateStoreService {
  std::string service;  // "dynamodb-on-demand", ...
  std::string title;
  std::string billing;     // request (per unit) | provisioned (per capacity-hour) | node (per node-hour)
  std::string throttling;  // none | token-bucket | queue
  bool shared_capacity = false;  // provisioned: reads and writes draw on one capacity (Cosmos DB RU/s)
  std::string node_type;         // node billing: the node type the price is for
  std::string limits;            // what is and is not simulated, with sources
  std::map<std::string, double> parameters;
};

// The catalogue file's text as compiled in (`servesim catalog state-stores --json` prints it).
const std::string& embedded_state_stores();
const std::vector<StateStoreService>& state_store_catalog();
const StateStoreService* find_state_store(const std::string& service);
std::string state_store_names();  // "dynamodb-on-demand, dynamodb-provisioned, ..."

// A stage's store: the service's numbers with the stage's overrides, and the stage's own settings.
struct StateStoreSettings {
  std::string service;
  std::map<std::string, double> p;  // the service's parameters, overridden by the stage's keys
  std::string billing, throttling;
  bool shared_capacity = false;
  bool retry_after = false;         // the SDK waits the server's retry-after hint (Cosmos DB), not a backoff
  uint32_t reads = 1, writes = 1;   // accesses per request
  double item_kb = 1;               // [KB] size of the state item read and written
  bool strong_reads = false;        // "consistency": "strong" (default "eventual")
  double read_capacity_per_s = 0;   // provisioned: RCU (DynamoDB) or RU/s (Cosmos DB, shared)
  double write_capacity_per_s = 0;  // provisioned: WCU (DynamoDB)
  uint32_t nodes = 1;               // node billing
  double read_units = 0, write_units = 0;  // units one access takes (derived)
  // "instance_cache": the function keeps each session's item in its instance's memory; a visit from the
  // instance that made the session's previous visit reads nothing from the store (writes go through).
  bool instance_cache = false;
};

// Reads a state-store stage's keys from `f` (the stage object): service, reads, writes, item_kb,
// consistency, capacity, nodes and any catalogue parameter by its key. Throws InputError.
StateStoreSettings read_state_store(core::JsonFields& f);

class StateStore {
 public:
  explicit StateStore(const StateStoreSettings& settings);

  struct Access {
    bool throttled;  // no capacity: the service answers with a throttling error at done_s
    double done_s;   // when the answer reaches the caller
  };
  // One access at t_s (calls come in time order).
  Access access(bool is_write, double t_s, sim::Rng& rng);
  // How long the SDK waits before retry number `retry` (0 = the first) of an access throttled at t_s.
  double retry_delay_s(uint32_t retry, bool is_write, double t_s, sim::Rng& rng) const;
  uint32_t max_attempts() const { return max_attempts_; }
  // Price of one access (request billing), else 0.
  double access_usd(bool is_write) const { return is_write ? write_usd_ : read_usd_; }
  // What the run's capacity or nodes cost for t_end_s seconds (provisioned and node billing), else 0.
  double standing_usd(double t_end_s) const;
  const StateStoreSettings& settings() const { return s_; }

 private:
  struct Bucket {
    double rate_per_s = 0, capacity = 0, tokens = 0, t_s = 0;
    void refill(double t);
  };
  double draw_latency_s(bool is_write, sim::Rng& rng) const;

  StateStoreSettings s_;
  double read_mu_, read_sigma_, write_mu_, write_sigma_;  // ln-space lognormal parameters [ln s]
  double read_usd_ = 0, write_usd_ = 0;
  uint32_t max_attempts_ = 1;
  Bucket read_bucket_, write_bucket_;
  std::vector<double> node_free_s_;  // queue: when each node is next free
  double service_s_ = 0;             // queue: one operation's time on a node
};

}  // namespace servesim::platforms
