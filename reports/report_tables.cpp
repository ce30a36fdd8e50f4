#include "reports/report_tables.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "core/median.hpp"
#include "reports/html_text.hpp"

namespace servesim::reports {
namespace {

std::string num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

double get(const nlohmann::json& j, const char* a, const char* b) {
  if (!j.contains(a) || !j[a].contains(b) || !j[a][b].is_number()) return 0;
  return j[a][b].get<double>();
}

std::string json_text(const nlohmann::json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

}  // namespace

double monthly_usd(double cost_usd, double simulated_s) {
  return simulated_s > 0 ? cost_usd * kMonthS / simulated_s : 0;
}

int best_by_simulation(const nlohmann::json& summary) {
  int best = -1;
  double best_cost = 0;
  const auto& cands = summary.at("candidates");
  for (size_t i = 0; i < cands.size(); ++i) {
    const auto& c = cands[i];
    const bool met = c.contains("slo") && c["slo"].value("met", false);
    const double cost = get(c, "cost_usd", "total");
    if (met && (best < 0 || cost < best_cost)) best = static_cast<int>(i), best_cost = cost;
  }
  return best;
}

std::vector<double> arrival_rate_rps(const CandidateSeries& s) {
  std::vector<double> rate(s.arrivals.size());
  for (size_t i = 0; i < rate.size(); ++i) {
    const double len = s.end_s[i] - s.start_s[i];
    rate[i] = len > 0 ? s.arrivals[i] / len : 0;
  }
  return rate;
}

SpikeAnalysis find_spikes(const CandidateSeries& s, double factor) {
  SpikeAnalysis a;
  a.factor = factor;
  const auto rate = arrival_rate_rps(s);
  if (rate.empty()) return a;
  const size_t n = rate.size();
  a.median_rps = core::median(rate);
  double mean = 0;
  for (double r : rate) mean += r / static_cast<double>(n);
  a.threshold_rps = factor * (a.median_rps > 0 ? a.median_rps : mean);
  for (size_t i = 0; i < rate.size(); ++i) {
    if (!(rate[i] > a.threshold_rps)) continue;
    if (!a.windows.empty() && a.windows.back().last + 1 == i) {
      auto& w = a.windows.back();
      w.last = i, w.end_s = s.end_s[i], w.peak_rps = std::max(w.peak_rps, rate[i]);
    } else {
      a.windows.push_back(SpikeWindow{i, i, s.start_s[i], s.end_s[i], rate[i]});
    }
  }
  return a;
}

WindowOutcome window_outcome(const CandidateSeries& s, const SpikeWindow& w) {
  WindowOutcome o;
  for (size_t i = w.first; i <= w.last && i < s.arrivals.size(); ++i) {
    o.arrivals += s.arrivals[i];
    o.cold_starts += s.cold_starts[i];
    o.throttled += s.throttled[i];
    o.timed_out += s.timed_out[i];
    o.dropped += s.dropped[i];
    o.p99_ms_max = std::max(o.p99_ms_max, s.p99_ms[i]);
  }
  return o;
}

std::string candidates_csv(const RunData& run) {
  std::ostringstream out;
  out << "candidate,platform,latency_source,arrived_requests,served_requests,cold_starts,throttled_requests,"
         "timed_out_"
         "requests,"
         "dropped_requests,retries,latency_mean_ms,latency_p50_ms,latency_p90_ms,latency_p99_ms,latency_max_"
         "ms,"
         "instances_mean,instances_peak,cost_usd,cost_usd_per_30_days,slo_attainment_fraction,slo_met,"
         "simulated_s\n";
  for (const auto& c : run.summary["candidates"]) {
    const double simulated_s = c.value("simulated_s", 0.0), cost = get(c, "cost_usd", "total");
    out << csv_field(c.value("name", "")) << ',' << csv_field(c.value("platform", "")) << ','
        << csv_field(c.value("latency_source", "measured"));
    for (const char* k : {"arrived", "served", "cold_starts", "throttled", "timed_out", "dropped", "retries"})
      out << ',' << num(get(c, "requests", k));
    for (const char* k : {"mean", "p50", "p90", "p99", "max"}) out << ',' << num(get(c, "latency_ms", k));
    out << ',' << num(get(c, "instances", "mean")) << ',' << num(get(c, "instances", "peak")) << ','
        << num(cost) << ',' << num(monthly_usd(cost, simulated_s)) << ',' << num(get(c, "slo", "attainment"))
        << ',' << (c.contains("slo") && c["slo"].value("met", false) ? "true" : "false") << ','
        << num(simulated_s) << '\n';
  }
  return out.str();
}

std::string cost_breakdown_csv(const RunData& run) {
  std::ostringstream out;
  out << "candidate,cost_item,cost_usd,cost_usd_per_30_days,share_of_total_fraction\n";
  for (const auto& c : run.summary["candidates"]) {
    const double simulated_s = c.value("simulated_s", 0.0), total = get(c, "cost_usd", "total");
    if (!c.contains("cost_usd")) continue;
    for (const auto& [key, v] : c["cost_usd"].items()) {
      if (!v.is_number()) continue;
      const double usd = v.get<double>();
      out << csv_field(c.value("name", "")) << ',' << csv_field(key) << ',' << num(usd) << ','
          << num(monthly_usd(usd, simulated_s)) << ',' << num(total > 0 ? usd / total : 0) << '\n';
    }
  }
  return out.str();
}

std::string spike_windows_csv(const RunData& run, const SpikeAnalysis& spikes) {
  std::ostringstream out;
  out << "window,start_s,end_s,peak_arrival_rate_rps,threshold_rps,candidate,arrived_requests,cold_starts,"
         "throttled_requests,timed_out_requests,dropped_requests,interval_p99_ms_max\n";
  for (size_t w = 0; w < spikes.windows.size(); ++w) {
    const auto& win = spikes.windows[w];
    for (const auto& s : run.series) {
      const auto o = window_outcome(s, win);
      out << w + 1 << ',' << num(win.start_s) << ',' << num(win.end_s) << ',' << num(win.peak_rps) << ','
          << num(spikes.threshold_rps) << ',' << csv_field(s.name) << ',' << num(o.arrivals) << ','
          << num(o.cold_starts) << ',' << num(o.throttled) << ',' << num(o.timed_out) << ',' << num(o.dropped)
          << ',' << num(o.p99_ms_max) << '\n';
    }
  }
  return out.str();
}

std::string assumptions_csv(const ReportContext& ctx) {
  std::ostringstream out;
  out << "candidate,platform,key,value,unit,status,source,overridden,catalog_default\n";
  for (const auto& c : ctx.candidates)
    for (const auto& p : c.parameters)
      out << csv_field(c.name) << ',' << csv_field(c.platform) << ',' << csv_field(p.key) << ','
          << csv_field(json_text(p.value)) << ',' << csv_field(p.unit) << ',' << csv_field(p.status) << ','
          << csv_field(p.source) << ',' << (p.overridden ? "true" : "false") << ','
          << csv_field(json_text(p.default_value)) << '\n';
  return out.str();
}

std::vector<std::pair<std::string, std::string>> report_csv_files(const RunData& run,
                                                                  const ReportContext& ctx,
                                                                  double spike_factor) {
  const SpikeAnalysis spikes =
      run.series.empty() ? SpikeAnalysis{} : find_spikes(run.series.front(), spike_factor);
  return {{"candidates.csv", candidates_csv(run)},
          {"cost_breakdown.csv", cost_breakdown_csv(run)},
          {"spike_windows.csv", spike_windows_csv(run, spikes)},
          {"assumptions.csv", assumptions_csv(ctx)}};
}

}  // namespace servesim::reports
