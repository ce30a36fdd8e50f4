// The checks of a topology's stage graph once its edges are read: the states of maps' items and parallels'
// branches, the catches, and each stage's next stages (topology_spec_internal.hpp).
#include <algorithm>
#include <boost/graph/adjacency_list.hpp>
#include <string>
#include <utility>
#include <vector>

#include "core/input_error.hpp"
#include "core/json_fields.hpp"
#include "platforms/topology/topology_spec_internal.hpp"
#include "platforms/topology/wait_spec.hpp"

namespace servesim::platforms {

size_t stage_index(const TopologySpec& topo, const std::string& id) {
  for (size_t k = 0; k < topo.stages.size(); ++k)
    if (topo.stages[k].id == id) return k;
  return topo.stages.size();
}

namespace {

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
bool reached_from_outside(size_t j, const std::vector<size_t>& states, const StageGraph& graph) {
  for (auto [it, end] = boost::in_edges(j, graph); it != end; ++it)
    if (std::find(states.begin(), states.end(), boost::source(*it, graph)) == states.end()) return true;
  return false;
}

}  // namespace

void resolve_item_chains(TopologySpec& topo, const StageGraph& graph, const std::string& file) {
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

void resolve_branches(TopologySpec& topo, const std::vector<std::vector<std::string>>& branch_ids,
                      const StageGraph& graph, const std::string& ids, const std::string& file) {
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

void check_next_stages(TopologySpec& topo, const nlohmann::json& stages,
                       const std::vector<std::string>& selects_large,
                       const std::vector<std::string>& selects_small, const std::string& file) {
  const size_t n = topo.stages.size();
  auto find = [&](const std::string& id) { return stage_index(topo, id); };
  for (size_t k = 0; k < n; ++k) {
    StageSpec& s = topo.stages[k];
    auto needs = [&](size_t count, const std::string& why) {
      if (s.next.size() != count)
        throw input_error(file, s.pointer,
                          "expected " + std::to_string(count) + " next stage" + (count == 1 ? "" : "s") +
                              " for a " + StageSpec::kind_name(s.kind) + " (" + why + "), got " +
                              std::to_string(s.next.size()));
    };
    auto at_most_one = [&](const std::string& why) {
      if (s.next.size() > 1)
        throw input_error(file, s.pointer,
                          std::string("expected at most 1 next stage for a ") + StageSpec::kind_name(s.kind) +
                              " (" + why + "), got " + std::to_string(s.next.size()));
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
        at_most_one("where requests go after their accesses");
        break;
      case StageSpec::Kind::map:
        at_most_one("where the execution goes after the fan-in");
        check_map_mode(s, *topo.workflow, file);
        break;
      case StageSpec::Kind::wait:
        at_most_one("where the execution goes after it");
        check_wait(s, *topo.workflow, file);
        break;
      case StageSpec::Kind::parallel:
        at_most_one("where the execution goes once every branch has ended");
        break;
      case StageSpec::Kind::model:
        at_most_one("where requests it does not finish go");
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
}

}  // namespace servesim::platforms
