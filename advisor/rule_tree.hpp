#pragma once
// The advisor's rules as a decision graph in a Boost.Graph adjacency_list: question nodes, verdict nodes
// (a preferred placement, placements it excludes outright) and the edge-cache question every verdict leads
// to. Edges are answers ("yes", "no", "then"). Printable as indented text and as Graphviz DOT.
#include <boost/graph/adjacency_list.hpp>
#include <optional>
#include <string>
#include <vector>

#include "advisor/facts.hpp"
#include "advisor/thresholds.hpp"

namespace servesim::advisor {

// gpu_serverless: a serverless platform's candidate with a GPU (Cloud Run with an L4, Container Apps'
// serverless GPU profiles): scales to zero and bills per second like serverless, but holds a GPU and a large
// model.
enum class Placement { edge, serverless, container, gpu_serverless };
const char* to_string(Placement placement);
// Whether a candidate placed at `actual` is what a verdict preferring `preferred` asks for: the same class,
// or serverless GPU where serverless is preferred (it scales with spikes and to zero, and is paid per use).
bool fulfils(Placement preferred, Placement actual);

struct RuleNode {
  std::string id;     // e.g. "q_slo", "v_containers_model"
  std::string label;  // the question or the verdict, in words
  bool is_question = false;
  std::vector<std::string> thresholds;  // threshold keys the question compares with
  std::optional<Placement> preferred;   // verdicts: the placement the rules prefer (none: no preference)
  std::vector<Placement> excluded;      // verdicts: placements ruled out (never simulated)
  bool edge_cache = false;              // the cache verdict: put an edge cache in front
};

struct RuleEdge {
  std::string answer;  // "yes", "no" or "then"
};

using RuleGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS, RuleNode, RuleEdge>;

struct RuleStep {
  std::string node_id;
  std::string question;
  std::string answer;   // "yes" / "no"
  std::string because;  // the fact and the threshold, in numbers
};

struct RuleOutcome {
  std::optional<Placement> preferred;
  std::vector<Placement> open;  // placements to simulate (edge is advice only: no platform model)
  std::vector<Placement> excluded;
  bool edge_cache = false;
  std::string verdict_id, verdict;  // the back-end verdict node
  std::vector<RuleStep> path;
};

class RuleTree {
 public:
  RuleTree();
  const RuleGraph& graph() const { return graph_; }
  RuleOutcome evaluate(const Facts& facts, const Thresholds& thresholds) const;
  // The tree with each question's thresholds and current values.
  std::string to_text(const Thresholds& thresholds) const;
  std::string to_dot(const Thresholds& thresholds) const;

 private:
  using Vertex = RuleGraph::vertex_descriptor;
  Vertex add(RuleNode node);
  void link(Vertex from, Vertex to, const std::string& answer);
  RuleGraph graph_;
  Vertex root_ = 0, cache_ = 0;
};

}  // namespace servesim::advisor
