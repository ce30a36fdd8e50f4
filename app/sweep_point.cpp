// One sweep point run in this process, and the Pareto front of a sweep (app/sweep_point.hpp).
#include "app/sweep_point.hpp"

#include <algorithm>
#include <filesystem>

#include "app/prepare.hpp"
#include "core/input_error.hpp"
#include "core/interrupt.hpp"
#include "reports/run_report.hpp"
#include "sim/engine.hpp"
#include "sim/scenario.hpp"
#include "sim/slo.hpp"

namespace servesim::app {
using nlohmann::json;

json run_sweep_point(const Sweep& sweep, size_t i, const std::string& fingerprint,
                     const sim::RunLimits& limits, const RunOptions& hooks) {
  const json doc = patched(sweep, sweep.point(i));
  json out = {{"point", i}, {"fingerprint", fingerprint}, {"error", nullptr}, {"candidates", json::array()}};
  try {
    const std::string base_dir = std::filesystem::path(sweep.base_path).parent_path().string();
    // The point is prepared as `servesim run` prepares a scenario: its "model" section, its candidates, its
    // work refused beyond the limits (a sweep writes no timeseries.csv).
    PrepareOptions options;
    options.limits = limits;
    options.writes_timeseries = false;
    const Prepared prepared =
        prepare(sim::parse_scenario(doc, sweep.base_path, base_dir.empty() ? "." : base_dir), options);
    RunOptions run_options;
    run_options.on_progress = hooks.on_progress;
    run_options.cancel = hooks.cancel;
    const auto results = run(prepared, run_options).results;
    for (const auto& r : results) {
      const auto& q = r.requests;
      out["candidates"].push_back({{"name", r.name},
                                   {"platform", r.platform},
                                   {"arrived", q.arrived},
                                   {"served", q.served},
                                   {"throttled", q.throttled},
                                   {"timed_out", q.timed_out},
                                   {"dropped", q.dropped},
                                   {"p50_ms", reports::round_significant(r.latency.quantile_s(0.50) * 1e3)},
                                   {"p99_ms", reports::round_significant(r.latency.quantile_s(0.99) * 1e3)},
                                   {"cost_usd", reports::round_significant(r.cost_total_usd)},
                                   {"slo_met", sim::judge_slo(r, prepared.scenario.slo).met}});
    }
  } catch (const InputError& e) {
    out["error"] = e.what();
    out["candidates"] = json::array();
  } catch (const core::Interrupted&) {
    throw;  // not the point's result: the point runs again next time
  } catch (const sim::Cancelled&) {
    throw;
  } catch (const std::exception& e) {
    out["error"] = std::string("internal error: ") + e.what();
    out["candidates"] = json::array();
  }
  return out;
}

std::vector<std::pair<size_t, size_t>> pareto_front(const std::vector<json>& results) {
  struct Row {
    size_t point, candidate;
    double cost, p99;
  };
  std::vector<Row> ok;
  for (size_t i = 0; i < results.size(); ++i) {
    const json& r = results[i];
    if (!r["error"].is_null()) continue;
    for (size_t k = 0; k < r["candidates"].size(); ++k) {
      const json& c = r["candidates"][k];
      if (c["served"].get<uint64_t>() > 0)
        ok.push_back({i, k, c["cost_usd"].get<double>(), c["p99_ms"].get<double>()});
    }
  }
  std::vector<Row> pareto;
  for (const auto& a : ok) {
    bool beaten = false;
    for (const auto& b : ok)
      if (b.cost <= a.cost && b.p99 <= a.p99 && (b.cost < a.cost || b.p99 < a.p99)) {
        beaten = true;
        break;
      }
    if (!beaten) pareto.push_back(a);
  }
  std::stable_sort(pareto.begin(), pareto.end(), [](const Row& a, const Row& b) {
    return a.cost != b.cost ? a.cost < b.cost : a.p99 < b.p99;
  });
  std::vector<std::pair<size_t, size_t>> front;
  for (const auto& p : pareto) front.emplace_back(p.point, p.candidate);
  return front;
}

}  // namespace servesim::app
