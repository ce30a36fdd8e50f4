// One stage of a topology: its kind's name, and its keys read and checked by kind
// (topology_spec_internal.hpp).
#include <cstdint>
#include <string>

#include "core/input_error.hpp"
#include "core/json_fields.hpp"
#include "platforms/topology/topology_spec_internal.hpp"
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

}  // namespace

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

}  // namespace servesim::platforms
