#pragma once
// Configuration search (`servesim tune`): sweeps a platform's sweepable keys over a grid (its catalogue
// entry's tune_grid: e.g. function memory like AWS Lambda Power Tuning, provisioned concurrency, concurrency
// and min instances, min replicas and HPA target, keep-alive...), runs every point as one candidate of a
// single simulate() call and returns the cheapest point that meets the SLO, with the whole cost/latency
// curve.
#include <atomic>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "sim/scenario.hpp"

namespace servesim::advisor {

struct SweepKey {
  std::string platform;
  std::string key;
  std::string unit;
  std::vector<double> grid;  // default values
  std::string note;
};
// Every sweepable key: the registered platforms' catalogue tune_grid keys, in registry order; the first key
// listed for a platform is its default sweep.
std::vector<SweepKey> sweep_table();

struct TunePoint {
  std::string name;
  nlohmann::json settings;  // the full candidate settings of this point
  std::map<std::string, double> swept;
  bool valid = true;  // false: the platform refused the combination (reason in `invalid_reason`)
  std::string invalid_reason;
  double attainment = 0, p50_ms = 0, p99_ms = 0, cost_usd = 0, cold_start_share = 0;
  uint64_t arrived = 0, throttled = 0, timed_out = 0, dropped = 0;
  bool meets_slo = false;
};

struct TuneResult {
  std::string platform;
  std::vector<std::string> keys;
  std::vector<TunePoint> points;
  std::optional<size_t> best;  // index of the cheapest point meeting the SLO
  double slo_p99_ms = 0, min_attainment = 0;
};

// Progress and cancel of the one simulate() call that runs every point (sim::RunOptions' on_progress and
// cancel): the Python module's servesim.tune() reports progress and honours a stop request through them.
struct TuneHooks {
  std::function<void(double simulated_s, double total_s)> on_progress;
  const std::atomic<bool>* cancel = nullptr;  // when it reads true, tune() throws sim::Cancelled
};

// keys empty = the platform's default sweep key. grids: per key, values replacing the default grid. Base
// settings: the scenario's first candidate on `platform` (or the catalogue defaults). Throws InputError for
// an unknown platform, a key not sweepable on it, or no valid point.
TuneResult tune(const sim::Scenario& scenario, const std::string& platform,
                std::vector<std::string> keys = {},
                const std::map<std::string, std::vector<double>>& grids = {}, const TuneHooks& hooks = {});

// Every point and the cheapest one as JSON: `servesim tune --json` and the Python module (docs/scripting.md
// gives the shape).
nlohmann::json tune_json(const TuneResult& result);

// One row per point: the swept keys (with units), cost, latency, attainment, outcomes; units in the header.
std::string tune_csv(const TuneResult& result);

}  // namespace servesim::advisor
