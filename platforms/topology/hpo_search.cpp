#include "platforms/topology/hpo_search.hpp"

#include <algorithm>

#include "core/input_error.hpp"
#include "core/json_fields.hpp"
#include "sim/distribution.hpp"

namespace servesim::platforms {

std::vector<SearchRung> successive_halving(uint64_t trials, uint32_t eta, uint32_t min_epochs,
                                           uint32_t max_epochs) {
  std::vector<SearchRung> rungs;
  uint64_t budget = min_epochs;
  uint32_t previous = 0;
  for (uint64_t n = trials;; n = std::max<uint64_t>(1, n / eta), budget *= eta) {
    const auto epochs = static_cast<uint32_t>(std::min<uint64_t>(budget, max_epochs));
    rungs.push_back(SearchRung{n, epochs, epochs - previous});
    if (epochs >= max_epochs) return rungs;
    previous = epochs;
  }
}

namespace {

using core::JsonFields;

// The stage a search's task key ("trial", "aggregate") becomes: its keys as a model stage's, which the
// topology reader then checks (a candidate, and optionally service, retry, timeout_s).
nlohmann::json task_stage(JsonFields& search, const std::string& key, const std::string& id) {
  const nlohmann::json& j = search.child(key);
  if (!j.is_object())
    throw search.error(key,
                       "expected {\"candidate\": {\"platform\": ...}, \"service\": ..., \"retry\": ..., "
                       "\"timeout_s\": ...}, got " +
                           core::quote_json(j));
  JsonFields t(j, search.file(), search.pointer(key));
  if (!t.has("candidate"))
    throw t.error("candidate", "missing (the platform that runs the " + key +
                                   " tasks, e.g. {\"platform\": \"aws-lambda\", \"memory_mb\": 3538})");
  for (const char* k : {"candidate", "service", "retry", "timeout_s"})
    if (t.has(k)) t.child(k);  // read by the topology reader, at this pointer
  t.reject_unknown();
  nlohmann::json stage = j;
  stage["id"] = id;
  stage["kind"] = "model";
  return stage;
}

// The keys of a search's "map" that its rungs' map stages take (checked by the topology reader).
nlohmann::json map_keys(JsonFields& search) {
  if (!search.has("map")) return nlohmann::json::object();
  const nlohmann::json& j = search.child("map");
  if (!j.is_object())
    throw search.error("map", "expected {\"mode\": \"distributed\", \"max_concurrency\": N, ...}, got " +
                                  core::quote_json(j));
  JsonFields m(j, search.file(), search.pointer("map"));
  for (const char* k : {"mode", "max_concurrency", "execution_type", "tolerated_failure_percentage"})
    if (m.has(k)) m.child(k);
  m.reject_unknown();
  return j;
}

// The stated early-stopping rule: successive halving (eta, min_epochs, max_epochs) or none (every trial runs
// max_epochs).
struct StoppingRule {
  bool halving = false;
  uint32_t eta = 3, min_epochs = 1, max_epochs = 1;
  std::vector<SearchRung> rungs(uint64_t trials) const {
    if (!halving) return {SearchRung{trials, max_epochs, max_epochs}};
    return successive_halving(trials, eta, min_epochs, max_epochs);
  }
};

StoppingRule read_rule(JsonFields& search) {
  const std::string expected =
      "{\"rule\": \"successive-halving\", \"eta\": 3, \"min_epochs\": 1, \"max_epochs\": 27} or "
      "{\"rule\": \"none\", \"max_epochs\": 27}";
  if (!search.has("early_stopping")) throw search.error("early_stopping", "missing (" + expected + ")");
  const nlohmann::json& j = search.child("early_stopping");
  if (!j.is_object())
    throw search.error("early_stopping", "expected " + expected + ", got " + core::quote_json(j));
  JsonFields e(j, search.file(), search.pointer("early_stopping"));
  StoppingRule rule;
  rule.halving = e.required_text("rule", {"successive-halving", "none"}) == "successive-halving";
  if (!e.has("max_epochs"))
    throw e.error("max_epochs", "missing (each trial's full budget, 1..1000000 epochs)");
  rule.max_epochs = static_cast<uint32_t>(e.integer("max_epochs", 1, 1, 1000000));
  if (rule.halving) {
    rule.eta = static_cast<uint32_t>(e.integer("eta", 3, 2, 100));
    rule.min_epochs = static_cast<uint32_t>(e.integer("min_epochs", 1, 1, 1000000));
    if (rule.max_epochs < rule.min_epochs)
      throw e.error("max_epochs", "expected at least min_epochs (" + std::to_string(rule.min_epochs) +
                                      "), got " + std::to_string(rule.max_epochs));
  }
  e.reject_unknown();
  return rule;
}

}  // namespace

SearchExpansion read_search(JsonFields& top) {
  for (const char* key : {"stages", "edges"})
    if (top.has(key))
      throw top.error(key,
                      "not used with \"search\" (the search expands into the workflow's stages and edges)");
  if (!top.has("workflow"))
    throw top.error("search",
                    "used only in a workflow (give the candidate a \"workflow\": {\"engine\": ...})");
  const nlohmann::json& j = top.child("search");
  const std::string at = top.pointer("search");
  if (!j.is_object())
    throw top.error(
        "search",
        "expected {\"trials\": N, \"early_stopping\": {...}, \"epoch\": {...}, \"trial\": {...}}, "
        "got " +
            core::quote_json(j));
  JsonFields f(j, top.file(), at);
  if (!f.has("trials")) throw f.error("trials", "missing (the number of trials, 1..1000000)");
  const uint64_t trials = f.integer("trials", 1, 1, 1000000);
  const uint64_t rounds = f.integer("rounds", 1, 1, 1000);
  if (rounds > trials)
    throw f.error("rounds", "expected at most trials (" + std::to_string(trials) +
                                "): each round runs one trial or more, got " + std::to_string(rounds));
  // A round's rungs (the first rounds take one trial more when rounds does not divide trials).
  const StoppingRule rule = read_rule(f);
  std::vector<std::vector<SearchRung>> plan;
  for (uint64_t r = 0; r < rounds; ++r)
    plan.push_back(rule.rungs(trials / rounds + (r < trials % rounds ? 1 : 0)));
  size_t maps = 0;
  for (const auto& rungs : plan) maps += rungs.size();
  if (maps + 2 > 1000)
    throw f.error("rounds", "expected fewer rounds: " + std::to_string(rounds) + " rounds of " +
                                std::to_string(plan[0].size()) + " rungs are " + std::to_string(maps) +
                                " map stages (a topology has at most 1000 stages)");
  if (!f.has("epoch"))
    throw f.error("epoch",
                  "missing (the time one epoch of one trial takes, e.g. {\"type\": \"lognormal\", "
                  "\"mean_ms\": 30000, \"p99_ms\": 60000})");
  const nlohmann::json& epoch = f.child("epoch");
  sim::Distribution::from_json(epoch, f.file(), f.pointer("epoch"));  // checked here, at its own pointer
  if (!f.has("trial")) throw f.error("trial", "missing (where the trials run: {\"candidate\": {...}})");
  nlohmann::json trial = task_stage(f, "trial", "trial");
  if (trial.contains("service") && trial["service"].is_object() && trial["service"].contains("warm"))
    throw input_error(f.file(), f.pointer("trial") + "/service/warm",
                      "not used in a search (one epoch's time is the search's \"epoch\")");
  if (!trial.contains("service")) trial["service"] = nlohmann::json::object();
  if (trial["service"].is_object()) trial["service"]["warm"] = epoch;
  const nlohmann::json map = map_keys(f);
  const bool aggregate = f.has("aggregate");

  SearchExpansion out;
  std::string previous;
  for (size_t r = 0; r < plan.size(); ++r)
    for (size_t i = 0; i < plan[r].size(); ++i) {
      nlohmann::json stage = map;
      const std::string id = "round" + std::to_string(r + 1) + "-rung" + std::to_string(i);
      stage["id"] = id;
      stage["kind"] = "map";
      stage["body"] = "trial";
      stage["items"] = plan[r][i].trials;
      stage["tasks_per_item"] = plan[r][i].epochs_added;
      out.stages.push_back(stage);
      out.pointers.push_back(f.pointer("map"));
      if (!previous.empty()) out.edges.push_back({previous, id});
      previous = id;
    }
  out.stages.push_back(trial);
  out.pointers.push_back(f.pointer("trial"));
  if (aggregate) {
    out.stages.push_back(task_stage(f, "aggregate", "aggregate"));
    out.pointers.push_back(f.pointer("aggregate"));
    out.edges.push_back({previous, "aggregate"});
  }
  f.reject_unknown();
  return out;
}

}  // namespace servesim::platforms
