// A topology candidate's settings read where they enter: the stages, the edges and the one entry stage
// (topology_spec.hpp); each stage's keys in stage_spec.cpp, the graph's checks in topology_graph.cpp.
#include "platforms/topology/topology_spec.hpp"

#include <algorithm>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/depth_first_search.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/input_error.hpp"
#include "core/json_fields.hpp"
#include "platforms/topology/hpo_search.hpp"
#include "platforms/topology/topology_spec_internal.hpp"

namespace servesim::platforms {

namespace {

using core::JsonFields;

// Records the first back edge a depth-first search meets: it closes a cycle.
struct CycleFinder : boost::default_dfs_visitor {
  std::optional<size_t>* back;
  explicit CycleFinder(std::optional<size_t>* found) : back(found) {}
  void back_edge(StageGraph::edge_descriptor e, const StageGraph& g) const {
    if (!*back) *back = boost::get(boost::edge_index, g, e);
  }
};

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
  StageGraph graph(n);
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

  check_next_stages(topo, stages, selects_large, selects_small, file);
  top.reject_unknown();
  return topo;
}

}  // namespace servesim::platforms
