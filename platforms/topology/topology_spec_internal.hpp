#pragma once
// Private to the topology spec reader (topology_spec.cpp reads the candidate, stage_spec.cpp each stage,
// topology_graph.cpp checks the graph): what the three share. Not for the rest of the platform.
//
//   StageSpec s = parse_stage(fields, topo.name, scenario, in_workflow, in_training);  // per stage
//   resolve_item_chains(topo, graph, file);  // once the edges are in `graph`
#include <boost/graph/adjacency_list.hpp>
#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "platforms/topology/topology_spec.hpp"

namespace servesim::core {
class JsonFields;
}

namespace servesim::platforms {

// Stages are vertices (same index as in TopologySpec::stages); each edge carries its index in "edges".
using StageGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS, boost::no_property,
                                         boost::property<boost::edge_index_t, size_t>>;

// One stage's keys by its kind (stage_spec.cpp); its edges and the ids it names are read by parse_topology.
StageSpec parse_stage(core::JsonFields& f, const std::string& topology_name, const sim::Scenario& scenario,
                      bool in_workflow, bool in_training);
// A map's concurrency against its engine's limit: Step Functions' Inline Map runs at most 40 iterations at
// once, its Distributed Map 10,000 child executions; Durable Functions has no Distributed mode.
void check_map_mode(const StageSpec& s, const WorkflowSpec& engine, const std::string& file);

// The index of the stage named `id`, or stages.size() when no stage has that id (ids are unique).
size_t stage_index(const TopologySpec& topo, const std::string& id);
// A map's body may go on through edges (a Step Functions ItemProcessor of several states): each item runs the
// model, wait and split (Choice) stages reachable from its body, each reached only from the item's own
// states, all marked is_body. An item that runs tasks_per_item tasks of its body runs a single model stage.
void resolve_item_chains(TopologySpec& topo, const StageGraph& graph, const std::string& file);
// A parallel's "branches": each names the first of the model, wait, split (Choice) and map stages (joined by
// edges) of a branch, which only the parallel reaches; every stage of the branch is marked in_branch (a map's
// body is its map's, not the branch's).
void resolve_branches(TopologySpec& topo, const std::vector<std::vector<std::string>>& branch_ids,
                      const StageGraph& graph, const std::string& ids, const std::string& file);
// "catch": the stage a failed task, map or parallel hands its execution to. The target must not lead back to
// the stage that catches (through edges, catches or branches): a workflow has no loops.
void resolve_catches(TopologySpec& topo, const std::vector<std::string>& catch_ids, const std::string& ids,
                     const std::string& file);
// Each stage's next stages: how many its kind has (a select's large and small among them, a split's weights
// one per next stage, a map's and a wait's limits on the engine, a model's stop rule), no sticky sessions
// behind a split, no edge cache keyed by the trace after a model stage. `stages` is the stages' JSON (a
// model's stop_probability defaults to 0 when it has a next stage and the key is absent).
void check_next_stages(TopologySpec& topo, const nlohmann::json& stages,
                       const std::vector<std::string>& selects_large,
                       const std::vector<std::string>& selects_small, const std::string& file);

}  // namespace servesim::platforms
