#include "advisor/rule_tree.hpp"

#include <boost/graph/graphviz.hpp>
#include <cstdio>
#include <functional>
#include <map>
#include <sstream>
#include <stdexcept>

#include "advisor/format.hpp"

namespace servesim::advisor {

const char* to_string(Placement placement) {
  switch (placement) {
    case Placement::edge:
      return "edge";
    case Placement::serverless:
      return "serverless";
    case Placement::container:
      return "containers";
    case Placement::gpu_serverless:
      return "serverless GPU";
  }
  return "?";
}

bool fulfils(Placement preferred, Placement actual) {
  return actual == preferred || (preferred == Placement::serverless && actual == Placement::gpu_serverless);
}

RuleTree::Vertex RuleTree::add(RuleNode node) {
  return boost::add_vertex(std::move(node), graph_);
}

void RuleTree::link(Vertex from, Vertex to, const std::string& answer) {
  boost::add_edge(from, to, RuleEdge{answer}, graph_);
}

RuleTree::RuleTree() {
  using P = Placement;
  auto question = [this](std::string id, std::string label, std::vector<std::string> keys) {
    return add(RuleNode{std::move(id), std::move(label), true, std::move(keys), std::nullopt, {}, false});
  };
  auto verdict = [this](std::string id, std::string label, std::optional<P> preferred,
                        std::vector<P> excluded = {}) {
    return add(RuleNode{std::move(id), std::move(label), false, {}, preferred, std::move(excluded), false});
  };
  root_ = question("q_slo", "Is the p99 SLO tighter than a function can answer?", {"serverless_min_slo_ms"});
  const auto q_model = question("q_model", "Is the model too large to fetch and load at every cold start?",
                                {"serverless_max_model_mb"});
  const auto q_state = question("q_stateful", "Is the service stateful?", {});
  // The seed article: externalised state enables horizontal scaling. A function candidate whose state lives
  // in a simulated store (a topology's state-store stage) makes functions viable for a stateful service; the
  // evidence then says whether it meets the SLO.
  const auto q_external =
      question("q_external_state", "Does a function candidate keep the state in an external store?", {});
  const auto q_gpu = question("q_gpu", "Is the model GPU-intensive (CPU compute alone eats the SLO)?",
                              {"gpu_min_cpu_slo_share", "cpu_gflops_per_vcpu", "function_max_vcpu"});
  const auto q_steady =
      question("q_steady", "Is the throughput steady and high?",
               {"steady_min_utilisation", "steady_max_peak_to_mean", "reference_instance_concurrency"});
  const auto q_spiky = question("q_spiky", "Is the traffic spiky, unpredictable or intermittent?",
                                {"spiky_min_peak_to_mean", "spiky_min_cv", "intermittent_min_idle_fraction"});
  const auto q_event = question("q_event", "Is the service event-driven?", {});
  // The seed article: "microservices architecture in use -> serverless". Each service of a microservices
  // architecture deploys, scales and bills on its own, which a function (or a scale-to-zero container) gives
  // per service without a cluster kept for all of them.
  const auto q_micro =
      question("q_microservices", "Is the model one service of a microservices architecture?", {});
  const auto q_cost =
      question("q_cost", "Is the team cost-sensitive (pay per use over reserved capacity)?", {});
  const auto q_exp = question("q_experimental", "Is the model experimental (short-lived, changing)?", {});
  const auto v_warm = verdict("v_warm_container", "Not serverless: a warm container (or the edge)",
                              P::container, {P::serverless, P::gpu_serverless});
  const auto v_model =
      verdict("v_containers_model", "Containers/Kubernetes: keep the large model loaded", P::container);
  const auto v_state = verdict("v_containers_stateful",
                               "Containers/Kubernetes: long-lived instances keep state", P::container);
  const auto v_gpu = verdict("v_containers_gpu", "Containers/Kubernetes with GPUs", P::container);
  const auto v_steady =
      verdict("v_containers_steady", "Containers/Kubernetes: reserved capacity is cheaper when kept busy",
              P::container);
  const auto v_spiky =
      verdict("v_serverless_spiky", "Serverless: scales with the spikes, scales to zero", P::serverless);
  const auto v_event =
      verdict("v_serverless_event", "Serverless: the platform wires the events", P::serverless);
  const auto v_micro = verdict("v_serverless_microservices",
                               "Serverless: each service deploys and scales on its own", P::serverless);
  const auto v_cost = verdict("v_serverless_cost", "Serverless: pay per request", P::serverless);
  const auto v_exp =
      verdict("v_serverless_experimental", "Serverless: nothing to run between experiments", P::serverless);
  const auto v_open = verdict("v_no_preference", "No preference: let the evidence decide", std::nullopt);
  cache_ = question("q_cache", "Do many requests repeat an input already seen?", {"cache_min_repeat_share"});
  auto v_cache =
      add(RuleNode{"v_edge_cache", "An edge cache in front of the back end", false, {}, P::edge, {}, true});
  auto v_nocache = verdict("v_no_cache", "No edge cache", std::nullopt);

  link(root_, v_warm, "yes");
  link(root_, q_model, "no");
  link(q_model, v_model, "yes");
  link(q_model, q_state, "no");
  link(q_state, q_external, "yes");
  link(q_external, v_state, "no");
  link(q_external, q_gpu, "yes");
  link(q_state, q_gpu, "no");
  link(q_gpu, v_gpu, "yes");
  link(q_gpu, q_steady, "no");
  link(q_steady, v_steady, "yes");
  link(q_steady, q_spiky, "no");
  link(q_spiky, v_spiky, "yes");
  link(q_spiky, q_event, "no");
  link(q_event, v_event, "yes");
  link(q_event, q_micro, "no");
  link(q_micro, v_micro, "yes");
  link(q_micro, q_cost, "no");
  link(q_cost, v_cost, "yes");
  link(q_cost, q_exp, "no");
  link(q_exp, v_exp, "yes");
  link(q_exp, v_open, "no");
  for (auto v : {v_warm, v_model, v_state, v_gpu, v_steady, v_spiky, v_event, v_micro, v_cost, v_exp, v_open})
    link(v, cache_, "then");
  link(cache_, v_cache, "yes");
  link(cache_, v_nocache, "no");
}

namespace {

struct Answer {
  bool yes;
  std::string because;
};

Answer ask(const std::string& id, const Facts& f, const Thresholds& th) {
  const auto& t = f.traffic;
  if (id == "q_slo") {
    const double lim = th.get("serverless_min_slo_ms");
    const bool yes = f.slo_p99_ms < lim;
    return {yes, "p99 SLO " + num(f.slo_p99_ms) + " ms " + (yes ? "< " : ">= ") + num(lim) + " ms"};
  }
  if (id == "q_model") {
    const double lim = th.get("serverless_max_model_mb");
    const double size = std::max(f.model_size_mb, f.model_memory_mb.value_or(0));
    const bool yes = size > lim;
    return {yes, "model " + num(size) + " MB " + (yes ? "> " : "<= ") + num(lim) + " MB"};
  }
  if (id == "q_stateful")
    return {f.stateful, f.stateful ? "stateful (state store: " + f.state_store + ")" : "stateless"};
  if (id == "q_external_state") {
    if (f.external_state_candidates.empty())
      return {false, "no function candidate with a state-store stage (docs/topology.md)"};
    std::string list;
    for (const auto& c : f.external_state_candidates) list += (list.empty() ? "" : "; ") + c;
    return {true, list + ": functions viable, the evidence decides"};
  }
  if (id == "q_gpu") {
    if (!f.cpu_compute_ms) return {false, "unknown (no advisor.gflops_per_request): assumed no"};
    const double lim = th.get("gpu_min_cpu_slo_share") * f.slo_p99_ms;
    return {f.gpu_intensive, num(*f.gflops_per_request) + " GFLOP/request takes " + num(*f.cpu_compute_ms) +
                                 " ms on " + num(th.get("function_max_vcpu")) + " vCPU at " +
                                 num(th.get("cpu_gflops_per_vcpu")) + " GFLOP/s each (estimated); " +
                                 (f.gpu_intensive ? "> " : "<= ") + num(th.get("gpu_min_cpu_slo_share")) +
                                 " x SLO = " + num(lim) + " ms"};
  }
  if (id == "q_steady") {
    const double u = th.get("steady_min_utilisation"), r = th.get("steady_max_peak_to_mean");
    const bool yes = t.sustained_utilisation >= u && t.peak_to_mean <= r;
    return {yes, "utilisation " + num(t.sustained_utilisation) +
                     (t.sustained_utilisation >= u ? " >= " : " < ") + num(u) + ", peak/mean " +
                     num(t.peak_to_mean) + (t.peak_to_mean <= r ? " <= " : " > ") + num(r)};
  }
  if (id == "q_spiky") {
    const double r = th.get("spiky_min_peak_to_mean"), cv = th.get("spiky_min_cv"),
                 idle = th.get("intermittent_min_idle_fraction");
    const bool a = t.peak_to_mean >= r, b = t.cv >= cv, c = t.idle_minute_fraction >= idle;
    return {a || b || c, "peak/mean " + num(t.peak_to_mean) + (a ? " >= " : " < ") + num(r) + ", CV " +
                             num(t.cv) + (b ? " >= " : " < ") + num(cv) + ", idle minutes " +
                             pct(t.idle_minute_fraction) + (c ? " >= " : " < ") + pct(idle)};
  }
  if (id == "q_event")
    return {f.event_driven, f.event_driven ? "advisor.event_driven is true" : "not event-driven"};
  if (id == "q_microservices")
    return {f.microservices, f.microservices ? "advisor.microservices is true" : "not flagged"};
  if (id == "q_cost")
    return {f.cost_sensitive, f.cost_sensitive ? "advisor.cost_sensitive is true" : "not flagged"};
  if (id == "q_experimental")
    return {f.experimental, f.experimental ? "advisor.experimental is true" : "not flagged"};
  if (id == "q_cache") {
    if (!f.repeat_share) return {false, "unknown (no advisor.popularity or workload.key_column): assumed no"};
    const double lim = th.get("cache_min_repeat_share");
    const bool yes = *f.repeat_share >= lim;
    return {yes, pct(*f.repeat_share) + " of requests repeat an input " + (yes ? ">= " : "< ") + pct(lim)};
  }
  throw std::logic_error("advisor: no question " + id);
}

}  // namespace

RuleOutcome RuleTree::evaluate(const Facts& facts, const Thresholds& thresholds) const {
  RuleOutcome out;
  Vertex v = root_;
  for (;;) {
    const RuleNode& node = graph_[v];
    if (node.is_question) {
      const Answer a = ask(node.id, facts, thresholds);
      out.path.push_back(RuleStep{node.id, node.label, a.yes ? "yes" : "no", a.because});
      const std::string want = a.yes ? "yes" : "no";
      bool moved = false;
      for (auto [e, end] = boost::out_edges(v, graph_); e != end; ++e)
        if (graph_[*e].answer == want) {
          v = boost::target(*e, graph_);
          moved = true;
          break;
        }
      if (!moved) throw std::logic_error("advisor: question " + node.id + " has no '" + want + "' edge");
      continue;
    }
    if (v == cache_ || node.id == "v_edge_cache" || node.id == "v_no_cache") {
      out.edge_cache = node.edge_cache;
      break;
    }
    out.preferred = node.preferred;
    out.excluded = node.excluded;
    out.verdict_id = node.id;
    out.verdict = node.label;
    auto [e, end] = boost::out_edges(v, graph_);
    if (e == end) break;
    v = boost::target(*e, graph_);  // "then": the cache question
  }
  for (Placement p : {Placement::serverless, Placement::container, Placement::gpu_serverless}) {
    bool excluded = false;
    for (Placement x : out.excluded) excluded = excluded || x == p;
    if (!excluded) out.open.push_back(p);
  }
  return out;
}

namespace {

std::string threshold_text(const RuleNode& node, const Thresholds& th) {
  std::string s;
  for (const auto& k : node.thresholds) {
    for (const auto& spec : threshold_table())
      if (k == spec.key) s += (s.empty() ? "" : ", ") + k + " = " + num(th.get(k)) + " " + spec.unit;
  }
  return s;
}

}  // namespace

std::string RuleTree::to_text(const Thresholds& thresholds) const {
  std::ostringstream out;
  out << "Decision rules (questions are asked from the top; every verdict then asks the cache question)\n\n";
  std::function<void(Vertex, int, const std::string&)> walk = [&](Vertex v, int depth,
                                                                  const std::string& answer) {
    const RuleNode& n = graph_[v];
    out << std::string(static_cast<size_t>(depth) * 2, ' ') << (answer.empty() ? "" : answer + ": ")
        << (n.is_question ? "? " : "=> ") << n.label;
    const std::string th = threshold_text(n, thresholds);
    if (!th.empty()) out << "  [" << th << "]";
    if (!n.excluded.empty()) {
      out << "  (excludes";
      for (size_t i = 0; i < n.excluded.size(); ++i) out << (i ? ", " : " ") << to_string(n.excluded[i]);
      out << ")";
    }
    out << "\n";
    if (v == cache_ && depth > 0) return;
    for (auto [e, end] = boost::out_edges(v, graph_); e != end; ++e)
      if (graph_[*e].answer != "then") walk(boost::target(*e, graph_), depth + 1, graph_[*e].answer);
  };
  walk(root_, 0, "");
  out << "\nthen, after every verdict:\n";
  walk(cache_, 0, "");
  return out.str();
}

std::string RuleTree::to_dot(const Thresholds& thresholds) const {
  std::ostringstream out;
  auto escape = [](std::string s) {
    std::string r;
    for (char c : s) r += c == '"' ? std::string("\\\"") : std::string(1, c);
    return r;
  };
  boost::write_graphviz(
      out, graph_,
      [&](std::ostream& os, Vertex v) {
        const RuleNode& n = graph_[v];
        std::string label = n.label;
        const std::string th = threshold_text(n, thresholds);
        if (!th.empty()) label += "\\n" + th;
        os << "[label=\"" << escape(label) << "\", shape=" << (n.is_question ? "diamond" : "box")
           << (n.is_question ? "" : ", style=filled, fillcolor=lightgrey") << ", id=\"" << n.id << "\"]";
      },
      [&](std::ostream& os, RuleGraph::edge_descriptor e) {
        os << "[label=\"" << graph_[e].answer << "\"]";
      });
  return out.str();
}

}  // namespace servesim::advisor
