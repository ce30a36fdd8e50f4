#pragma once
// Small synthetic scenarios for the advisor tests: each question of the rules can be pushed either way.
#include <nlohmann/json.hpp>

#include "advisor/facts.hpp"
#include "advisor/rule_tree.hpp"
#include "support/sim_harness.hpp"

namespace servesim::test {

// 2 requests/s Poisson for 10 minutes, 50 ms service: not steady (utilisation 0.1), not spiky, SLO 500 ms.
inline nlohmann::json advisor_base(double slo_ms = 500) {
  return {{"name", "advisor-test"},
          {"seed", 3},
          {"workload", {{"type", "poisson"}, {"rate_rps", 2}, {"duration_s", 600}}},
          {"service", {{"warm", {{"type", "constant"}, {"value_ms", 50}}}}},
          {"slo", {{"p99_ms", slo_ms}, {"timeout_s", 10}}},
          {"candidates", {{{"name", "pool"}, {"platform", "fixed-pool"}, {"servers", 2}}}},
          {"advisor", nlohmann::json::object()}};
}

inline advisor::RuleOutcome rules_for(const nlohmann::json& doc) {
  const auto sc = scenario_from(doc);
  const auto section = advisor::parse_advisor_section(sc);
  const auto facts = advisor::derive_facts(sc, section);
  return advisor::RuleTree().evaluate(facts, section.thresholds);
}

// The answer given at a question node, or "" when the walk never reached it.
inline std::string answer_at(const advisor::RuleOutcome& r, const std::string& node) {
  for (const auto& s : r.path)
    if (s.node_id == node) return s.answer;
  return "";
}

}  // namespace servesim::test
