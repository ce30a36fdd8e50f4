#include "calibrate/replay.hpp"

#include <cmath>
#include <map>
#include <stdexcept>

#include "app/prepare.hpp"
#include "app/run.hpp"
#include "sim/latency_histogram.hpp"
#include "sim/scenario.hpp"

namespace servesim::calibrate {

ReplayRun replay_run(const ReplayWindow& window, uint64_t seed, bool warmup_only) {
  nlohmann::json doc = window.scenario;
  doc["workload"]["start_s"] = window.warmup_from_s;
  if (warmup_only) {
    if (window.window_from_s <= window.warmup_from_s) return {};  // no warm-up: nothing to subtract
    doc["workload"]["duration_s"] = window.window_from_s - window.warmup_from_s;
  }
  doc["metrics"]["interval_s"] = window.interval_s;
  app::PrepareOptions options;
  options.seed = seed;
  options.writes_timeseries = false;
  const app::Prepared prepared =
      app::prepare(sim::parse_scenario(doc, window.scenario_file, window.base_dir), options);
  ReplayRun run;
  app::RunOptions run_options;
  run_options.on_row = [&](size_t, const sim::IntervalRow& row) { run.rows.push_back(row); };
  auto outcome = app::run(prepared, run_options);
  run.result = std::move(outcome.results.at(0));
  return run;
}

namespace {

double cost_of(const sim::CandidateResult& result, const std::string& category) {
  for (const auto& [name, usd] : result.cost_usd)
    if (name == category) return usd;
  return 0;
}

}  // namespace

std::vector<double> difference_quantiles_ms(const sim::LatencyHistogram& all,
                                            const sim::LatencyHistogram& part,
                                            const std::vector<double>& quantiles, bool clamp_negative) {
  std::map<double, int64_t> counts;
  for (const auto& [upper_s, count] : all.buckets()) counts[upper_s] += static_cast<int64_t>(count);
  for (const auto& [upper_s, count] : part.buckets()) counts[upper_s] -= static_cast<int64_t>(count);
  int64_t total = 0;
  for (auto& [upper_s, count] : counts) {
    if (count < 0 && clamp_negative) count = 0;
    if (count < 0) throw std::logic_error("calibrate: the warm-up run served a request the full run did not");
    total += count;
  }
  constexpr double kEps = sim::LatencyHistogram::kRelativeError;
  constexpr double kGamma = (1 + kEps) / (1 - kEps);
  std::vector<double> out;
  for (const double q : quantiles) {
    const double rank_d = std::ceil(q * static_cast<double>(total));
    const int64_t rank = rank_d < 1 ? 1 : static_cast<int64_t>(rank_d);
    int64_t seen = 0;
    double value = 0;
    for (const auto& [upper_s, count] : counts) {
      seen += count;
      value = 2.0 * upper_s / (kGamma + 1.0);  // the bucket's representative, as LatencyHistogram gives it
      if (seen >= rank) break;
    }
    out.push_back(value * 1000.0);
  }
  return out;
}

SimulatedWindow simulate_window(const ReplayWindow& window, uint64_t seed) {
  const ReplayRun full = replay_run(window, seed, false);
  const ReplayRun warmup = replay_run(window, seed, true);
  const auto& a = full.result;
  const auto& b = warmup.result;
  SimulatedWindow out;
  out.arrived = a.requests.arrived - b.requests.arrived;
  out.throttled = a.requests.throttled - b.requests.throttled;
  auto& m = out.metrics.value;
  const auto n = static_cast<double>(out.arrived ? out.arrived : 1);
  // Per request not throttled, as the logs' share is per served request.
  const uint64_t not_throttled = out.arrived - out.throttled;
  m[cold_share] = static_cast<double>(a.requests.cold_starts - b.requests.cold_starts) /
                  static_cast<double>(not_throttled ? not_throttled : 1);
  const auto q = difference_quantiles_ms(a.latency, b.latency, {0.50, 0.90, 0.99});
  m[p50_ms] = q[0];
  m[p90_ms] = q[1];
  m[p99_ms] = q[2];
  const double compute_usd = cost_of(a, "compute_usd") - cost_of(b, "compute_usd");
  const double usd_per_s = window.prices.usd_per_gb_s * window.memory_mb / 1024.0;
  m[billed_mean_ms] = usd_per_s > 0 ? compute_usd / usd_per_s / n * 1000.0 : 0;  // Lambda's logs only
  m[cost_usd] = a.cost_total_usd - b.cost_total_usd;
  // Intervals of the full run that lie in the window (the run's time 0 is warmup_from_s).
  double peak = 0;
  for (const auto& row : full.rows) {
    const double from = window.warmup_from_s + row.start_s, to = window.warmup_from_s + row.end_s;
    if (from + 1e-9 >= window.peak_from_s && to <= window.window_to_s + 1e-9 &&
        std::abs(row.end_s - row.start_s - window.interval_s) < 1e-9)
      peak = std::max(peak, row.busy_mean);
  }
  m[peak_busy] = peak;
  return out;
}

}  // namespace servesim::calibrate
