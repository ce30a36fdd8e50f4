#pragma once
// The HTML report's state-store table: one row per state-store stage of a composite candidate (the stage
// entries of kind state-store in summary.json; docs/topology.md), with its accesses, throttles, the latency
// it added and, with an instance cache, the hits, the reads avoided and what they would have cost.
//   out << state_store_html(run.summary["candidates"]);   // "" when no candidate has a state store
#include <nlohmann/json.hpp>
#include <string>

namespace servesim::reports {

std::string state_store_html(const nlohmann::json& candidates);

}  // namespace servesim::reports
