#pragma once
// The advisor's verdict on a run, from the run's own results: the scenario's candidates are not simulated a
// second time (advisor::advise_from_results simulates only the default candidates it adds), so the desktop
// app's run -> verdict costs one simulation of each candidate.
//
//   std::vector<std::vector<sim::IntervalRow>> rows(prepared.scenario.candidates.size());
//   const auto outcome = app::run(prepared, {.on_row = [&](size_t i, const auto& row) {
//   rows[i].push_back(row); }}); const advisor::Recommendation rec = app::advise_run(outcome, rows);
#include <atomic>
#include <nlohmann/json.hpp>
#include <vector>

#include "advisor/advisor.hpp"
#include "app/run.hpp"

namespace servesim::app {

// Throws InputError for a scenario the advisor cannot judge (a bad advisor section, every candidate excluded
// by the rules and no default allowed), sim::Cancelled when *cancel becomes true while it simulates.
advisor::Recommendation advise_run(const RunOutcome& outcome,
                                   const std::vector<std::vector<sim::IntervalRow>>& rows,
                                   const std::atomic<bool>* cancel = nullptr);

// The head of the HTML report for a recommendation: {"verdict", "candidate", "reasons": [the rule path, why
// not each other candidate]}.
nlohmann::json advice_head(const advisor::Recommendation& recommendation);

}  // namespace servesim::app
