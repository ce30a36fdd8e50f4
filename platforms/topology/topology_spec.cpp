#include "platforms/topology/topology_spec.hpp"

#include <algorithm>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/depth_first_search.hpp>
#include <optional>

#include "core/input_error.hpp"
#include "core/json_fields.hpp"
#include "platforms/topology/hpo_search.hpp"
#include "platforms/topology/wait_spec.hpp"

namespace servesim::platforms {

const char* StageSpec::kind_name(Kind kind) {
  switch (kind) {
    case Kind::edge_cache:
      return "edge-cache";
    case Kind::edge_device:
      return "edge-device";
    case Kind::select:
      return "select";
    case Kind::model:
      return "model";
    case Kind::state_store:
      return "state-store";
    case Kind::map:
      return "map";
    case Kind::split:
      return "split";
    case Kind::parallel:
      return "parallel";
    case Kind::wait:
      return "wait";
  }
  return "?";
}

namespace {

using core::JsonFields;
// Stages are vertices (same index as in TopologySpec::stages); each edge carries its index in "edges".
using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS, boost::no_property,
                                    boost::property<boost::edge_index_t, size_t>>;

// Records the first back edge a depth-first search meets: it closes a cycle.
struct CycleFinder : boost::default_dfs_visitor {
  std::optional<size_t>* back;
  explicit CycleFinder(std::optional<size_t>* found) : back(found) {}
  void back_edge(Graph::edge_descriptor e, const Graph& g) const {
    if (!*back) *back = boost::get(boost::edge_index, g, e);
  }
};

// The scenario's service with the stage's keys on top (same keys and ranges as the scenario's "service").
sim::ServiceSpec parse_service(const nlohmann::json& j, const std::string& file, const std::string& pointer,
                               sim::ServiceSpec s) {
  JsonFields f(j, file, pointer);
  auto distribution = [](JsonFields& g, const std::string& key, const sim::Distribution& fallback) {
    if (!g.has(key)) return fallback;
    return sim::Distribution::from_json(g.child(key), g.file(), g.pointer(key));
  };
  s.warm_s = distribution(f, "warm", s.warm_s);
  s.reference_vcpu = f.number("reference_vcpu", s.reference_vcpu, 0.01, 1024);
  s.parallel_fraction = f.number("parallel_fraction", s.parallel_fraction, 0.0, 1.0);
  if (f.has("cold_start")) {
    JsonFields c(f.child("cold_start"), file, f.pointer("cold_start"));
    s.runtime_init_s = distribution(c, "runtime_init", s.runtime_init_s);
    s.model_load_s = distribution(c, "model_load", s.model_load_s);
    s.model_size_mb = c.number("model_size_mb", s.model_size_mb, 0.0, 1e7);
    c.reject_unknown();
  }
  f.reject_unknown();
  return s;
}

// A workflow's keys on a stage (docs/workflows.md): a map's fan-out, a task's retry policy and timeout. Only
// model and map stages are a workflow's states, and only a workflow has maps, retries and task timeouts. A
// training topology's one stage is a model stage whose tasks may be retried (docs/training.md).
void parse_workflow_keys(JsonFields& f, StageSpec& s, bool in_workflow, bool in_training,
                         const sim::WorkloadSpec& workload) {
  using Kind = StageSpec::Kind;
  if (in_training) {
    if (s.kind != Kind::model)
      throw f.error("kind",
                    "expected \"model\" in a training topology (its stage is the preprocessing), got \"" +
                        std::string(StageSpec::kind_name(s.kind)) + "\"");
    for (const char* key : {"stop_probability", "confidence", "timeout_s", "catch"})
      if (f.has(key))
        throw f.error(key, "not used in a training topology (a shard's task ends when its platform answers)");
    if (f.has("retry")) s.retry = parse_retry(f.child("retry"), f.file(), f.pointer("retry"));
    return;
  }
  const bool workflow_state = s.kind == Kind::model || s.kind == Kind::map || s.kind == Kind::split ||
                              s.kind == Kind::parallel || s.kind == Kind::wait;
  if (in_workflow && !workflow_state)
    throw f.error(
        "kind",
        "expected \"model\", \"map\", \"split\", \"parallel\" or \"wait\" in a workflow (its states are "
        "tasks, maps, choices, parallels and waits), got \"" +
            std::string(StageSpec::kind_name(s.kind)) + "\"");
  if (!in_workflow) {
    if (s.kind == Kind::map || s.kind == Kind::parallel || s.kind == Kind::wait)
      throw f.error("kind",
                    "\"" + std::string(StageSpec::kind_name(s.kind)) +
                        "\" runs only in a workflow (give the candidate a \"workflow\": {\"engine\": ...})");
    for (const char* key : {"retry", "timeout_s", "catch"})
      if (f.has(key))
        throw f.error(key, "used only in a workflow (give the candidate a \"workflow\": {\"engine\": ...})");
    return;
  }
  if (f.has("catch") && s.kind == Kind::split)
    throw f.error("catch", "not used on a split (a Choice state does not fail)");
  if (s.kind == Kind::split || s.kind == Kind::parallel) return;
  if (s.kind == Kind::wait) return parse_wait(f, s, workload);
  if (s.kind == StageSpec::Kind::map) {
    if (!f.has("items"))
      throw f.error("items",
                    "missing (the items a map fans out to, e.g. {\"type\": \"constant\", \"value\": 20})");
    s.items = parse_items(f.child("items"), f.file(), f.pointer("items"));
    s.max_concurrency = static_cast<uint32_t>(f.integer("max_concurrency", 0, 0, 1000000));
    s.tolerated_failure_percentage = f.number("tolerated_failure_percentage", 0.0, 0.0, 100.0);
    s.map_mode = parse_map_mode(f);
    return;
  }
  for (const char* key : {"stop_probability", "confidence"})
    if (f.has(key))
      throw f.error(key, "not used in a workflow (a task goes on to its next stage when it succeeds)");
  if (f.has("retry")) s.retry = parse_retry(f.child("retry"), f.file(), f.pointer("retry"));
  s.timeout_s = f.number("timeout_s", 0.0, 0.001, 1e9);
}

// A map's concurrency against its engine's limit: Step Functions' Inline Map runs at most 40 iterations at
// once, its Distributed Map 10,000 child executions; Durable Functions has no Distributed mode.
void check_map_mode(const StageSpec& s, const WorkflowSpec& engine, const std::string& file) {
  if (s.map_mode.distributed && engine.distributed_map_concurrency == 0)
    throw input_error(file, s.pointer + "/mode",
                      std::string("expected \"inline\" on ") + WorkflowSpec::engine_name(engine.engine) +
                          " (Distributed Map is a Step Functions state), got \"distributed\"");
  if (!engine.caps_map_concurrency) return;
  const uint32_t cap =
      s.map_mode.distributed ? engine.distributed_map_concurrency : engine.inline_map_concurrency;
  if (s.max_concurrency > cap)
    throw input_error(file, s.pointer + "/max_concurrency",
                      "expected 0.." + std::to_string(cap) +
                          (s.map_mode.distributed
                               ? " (a Step Functions Distributed Map runs at most that many child executions "
                                 "at once), got "
                               : " (a Step Functions Inline Map runs at most that many iterations at once; "
                                 "\"mode\": \"distributed\" runs up to " +
                                     std::to_string(engine.distributed_map_concurrency) + "), got ") +
                          std::to_string(s.max_concurrency));
}

StageSpec parse_stage(JsonFields& f, const std::string& topology_name, const sim::Scenario& scenario,
                      bool in_workflow, bool in_training) {
  StageSpec s;
  s.id = f.required_text("id");
  if (s.id.empty()) throw f.error("id", "expected a non-empty stage id, got \"\"");
  const std::string kind = f.required_text("kind", {"edge-cache", "edge-device", "select", "model",
                                                    "state-store", "map", "split", "parallel", "wait"});
  s.kind = kind == "edge-cache"    ? StageSpec::Kind::edge_cache
           : kind == "edge-device" ? StageSpec::Kind::edge_device
           : kind == "select"      ? StageSpec::Kind::select
           : kind == "state-store" ? StageSpec::Kind::state_store
           : kind == "map"         ? StageSpec::Kind::map
           : kind == "split"       ? StageSpec::Kind::split
           : kind == "parallel"    ? StageSpec::Kind::parallel
           : kind == "wait"        ? StageSpec::Kind::wait
                                   : StageSpec::Kind::model;
  parse_workflow_keys(f, s, in_workflow, in_training, scenario.workload);
  s.service = scenario.service;
  if ((s.kind == StageSpec::Kind::model || s.kind == StageSpec::Kind::edge_device) && f.has("service"))
    s.service = parse_service(f.child("service"), f.file(), f.pointer("service"), scenario.service);
  s.candidate.name = topology_name + "/" + s.id;
  switch (s.kind) {
    case StageSpec::Kind::edge_cache:
      s.ttl_s = f.number("ttl_s", s.ttl_s, 0.0, 1e12);
      s.hit_s = f.number("hit_ms", s.hit_s * 1e3, 0.0, 1e7) / 1e3;
      s.keys_from_trace = f.text("keys", "zipf", {"zipf", "trace"}) == "trace";
      if (s.keys_from_trace) {
        if (scenario.workload.key_column.empty())
          throw f.error("keys",
                        "\"trace\" needs workload.key_column (a request trace with a column naming "
                        "each request's input)");
        for (const char* zipf_key : {"catalogue_items", "zipf_s"})
          if (f.has(zipf_key))
            throw f.error(zipf_key, "not used with \"keys\": \"trace\" (the trace's keys are the catalogue)");
      } else {
        s.catalogue_items = f.integer("catalogue_items", 0, 1, 10000000);
        if (!f.has("catalogue_items"))
          throw f.error("catalogue_items", "missing (expected a whole number in 1..10000000)");
        s.zipf_s = f.number("zipf_s", s.zipf_s, 0.0, 10.0);
      }
      s.capacity_items = f.integer("capacity_items", 0, 0, 10000000);
      s.price_usd_per_lookup = f.number("price_usd_per_million", 0.0, 0.0, 1e6) / 1e6;
      break;
    case StageSpec::Kind::model: {
      if (!f.has("candidate"))
        throw f.error("candidate",
                      "missing (the platform that serves this stage, e.g. {\"platform\": \"aws-lambda\"})");
      JsonFields c(f.child("candidate"), f.file(), f.pointer("candidate"));
      s.candidate.platform = c.required_text("platform");
      if (s.candidate.platform == "topology")
        throw c.error("platform", "expected a serving platform (a topology cannot nest), got \"topology\"");
      s.candidate.settings = f.child("candidate");
      s.candidate.settings.erase("platform");
      s.candidate.pointer = f.pointer("candidate");
      if (f.has("stop_probability")) s.stop_probability = f.number("stop_probability", 0.0, 0.0, 1.0);
      if (f.has("confidence")) {
        if (f.has("stop_probability"))
          throw f.error("confidence", "expected either stop_probability or confidence on a stage, got both");
        const auto& obj = f.child("confidence");
        if (!obj.is_object())
          throw f.error("confidence",
                        "expected {\"threshold\": 0..1, \"scores\": {\"type\": \"beta\", ...}}, got " +
                            core::quote_json(obj));
        JsonFields cf(obj, f.file(), f.pointer("confidence"));
        s.confidence_threshold = cf.required_number("threshold", 0.0, 1.0);
        if (!cf.has("scores"))
          throw cf.error("scores", "missing (the distribution of the stage's confidence scores, in 0..1)");
        s.confidence = ConfidenceScores::from_json(cf.child("scores"), f.file(), cf.pointer("scores"));
        cf.reject_unknown();
      }
      break;
    }
    case StageSpec::Kind::edge_device:
      s.servers = static_cast<uint32_t>(f.integer("servers", 1, 1, 1000000));
      if (!f.has("threshold")) throw f.error("threshold", "missing (expected a number in 0..1)");
      s.threshold = f.number("threshold", 0.5, 0.0, 1.0);
      if (f.has("adaptive") && f.child("adaptive").is_boolean()) {
        s.adaptive = f.boolean("adaptive", false);
      } else {
        const std::string adapt = f.text("adaptive", "none", {"none", "load", "uplink", "both"});
        s.adaptive = adapt == "load" || adapt == "both";
        s.adapt_to_uplink = adapt == "uplink" || adapt == "both";
      }
      s.queue_limit = f.number("queue_limit", s.servers, 1.0, 1e9);
      if (f.has("uplink_mbps")) {
        s.uplink_bytes_per_s = f.number("uplink_mbps", 0.0, 1e-3, 1e6) * 1e6 / 8;
        s.uplink_latency_s = f.number("uplink_latency_ms", s.uplink_latency_s * 1e3, 0.0, 1e5) / 1e3;
        if (!f.has("request_kb"))
          throw f.error("request_kb",
                        "missing (the bytes one offloaded request uploads, in KB = 1000 bytes)");
        s.request_bytes = f.number("request_kb", 0.0, 1e-3, 1e9) * 1e3;
      } else {
        for (const char* uplink_key : {"uplink_latency_ms", "request_kb"})
          if (f.has(uplink_key))
            throw f.error(uplink_key, "used only with uplink_mbps (the device's uplink)");
      }
      if (s.adapt_to_uplink) {
        if (s.uplink_bytes_per_s <= 0)
          throw f.error("adaptive", "\"" + f.child("adaptive").get<std::string>() +
                                        "\" needs uplink_mbps and request_kb (the uplink it adapts to)");
        s.upload_budget_s = f.number("upload_budget_ms", scenario.slo.p99_ms, 1e-3, 1e9) / 1e3;
      }
      s.price_usd_per_server_hour = f.number("price_usd_per_server_hour", 0.0, 0.0, 1000.0);
      s.queue_capacity = f.integer("queue_capacity", s.queue_capacity, 0, 1000000000);
      s.candidate.platform = "fixed-pool";
      s.candidate.settings = {{"servers", s.servers},
                              {"price_usd_per_server_hour", s.price_usd_per_server_hour},
                              {"queue_capacity", s.queue_capacity}};
      break;
    case StageSpec::Kind::state_store:
      s.store = read_state_store(f);
      if (s.store.instance_cache && scenario.workload.key_column.empty() && scenario.workload.sessions == 0)
        throw f.error("instance_cache",
                      "expected a workload with sessions (workload.key_column or workload.sessions) for an "
                      "instance cache, got none");
      break;
    case StageSpec::Kind::select:
      s.in_flight_limit = f.integer("in_flight_limit", 0, 0, 1000000000);
      if (!f.has("in_flight_limit"))
        throw f.error("in_flight_limit", "missing (expected a whole number of requests)");
      break;
    case StageSpec::Kind::split:
      s.weights = read_split_weights(f);
      break;
    case StageSpec::Kind::map:
    case StageSpec::Kind::parallel:
    case StageSpec::Kind::wait:
      break;
  }
  return s;
}

// The index of the stage named `id`, or stages.size() when no stage has that id (ids are unique).
size_t stage_index(const TopologySpec& topo, const std::string& id) {
  for (size_t k = 0; k < topo.stages.size(); ++k)
    if (topo.stages[k].id == id) return k;
  return topo.stages.size();
}

// The stages reachable from `head` through edges, head first, each once.
std::vector<size_t> reachable_from(const TopologySpec& topo, size_t head) {
  std::vector<size_t> order{head};
  std::vector<bool> seen(topo.stages.size(), false);
  seen[head] = true;
  for (size_t i = 0; i < order.size(); ++i)
    for (const size_t j : topo.stages[order[i]].next)
      if (!seen[j]) {
        seen[j] = true;
        order.push_back(j);
      }
  return order;
}

// Whether an edge from outside `states` (a map item's or a branch's states) reaches stage j.
bool reached_from_outside(size_t j, const std::vector<size_t>& states, const Graph& graph) {
  for (auto [it, end] = boost::in_edges(j, graph); it != end; ++it)
    if (std::find(states.begin(), states.end(), boost::source(*it, graph)) == states.end()) return true;
  return false;
}

// A map's body may go on through edges (a Step Functions ItemProcessor of several states): each item runs the
// model, wait and split (Choice) stages reachable from its body, each reached only from the item's own
// states, all marked is_body. An item that runs tasks_per_item tasks of its body runs a single model stage.
void resolve_item_chains(TopologySpec& topo, const Graph& graph, const std::string& file) {
  std::vector<bool> heads(topo.stages.size(), false);
  for (const auto& m : topo.stages)
    if (m.kind == StageSpec::Kind::map) heads[m.body] = true;
  for (const auto& m : topo.stages) {
    if (m.kind != StageSpec::Kind::map) continue;
    const std::string at = m.pointer + "/body";
    if (m.map_mode.tasks_per_item > 1 &&
        (topo.stages[m.body].kind != StageSpec::Kind::model || !topo.stages[m.body].next.empty()))
      throw input_error(file, m.pointer + "/tasks_per_item",
                        "expected 1 for a body that is not a single model stage (the tasks each item runs "
                        "one after another are its body's), got " +
                            std::to_string(m.map_mode.tasks_per_item));
    const std::vector<size_t> states = reachable_from(topo, m.body);
    for (size_t i = 1; i < states.size(); ++i) {
      StageSpec& b = topo.stages[states[i]];
      const bool kind_ok = b.kind == StageSpec::Kind::model || b.kind == StageSpec::Kind::wait ||
                           b.kind == StageSpec::Kind::split;
      if (!kind_ok || heads[states[i]] || reached_from_outside(states[i], states, graph))
        throw input_error(file, at,
                          "expected model, wait and split stages that only the map's items reach, got \"" +
                              b.id + "\", " +
                              (kind_ok ? std::string("which another stage reaches too")
                                       : std::string("a ") + StageSpec::kind_name(b.kind)));
      b.is_body = true;
    }
  }
}

// A parallel's "branches": each names the first of the model, wait, split (Choice) and map stages (joined by
// edges) of a branch, which only the parallel reaches; every stage of the branch is marked in_branch (a map's
// body is its map's, not the branch's).
void resolve_branches(TopologySpec& topo, const std::vector<std::vector<std::string>>& branch_ids,
                      const Graph& graph, const std::string& ids, const std::string& file) {
  const size_t n = topo.stages.size();
  for (size_t k = 0; k < n; ++k)
    for (size_t i = 0; i < branch_ids[k].size(); ++i) {
      const std::string at = topo.stages[k].pointer + "/branches/" + std::to_string(i);
      const std::string& id = branch_ids[k][i];
      const size_t head = stage_index(topo, id);
      if (head == n) throw input_error(file, at, "expected a stage id (" + ids + "), got \"" + id + "\"");
      if (boost::in_degree(head, graph) != 0 || topo.stages[head].is_body || head == k)
        throw input_error(
            file, at,
            "expected the first stage of a branch (a model, wait, split or map stage no edge or "
            "map reaches), got \"" +
                id + "\"");
      topo.stages[k].branches.push_back(head);
      const std::vector<size_t> states = reachable_from(topo, head);
      for (const size_t j : states) {
        StageSpec& b = topo.stages[j];
        if (b.kind != StageSpec::Kind::model && b.kind != StageSpec::Kind::wait &&
            b.kind != StageSpec::Kind::split && b.kind != StageSpec::Kind::map)
          throw input_error(file, at,
                            "expected a branch of model, wait, split and map stages (a parallel inside a "
                            "branch is not modelled), got \"" +
                                b.id + "\", a " + StageSpec::kind_name(b.kind));
        if (b.in_branch || (j != head && reached_from_outside(j, states, graph)))
          throw input_error(file, at,
                            "expected a branch that only its parallel reaches, got \"" + b.id +
                                "\", which another branch or stage reaches too");
        b.in_branch = true;
      }
    }
}

// "catch": the stage a failed task, map or parallel hands its execution to. The target must not lead back to
// the stage that catches (through edges, catches or branches): a workflow has no loops.
void resolve_catches(TopologySpec& topo, const std::vector<std::string>& catch_ids, const std::string& ids,
                     const std::string& file) {
  const size_t n = topo.stages.size();
  for (size_t k = 0; k < n; ++k) {
    if (catch_ids[k].empty()) continue;
    StageSpec& s = topo.stages[k];
    const std::string at = s.pointer + "/catch";
    if (s.is_body)
      throw input_error(file, at, "not used on a map's body (its map fails, and the map's catch applies)");
    if (s.in_branch)
      throw input_error(file, at,
                        "not used inside a parallel's branch (the parallel fails, and its catch applies)");
    const size_t t = stage_index(topo, catch_ids[k]);
    if (t == n)
      throw input_error(file, at, "expected a stage id (" + ids + "), got \"" + catch_ids[k] + "\"");
    const StageSpec& target = topo.stages[t];
    if (t == k || target.is_body || target.in_branch)
      throw input_error(
          file, at,
          "expected a stage the execution can go on to (not the stage itself, a map's body or a "
          "branch's stage), got \"" +
              catch_ids[k] + "\"");
    s.catch_stage = t;
    topo.stages[t].is_catch_target = true;
  }
  for (size_t k = 0; k < n; ++k) {
    if (topo.stages[k].catch_stage == StageSpec::kNoCatch) continue;
    std::vector<size_t> todo{topo.stages[k].catch_stage};
    std::vector<bool> seen(n, false);
    while (!todo.empty()) {
      const size_t j = todo.back();
      todo.pop_back();
      if (j == k)
        throw input_error(file, topo.stages[k].pointer + "/catch",
                          "expected a stage that does not lead back to \"" + topo.stages[k].id +
                              "\", got \"" + topo.stages[topo.stages[k].catch_stage].id + "\" (a loop)");
      if (seen[j]) continue;
      seen[j] = true;
      const StageSpec& s = topo.stages[j];
      todo.insert(todo.end(), s.next.begin(), s.next.end());
      todo.insert(todo.end(), s.branches.begin(), s.branches.end());
      if (s.catch_stage != StageSpec::kNoCatch) todo.push_back(s.catch_stage);
    }
  }
}

}  // namespace

TopologySpec parse_topology(const sim::CandidateSpec& candidate, const sim::Scenario& scenario) {
  const std::string& file = scenario.file;
  JsonFields top(candidate.settings, file, candidate.pointer);
  TopologySpec topo;
  topo.name = candidate.name;
  // "search": a hyperparameter search that expands into the workflow's stages and edges (hpo_search.hpp).
  std::optional<SearchExpansion> search;
  if (top.has("search")) search = read_search(top);
  if (!search && !top.has("stages"))
    throw top.error("stages", "missing (a list of stages, see docs/topology.md)");
  const auto& stages = search ? search->stages : top.child("stages");
  auto stage_pointer = [&](size_t k) {
    return search ? search->pointers[k] : top.pointer("stages") + "/" + std::to_string(k);
  };
  if (!stages.is_array() || stages.empty() || stages.size() > 1000)
    throw top.error("stages", "expected a list of 1..1000 stages, got " + core::quote_json(stages));
  if (top.has("workflow"))
    topo.workflow = parse_workflow(top.child("workflow"), file, top.pointer("workflow"));
  if (top.has("training")) {
    if (topo.workflow)
      throw top.error("training", "expected either \"workflow\" or \"training\" on a topology, got both");
    topo.training = parse_training(top.child("training"), file, top.pointer("training"));
    if (stages.size() != 1)
      throw top.error("stages",
                      "expected 1 stage in a training topology (the preprocessing, a model stage), got " +
                          std::to_string(stages.size()));
  }
  std::vector<std::string> selects_large(stages.size()), selects_small(stages.size()), bodies(stages.size());
  std::vector<std::vector<std::string>> branch_ids(stages.size());
  std::vector<std::string> catch_ids(stages.size());
  for (size_t k = 0; k < stages.size(); ++k) {
    JsonFields f(stages[k], file, stage_pointer(k));
    StageSpec s = parse_stage(f, topo.name, scenario, topo.workflow.has_value(), topo.training.has_value());
    s.pointer = stage_pointer(k);
    if (s.candidate.pointer.empty()) s.candidate.pointer = s.pointer;  // edge-device: its own keys
    for (const auto& other : topo.stages)
      if (other.id == s.id) throw f.error("id", "expected an id no other stage has, got \"" + s.id + "\"");
    if (s.kind == StageSpec::Kind::select) {
      selects_large[k] = f.required_text("large");
      selects_small[k] = f.required_text("small");
    }
    if (s.kind == StageSpec::Kind::map) {
      if (!f.has("body")) throw f.error("body", "missing (the id of the model stage that runs each item)");
      bodies[k] = f.required_text("body");
    }
    if (s.kind == StageSpec::Kind::parallel) {
      const auto& b = f.has("branches") ? f.child("branches") : nlohmann::json();
      if (!b.is_array() || b.size() < 2 || b.size() > 1000)
        throw f.error("branches",
                      "expected a list of 2..1000 stage ids (the first stage of each branch), got " +
                          (b.is_null() ? std::string("nothing") : core::quote_json(b)));
      for (size_t i = 0; i < b.size(); ++i) {
        if (!b[i].is_string())
          throw input_error(file, f.pointer("branches") + "/" + std::to_string(i),
                            "expected a stage id, got " + core::quote_json(b[i]));
        branch_ids[k].push_back(b[i].get<std::string>());
      }
    }
    if (topo.workflow && f.has("catch")) catch_ids[k] = f.required_text("catch");
    f.reject_unknown();
    topo.stages.push_back(std::move(s));
  }
  std::string ids;
  for (const auto& s : topo.stages) ids += (ids.empty() ? "" : ", ") + s.id;
  auto find = [&](const std::string& id) { return stage_index(topo, id); };

  // Maps: each names a model, wait or split stage as its body, which only it reaches (no edges into it).
  for (size_t k = 0; k < topo.stages.size(); ++k) {
    StageSpec& m = topo.stages[k];
    if (m.kind != StageSpec::Kind::map) continue;
    m.body = find(bodies[k]);
    const std::string at = m.pointer + "/body";
    if (m.body == topo.stages.size())
      throw input_error(file, at, "expected a stage id (" + ids + "), got \"" + bodies[k] + "\"");
    StageSpec& body = topo.stages[m.body];
    if (body.kind != StageSpec::Kind::model && body.kind != StageSpec::Kind::wait &&
        body.kind != StageSpec::Kind::split)
      throw input_error(file, at,
                        "expected the id of a model, wait or split stage (the first state each item runs), "
                        "got \"" +
                            bodies[k] + "\", a " + StageSpec::kind_name(body.kind));
    body.is_body = true;  // several maps may run one body (e.g. a search's rungs: one function, one pool)
  }

  // Edges: ["from", "to"] pairs of stage ids.
  const size_t n = topo.stages.size();
  Graph graph(n);
  const nlohmann::json no_edges = nlohmann::json::array();
  const auto& edges = search ? search->edges : top.has("edges") ? top.child("edges") : no_edges;
  if (!edges.is_array())
    throw top.error("edges", "expected a list of [\"from\", \"to\"] pairs, got " + core::quote_json(edges));
  for (size_t e = 0; e < edges.size(); ++e) {
    const std::string ptr = top.pointer("edges") + "/" + std::to_string(e);
    const auto& pair = edges[e];
    if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string() || !pair[1].is_string())
      throw input_error(file, ptr,
                        "expected a [\"from\", \"to\"] pair of stage ids, got " + core::quote_json(pair));
    size_t end[2];
    for (size_t j = 0; j < 2; ++j) {
      end[j] = find(pair[j].get<std::string>());
      if (end[j] == n)
        throw input_error(file, ptr + "/" + std::to_string(j),
                          "expected a stage id (" + ids + "), got " + core::quote_json(pair[j]));
    }
    if (topo.stages[end[1]].is_body)
      throw input_error(
          file, ptr + "/1",
          "expected no edge to a map's body (its map runs it for each item and goes on itself), "
          "got \"" +
              topo.stages[end[1]].id + "\"");
    auto& next = topo.stages[end[0]].next;
    if (std::find(next.begin(), next.end(), end[1]) != next.end())
      throw input_error(file, ptr, "expected each edge once, got " + core::quote_json(pair) + " again");
    next.push_back(end[1]);
    boost::add_edge(end[0], end[1], e, graph);
  }
  std::optional<size_t> back;
  boost::depth_first_search(graph, boost::visitor(CycleFinder(&back)));
  if (back) {
    const auto& pair = edges[*back];
    throw input_error(file, top.pointer("edges") + "/" + std::to_string(*back),
                      "expected an acyclic graph, got " + core::quote_json(pair) + ", which closes a cycle");
  }
  resolve_item_chains(topo, graph, file);
  resolve_branches(topo, branch_ids, graph, ids, file);
  resolve_catches(topo, catch_ids, ids, file);
  std::vector<std::string> entries;
  for (size_t k = 0; k < n; ++k)
    if (boost::in_degree(k, graph) == 0 && !topo.stages[k].is_body && !topo.stages[k].in_branch &&
        !topo.stages[k].is_catch_target) {
      entries.push_back(topo.stages[k].id);
      topo.entry = k;
    }
  // A DAG with a single source reaches every vertex from it, so one entry also means all are reachable.
  if (entries.size() != 1) {
    std::string list;
    for (const auto& id : entries) list += (list.empty() ? "" : ", ") + id;
    throw top.error("edges", "expected one entry stage (without an incoming edge), got " +
                                 std::to_string(entries.size()) + ": " + list);
  }

  for (size_t k = 0; k < n; ++k) {
    StageSpec& s = topo.stages[k];
    auto needs = [&](size_t count, const std::string& why) {
      if (s.next.size() != count)
        throw input_error(file, s.pointer,
                          "expected " + std::to_string(count) + " next stage" + (count == 1 ? "" : "s") +
                              " for a " + StageSpec::kind_name(s.kind) + " (" + why + "), got " +
                              std::to_string(s.next.size()));
    };
    switch (s.kind) {
      case StageSpec::Kind::edge_cache:
        needs(1, "where misses go");
        break;
      case StageSpec::Kind::edge_device:
        needs(1, "where offloaded requests go");
        break;
      case StageSpec::Kind::select: {
        needs(2, "the large and the small model");
        s.large = find(selects_large[k]);
        s.small = find(selects_small[k]);
        for (auto [index, key] : {std::pair{s.large, "large"}, std::pair{s.small, "small"}})
          if (std::find(s.next.begin(), s.next.end(), index) == s.next.end())
            throw input_error(file, s.pointer + "/" + key,
                              "expected the id of a next stage of \"" + s.id + "\", got \"" +
                                  (key == std::string("large") ? selects_large[k] : selects_small[k]) + "\"");
        if (s.large == s.small)
          throw input_error(file, s.pointer + "/small",
                            "expected a stage other than \"large\", got \"" + selects_small[k] + "\"");
        break;
      }
      case StageSpec::Kind::split:
        if (s.next.size() < 2)
          throw input_error(file, s.pointer,
                            "expected 2 or more next stages for a split (the revisions it shares the traffic "
                            "between), got " +
                                std::to_string(s.next.size()));
        check_split_weights(s.weights, s.next.size(), file, s.pointer);
        break;
      case StageSpec::Kind::state_store:
        if (s.next.size() > 1)
          throw input_error(file, s.pointer,
                            "expected at most 1 next stage for a state-store (where requests go after their "
                            "accesses), got " +
                                std::to_string(s.next.size()));
        break;
      case StageSpec::Kind::map:
        if (s.next.size() > 1)
          throw input_error(file, s.pointer,
                            "expected at most 1 next stage for a map (where the execution goes after the "
                            "fan-in), got " +
                                std::to_string(s.next.size()));
        check_map_mode(s, *topo.workflow, file);
        break;
      case StageSpec::Kind::wait:
        if (s.next.size() > 1)
          throw input_error(
              file, s.pointer,
              "expected at most 1 next stage for a wait (where the execution goes after it), got " +
                  std::to_string(s.next.size()));
        check_wait(s, *topo.workflow, file);
        break;
      case StageSpec::Kind::parallel:
        if (s.next.size() > 1)
          throw input_error(
              file, s.pointer,
              "expected at most 1 next stage for a parallel (where the execution goes once every "
              "branch has ended), got " +
                  std::to_string(s.next.size()));
        break;
      case StageSpec::Kind::model:
        if (s.next.size() > 1)
          throw input_error(
              file, s.pointer,
              "expected at most 1 next stage for a model (where requests it does not finish go), "
              "got " +
                  std::to_string(s.next.size()));
        if (s.next.empty() && s.confidence)
          throw input_error(file, s.pointer + "/confidence",
                            "expected no confidence rule on a stage with no next stage (it answers all it "
                            "gets)");
        if (s.next.empty() && s.stop_probability < 1)
          throw input_error(file, s.pointer + "/stop_probability",
                            "expected 1 (or no value) on a stage with no next stage, got " +
                                core::quote_number(s.stop_probability));
        if (!s.next.empty() && !stages[k].contains("stop_probability")) s.stop_probability = 0;
        break;
    }
  }
  // Sticky sessions hold in single revision mode only (container-apps/sticky-sessions): not behind a split.
  for (size_t k = 0; k < n; ++k) {
    if (topo.stages[k].kind != StageSpec::Kind::split) continue;
    for (const size_t j : topo.stages[k].next) {
      const nlohmann::json& settings = topo.stages[j].candidate.settings;
      if (topo.stages[j].kind == StageSpec::Kind::model && settings.is_object() &&
          settings.contains("sticky_sessions") && settings.at("sticky_sessions") == true)
        throw input_error(file, topo.stages[j].pointer + "/candidate/sticky_sessions",
                          "expected false behind split \"" + topo.stages[k].id +
                              "\" (sticky sessions need single revision mode), got true");
    }
  }
  // A request's key is known where it arrives: the run loop hands it to the entry call, and stages that route
  // at once (cache, device, select) pass it on; a model stage forwards later, when the key is gone.
  for (size_t k = 0; k < n; ++k) {
    if (topo.stages[k].kind != StageSpec::Kind::model) continue;
    std::vector<size_t> todo = topo.stages[k].next;
    std::vector<bool> seen(n, false);
    while (!todo.empty()) {
      const size_t j = todo.back();
      todo.pop_back();
      if (seen[j]) continue;
      seen[j] = true;
      if (topo.stages[j].keys_from_trace)
        throw input_error(file, topo.stages[j].pointer + "/keys",
                          "expected an edge cache with \"keys\": \"trace\" before every model stage (the key "
                          "is known where a request arrives, not after \"" +
                              topo.stages[k].id + "\" served it)");
      todo.insert(todo.end(), topo.stages[j].next.begin(), topo.stages[j].next.end());
    }
  }
  top.reject_unknown();
  return topo;
}

}  // namespace servesim::platforms
