#pragma once
// servesim compare: the same candidates across two or more finished run folders (a capacity-planning review
// of two scenarios, or two versions of one). Reads only summary.json (through read_run_dir, which also checks
// that the folder is a whole run folder); never runs a simulation.
//
// The comparison as JSON (what `servesim compare --json` prints):
//   {"runs": [{"label": "A", "dir", "scenario", "seed"}, ...],
//    "metrics": ["cost_usd", "slo_attainment", "p99_ms", "cold_starts"],
//    "candidates": [{"name", "runs": [{"label", "present": true, "cost_usd", "slo_attainment", "p99_ms",
//                     "cold_starts", "delta": {METRIC: {"absolute": B - A, "percent": 100 (B - A) / A}}} |
//                    {"label", "present": false}, ...]}]}
// Candidates are listed in the order they first appear (run A's order, then those only in later runs).
// "delta" is against the first run and is present only when the candidate is in both runs; "percent" is
// null when the first run's value is 0. Deltas are computed from summary.json's numbers as written.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "reports/run_data.hpp"

namespace servesim::reports {

// Throws InputError when fewer than two runs are given.
nlohmann::ordered_json compare_runs(const std::vector<RunData>& runs);
// A fixed-width table for the terminal.
std::string compare_table(const nlohmann::ordered_json& comparison);
// One self-contained HTML page (the report's style, nothing fetched): the table above and, from the runs'
// time series (`runs`, in the comparison's order), charts with the runs overlaid on one time axis: the
// arrival rate, and for each candidate in at least two runs its p99 latency per interval and its cumulative
// cost.
std::string compare_html(const nlohmann::ordered_json& comparison, const std::vector<RunData>& runs);

}  // namespace servesim::reports
