#pragma once
// One point of a sweep (app/sweep_file.hpp) run in this process, as `servesim sweep` runs each point in its
// worker and as the Python module's servesim.sweep() runs them one after another: the base scenario with the
// point's values put in, prepared as `servesim run` prepares a scenario (no timeseries.csv), simulated, and
// reduced to one row per candidate. pareto_front() picks the rows no other row beats on both cost and p99.
//
//   const app::Sweep sweep = app::load_sweep("scenarios/sweeps/lambda-memory.json");
//   std::vector<nlohmann::json> results;
//   for (size_t i = 0; i < sweep.size(); ++i) results.push_back(app::run_sweep_point(sweep, i));
//   for (const auto& [point, candidate] : app::pareto_front(results)) ...
#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "app/run.hpp"
#include "app/sweep_file.hpp"
#include "sim/run_limits.hpp"

namespace servesim::app {

// {"point": i, "fingerprint", "error": null or the point's one-line error, "candidates": [{name, platform,
// arrived, served, throttled, timed_out, dropped, p50_ms, p99_ms, cost_usd, slo_met}]}. A point whose
// scenario is bad input gets its error instead of candidates (it does not stop the sweep); an internal error
// is reported the same way, prefixed "internal error: ". `hooks`: progress and cancel of the point's run (its
// seed and on_row are not used). Rethrows core::Interrupted and sim::Cancelled (the point is not done).
nlohmann::json run_sweep_point(const Sweep& sweep, size_t i, const std::string& fingerprint = "",
                               const sim::RunLimits& limits = {}, const RunOptions& hooks = {});

// The (point, candidate) rows of `results` (run_sweep_point's, in point order) that no other row beats on
// both cost and p99, cheapest first; failed points and candidates that served nothing are left out.
std::vector<std::pair<size_t, size_t>> pareto_front(const std::vector<nlohmann::json>& results);

}  // namespace servesim::app
