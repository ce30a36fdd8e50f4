#include "advisor/evidence.hpp"

#include <algorithm>
#include <cmath>

#include "advisor/format.hpp"
#include "core/input_error.hpp"
#include "platforms/catalog.hpp"
#include "platforms/model_factory.hpp"
#include "platforms/registry.hpp"
#include "sim/engine.hpp"
#include "sim/slo.hpp"

namespace servesim::advisor {

namespace {

Placement placement_from(const std::string& placement_class) {
  if (placement_class == "serverless") return Placement::serverless;
  if (placement_class == "edge") return Placement::edge;
  if (placement_class == "gpu-serverless") return Placement::gpu_serverless;
  return Placement::container;
}

}  // namespace

Placement placement_of(const std::string& platform) {
  return placement_from(platforms::placement_of(platform));
}

std::vector<PlacementUse> placements_of(const sim::CandidateSpec& candidate, const sim::Scenario& scenario) {
  std::vector<PlacementUse> uses;
  for (const auto& u : platforms::placements_of(candidate, scenario))
    uses.push_back(PlacementUse{placement_from(u.placement), u.where});
  return uses;
}

Placement placement_of(const sim::CandidateSpec& candidate, const sim::Scenario& scenario) {
  const auto uses = placements_of(candidate, scenario);
  for (const auto& u : uses)
    if (u.placement == Placement::container) return Placement::container;
  return uses.empty() ? Placement::container : uses.front().placement;
}

namespace {

bool is_open(const RuleOutcome& rules, Placement p) {
  return std::find(rules.open.begin(), rules.open.end(), p) != rules.open.end();
}

// "serverless, containers and serverless GPU"
std::string open_text(const RuleOutcome& rules) {
  if (rules.open.empty()) return "nothing";
  std::string s = to_string(rules.open.front());
  for (size_t i = 1; i < rules.open.size(); ++i)
    s += std::string(i + 1 == rules.open.size() ? " and " : ", ") + to_string(rules.open[i]);
  return s;
}

std::string unique_name(const sim::Scenario& sc, const std::vector<sim::CandidateSpec>& taken,
                        std::string name) {
  auto clash = [&](const std::string& n) {
    for (const auto& c : sc.candidates)
      if (c.name == n) return true;
    for (const auto& c : taken)
      if (c.name == n) return true;
    return false;
  };
  std::string out = name;
  for (int i = 2; clash(out); ++i) out = name + "-" + std::to_string(i);
  return out;
}

// "default-pool-{servers}" with servers = 4: "default-pool-4".
std::string default_name(std::string name, const nlohmann::json& settings) {
  for (const auto& [key, value] : settings.items()) {
    const std::string field = "{" + key + "}";
    for (auto at = name.find(field); at != std::string::npos; at = name.find(field))
      name.replace(at, field.size(), value.is_string() ? value.get<std::string>() : value.dump());
  }
  return name;
}

}  // namespace

std::vector<sim::CandidateSpec> evidence_candidates(const sim::Scenario& scenario, const Facts& facts,
                                                    const RuleOutcome& rules, const AdvisorSection& section,
                                                    std::vector<std::string>* notes) {
  std::vector<sim::CandidateSpec> out;
  bool listed[4] = {false, false, false, false};
  for (const auto& c : scenario.candidates) {
    // A topology runs only if every placement it uses is open: one excluded stage puts its path at risk.
    const auto uses = placements_of(c, scenario);
    const auto excluded = std::find_if(uses.begin(), uses.end(),
                                       [&](const PlacementUse& u) { return !is_open(rules, u.placement); });
    if (excluded != uses.end()) {
      if (notes)
        notes->push_back(c.name + " not simulated: the rules exclude " + to_string(excluded->placement) +
                         (excluded->where.empty() ? "" : " (its " + excluded->where + ")"));
      continue;
    }
    for (const auto& u : uses) listed[static_cast<int>(u.placement)] = true;
    out.push_back(c);
  }
  if (section.default_candidates) {
    // Each registered platform's catalogue default (platforms/catalog.hpp: advisor_default), in registry
    // order, for an open placement the scenario lists no candidate for.
    platforms::Quantities quantities = {
        {"slo_timeout_s", scenario.slo.timeout_s},
        {"reference_vcpu", scenario.service.reference_vcpu},
    };
    const double util = section.thresholds.get("pool_target_utilisation");
    const double load = facts.traffic.peak_minute_rps * facts.traffic.mean_service_s;
    quantities["peak_servers"] =
        static_cast<double>(std::max<int64_t>(1, static_cast<int64_t>(std::ceil(load / util))));
    if (facts.gflops_per_request) quantities["gflops_per_request"] = *facts.gflops_per_request;
    for (const auto& registration : platforms::registered_platforms()) {
      const auto* entry = platforms::find_platform(registration.name);
      if (!entry || !entry->advisor_default) continue;
      const Placement placement = placement_from(entry->placement);
      if (!is_open(rules, placement) || listed[static_cast<int>(placement)]) continue;
      std::string missing;
      auto settings = platforms::resolve_settings(entry->advisor_default->settings, quantities, &missing);
      if (!settings) {
        if (notes) {
          const auto& why = entry->advisor_default->note_if_missing;
          notes->push_back("default " + entry->platform +
                           " not simulated: " + (why.empty() ? "it needs " + missing : why));
        }
        continue;
      }
      sim::CandidateSpec spec;
      spec.platform = entry->platform;
      spec.name = unique_name(scenario, out, default_name(entry->advisor_default->name, *settings));
      spec.settings = std::move(*settings);
      spec.pointer = "/advisor (default candidate " + spec.name + ")";
      // A default the platform cannot deploy (service.cold_start.source beyond its packaging limits) is left
      // out with the platform's reason, instead of failing the whole advice.
      try {
        platforms::make_model(spec, scenario);
      } catch (const InputError& e) {
        if (notes) notes->push_back("default " + entry->platform + " not simulated: " + e.what());
        continue;
      }
      out.push_back(std::move(spec));
    }
  }
  if (out.empty())
    throw input_error(
        scenario.file, "/candidates",
        "no candidate to simulate: the rules leave open " + open_text(rules) +
            ", the scenario lists no candidate there and advisor.default_candidates is " +
            (section.default_candidates ? "true but no default platform is in the catalogue" : "false"));
  return out;
}

namespace {

// The interval with the most cold starts (the spike's front), else the one with the most arrivals.
void note_row(CandidateEvidence& e, const sim::IntervalRow& row) {
  if (row.counts.arrived > 0 &&
      (row.counts.cold_starts > e.busiest_cold_starts ||
       (row.counts.cold_starts == e.busiest_cold_starts && row.counts.arrived > e.busiest_arrived))) {
    e.busiest_cold_starts = row.counts.cold_starts;
    e.busiest_arrived = row.counts.arrived;
    e.busiest_start_s = row.start_s;
    e.busiest_end_s = row.end_s;
    e.busiest_p99_ms = row.p99_ms;
    e.busiest_served = row.counts.served;
  }
}

}  // namespace

EvidenceRun gather_evidence(const sim::Scenario& scenario, std::vector<sim::CandidateSpec> candidates,
                            const std::function<void(size_t, const sim::IntervalRow&)>& on_row,
                            const std::atomic<bool>* cancel,
                            const std::function<void(double, double)>& on_progress) {
  return gather_evidence(scenario, std::move(candidates), {}, on_row, cancel, on_progress);
}

EvidenceRun gather_evidence(const sim::Scenario& scenario, std::vector<sim::CandidateSpec> candidates,
                            const std::map<std::string, SimulatedCandidate>& simulated,
                            const std::function<void(size_t, const sim::IntervalRow&)>& on_row,
                            const std::atomic<bool>* cancel,
                            const std::function<void(double, double)>& on_progress) {
  if (candidates.empty()) throw input_error(scenario.file, "/candidates", "no candidate to simulate");
  EvidenceRun run;
  run.scenario = scenario;
  run.scenario.candidates = std::move(candidates);
  const size_t n = run.scenario.candidates.size();
  std::vector<CandidateEvidence> ev(n);
  run.results.resize(n);
  // The candidates to simulate here (indices into run.scenario.candidates), in one engine.
  std::vector<size_t> to_simulate;
  sim::Scenario fresh = run.scenario;
  fresh.candidates.clear();
  for (size_t i = 0; i < n; ++i)
    if (!simulated.count(run.scenario.candidates[i].name)) {
      to_simulate.push_back(i);
      fresh.candidates.push_back(run.scenario.candidates[i]);
    }
  if (!to_simulate.empty()) {
    auto runs = platforms::make_candidates(fresh);
    auto options = sim::RunOptions::for_scenario(scenario);
    options.cancel = cancel;
    options.on_progress = on_progress;
    options.on_row = [&](size_t k, const sim::IntervalRow& row) {
      note_row(ev[to_simulate[k]], row);
      if (on_row) on_row(to_simulate[k], row);
    };
    auto results = sim::simulate(options, runs);
    for (size_t k = 0; k < to_simulate.size(); ++k) run.results[to_simulate[k]] = std::move(results[k]);
  }
  for (size_t i = 0; i < n; ++i) {
    const auto known = simulated.find(run.scenario.candidates[i].name);
    if (known == simulated.end()) continue;
    run.results[i] = *known->second.result;
    if (known->second.rows)
      for (const auto& row : *known->second.rows) {
        note_row(ev[i], row);
        if (on_row) on_row(i, row);
      }
  }
  for (size_t i = 0; i < ev.size(); ++i) {
    auto& e = ev[i];
    const auto& r = run.results[i];
    e.spec = run.scenario.candidates[i];
    e.placement = placement_of(e.spec, scenario);
    e.from_scenario = e.spec.pointer.rfind("/candidates/", 0) == 0;
    e.result = r;
    const double arrived = static_cast<double>(std::max<uint64_t>(1, r.requests.arrived));
    const sim::SloOutcome slo = sim::judge_slo(r, scenario.slo);
    e.attainment = slo.attainment;
    e.p50_ms = r.latency.quantile_s(0.5) * 1e3;
    e.p99_ms = slo.p99_ms;
    e.cold_start_share = static_cast<double>(r.requests.cold_starts) / arrived;
    e.meets_slo = slo.met;
  }
  rank(ev, scenario.slo);
  run.ranked = std::move(ev);
  return run;
}

namespace {

// "the worst interval (5400-5460 s): 1,650 arrivals, 312 cold starts, p99 2,310 ms" — counts, not a share:
// cold starts are counted when an instance starts, so an interval can see more of them than arrivals (the
// requests they serve may have arrived in the interval before).
std::string worst_interval_text(const CandidateEvidence& e) {
  return "the worst interval (" + num(e.busiest_start_s) + "-" + num(e.busiest_end_s) +
         " s): " + num(static_cast<double>(e.busiest_arrived)) + " arrivals, " +
         num(static_cast<double>(e.busiest_cold_starts)) + " cold starts, " +
         (e.busiest_served > 0 ? "p99 " + num(e.busiest_p99_ms) + " ms" : std::string("none served"));
}

}  // namespace

void rank(std::vector<CandidateEvidence>& c, const sim::SloSpec& slo) {
  const double slo_p99_ms = slo.p99_ms, min_attainment = slo.attainment_target;
  std::stable_sort(c.begin(), c.end(), [](const CandidateEvidence& a, const CandidateEvidence& b) {
    if (a.meets_slo != b.meets_slo) return a.meets_slo;
    if (!a.meets_slo && a.attainment != b.attainment) return a.attainment > b.attainment;
    return a.result.cost_total_usd < b.result.cost_total_usd;
  });
  if (c.empty()) return;
  c.front().reason.clear();
  const auto& best = c.front();
  for (size_t i = 1; i < c.size(); ++i) {
    auto& e = c[i];
    const auto& q = e.result.requests;
    std::string why = e.spec.name + ": ";
    if (e.meets_slo) {
      const double extra =
          best.result.cost_total_usd > 0 ? e.result.cost_total_usd / best.result.cost_total_usd - 1.0 : 0.0;
      why += "meets the SLO but costs " + usd(e.result.cost_total_usd) + " vs " +
             usd(best.result.cost_total_usd) + " for " + best.spec.name + " (+" + pct(extra) + ")";
    } else {
      std::vector<std::string> parts;
      if (q.served == 0) parts.push_back("served no request");
      if (e.p99_ms > slo_p99_ms)
        parts.push_back("p99 " + num(e.p99_ms) + " ms > SLO " + num(slo_p99_ms) + " ms");
      if (e.attainment < min_attainment)
        parts.push_back("only " + pct(e.attainment, min_attainment) + " of requests within the SLO (needs " +
                        pct(min_attainment) + ")");
      std::string fails;
      if (q.timed_out) fails += num(static_cast<double>(q.timed_out)) + " timed out";
      if (q.throttled)
        fails += (fails.empty() ? "" : ", ") + num(static_cast<double>(q.throttled)) + " throttled";
      if (q.dropped) fails += (fails.empty() ? "" : ", ") + num(static_cast<double>(q.dropped)) + " dropped";
      if (!fails.empty()) parts.push_back(fails);
      if (e.busiest_arrived > 0 && (e.busiest_cold_starts > 0 || e.busiest_p99_ms > slo_p99_ms))
        parts.push_back(worst_interval_text(e));
      for (size_t k = 0; k < parts.size(); ++k) why += (k ? "; " : "") + parts[k];
    }
    e.reason = why;
  }
}

}  // namespace servesim::advisor
