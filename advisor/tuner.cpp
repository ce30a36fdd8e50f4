#include "advisor/tuner.hpp"

#include <cmath>
#include <sstream>

#include "advisor/facts.hpp"
#include "advisor/format.hpp"
#include "core/input_error.hpp"
#include "platforms/catalog.hpp"
#include "platforms/model_factory.hpp"
#include "platforms/registry.hpp"
#include "sim/engine.hpp"
#include "sim/slo.hpp"

namespace servesim::advisor {

std::vector<SweepKey> sweep_table() {
  // Each registered platform's catalogue tune_grid (platforms/catalog.hpp), in registry order.
  std::vector<SweepKey> table;
  for (const auto& registration : platforms::registered_platforms())
    if (const auto* entry = platforms::find_platform(registration.name))
      for (const auto& k : entry->tune_keys)
        table.push_back(SweepKey{entry->platform, k.key, k.unit, k.values, k.note});
  return table;
}

namespace {

const platforms::TuneKey* find_key(const platforms::PlatformEntry& entry, const std::string& key) {
  for (const auto& k : entry.tune_keys)
    if (key == k.key) return &k;
  return nullptr;
}

std::string keys_of(const platforms::PlatformEntry& entry) {
  std::string s;
  for (const auto& k : entry.tune_keys) s += (s.empty() ? "" : ", ") + k.key;
  return s;
}

}  // namespace

TuneResult tune(const sim::Scenario& scenario, const std::string& platform, std::vector<std::string> keys,
                const std::map<std::string, std::vector<double>>& grids, const TuneHooks& hooks) {
  const auto* entry = platforms::find_platform(platform);
  if (!entry)
    throw InputError("tune: no platform '" + platform + "' in the catalogue (see `servesim catalog`)");
  const std::string sweepable = keys_of(*entry);
  if (sweepable.empty()) throw InputError("tune: nothing to sweep on " + platform);
  if (keys.empty()) keys.push_back(entry->tune_keys.front().key);
  std::vector<std::vector<double>> values;
  for (const auto& key : keys) {
    const platforms::TuneKey* k = find_key(*entry, key);
    if (!k)
      throw InputError("tune: " + key + " is not sweepable on " + platform + " (sweepable: " + sweepable +
                       ")");
    const auto it = grids.find(key);
    values.push_back(it != grids.end() ? it->second : k->values);
    if (values.back().empty()) throw InputError("tune: empty grid for " + key);
  }
  for (const auto& [key, grid] : grids)
    if (std::find(keys.begin(), keys.end(), key) == keys.end())
      throw InputError("tune: a grid is given for " + key + " but it is not swept (add it to --keys)");

  const AdvisorSection section = parse_advisor_section(scenario);
  TuneResult out;
  out.platform = platform;
  out.keys = keys;
  out.slo_p99_ms = scenario.slo.p99_ms;
  out.min_attainment = scenario.slo.attainment_target;

  nlohmann::json base = nlohmann::json::object();
  for (const auto& c : scenario.candidates)
    if (c.platform == platform) {
      base = c.settings.is_null() ? nlohmann::json::object() : c.settings;
      break;
    }
  // The catalogue's tune defaults (e.g. a timeout derived from the client's) where the scenario gives none.
  const platforms::Quantities quantities = {{"slo_timeout_s", scenario.slo.timeout_s},
                                            {"reference_vcpu", scenario.service.reference_vcpu}};
  const auto defaults = platforms::resolve_settings(entry->tune_defaults, quantities);
  for (const auto& [key, value] : defaults->items())
    if (!base.contains(key)) base[key] = value;

  // Cross product of the grids, first key slowest.
  sim::Scenario sweep = scenario;
  sweep.candidates.clear();
  std::vector<size_t> idx(keys.size(), 0);
  std::vector<sim::CandidateRun> runs;
  std::vector<size_t> run_point;  // runs[i] is point run_point[i]
  for (;;) {
    TunePoint p;
    p.settings = base;
    std::string name = platform;
    for (size_t k = 0; k < keys.size(); ++k) {
      const double v = values[k][idx[k]];
      p.swept[keys[k]] = v;
      const auto* param = entry->find(keys[k]);
      if (param && param->integer)
        p.settings[keys[k]] = static_cast<int64_t>(std::llround(v));
      else
        p.settings[keys[k]] = v;
      name += " " + keys[k] + "=" + num(v);
    }
    p.name = name;
    sim::CandidateSpec spec;
    spec.name = name;
    spec.platform = platform;
    spec.settings = p.settings;
    spec.pointer = "/tune (" + name + ")";
    try {
      runs.push_back(sim::CandidateRun{name, platforms::make_model(spec, scenario)});
      run_point.push_back(out.points.size());
      sweep.candidates.push_back(spec);
    } catch (const InputError& e) {
      p.valid = false;
      p.invalid_reason = e.what();
    }
    out.points.push_back(std::move(p));
    size_t k = keys.size();
    while (k > 0 && ++idx[k - 1] == values[k - 1].size()) idx[--k] = 0;
    if (k == 0) break;
  }
  if (runs.empty())
    throw InputError("tune: the platform refused every point; first: " + out.points.front().invalid_reason);

  auto options = sim::RunOptions::for_scenario(scenario);
  options.on_progress = hooks.on_progress;
  options.cancel = hooks.cancel;
  const auto results = sim::simulate(options, runs);
  for (size_t i = 0; i < results.size(); ++i) {
    auto& p = out.points[run_point[i]];
    const auto& r = results[i];
    const auto& q = r.requests;
    const double n = static_cast<double>(std::max<uint64_t>(1, q.arrived));
    const sim::SloOutcome slo = sim::judge_slo(r, scenario.slo);
    p.attainment = slo.attainment;
    p.p50_ms = r.latency.quantile_s(0.5) * 1e3;
    p.p99_ms = slo.p99_ms;
    p.cost_usd = r.cost_total_usd;
    p.cold_start_share = static_cast<double>(q.cold_starts) / n;
    p.arrived = q.arrived;
    p.throttled = q.throttled;
    p.timed_out = q.timed_out;
    p.dropped = q.dropped;
    p.meets_slo = slo.met;
    if (p.meets_slo && (!out.best || p.cost_usd < out.points[*out.best].cost_usd)) out.best = run_point[i];
  }
  return out;
}

nlohmann::json tune_json(const advisor::TuneResult& result) {
  nlohmann::json points = nlohmann::json::array();
  for (const auto& p : result.points)
    points.push_back({{"name", p.name},
                      {"swept", p.swept},
                      {"settings", p.settings},
                      {"valid", p.valid},
                      {"invalid_reason", p.invalid_reason},
                      {"meets_slo", p.meets_slo},
                      {"attainment", p.attainment},
                      {"p50_ms", p.p50_ms},
                      {"p99_ms", p.p99_ms},
                      {"cost_usd", p.cost_usd},
                      {"cold_start_share", p.cold_start_share},
                      {"requests",
                       {{"arrived", p.arrived},
                        {"throttled", p.throttled},
                        {"timed_out", p.timed_out},
                        {"dropped", p.dropped}}}});
  return {{"platform", result.platform},
          {"keys", result.keys},
          {"slo", {{"p99_ms", result.slo_p99_ms}, {"attainment_target", result.min_attainment}}},
          {"points", points},
          {"best", result.best ? nlohmann::json(result.points[*result.best].name) : nlohmann::json()}};
}

std::string tune_csv(const TuneResult& r) {
  std::ostringstream o;
  o.precision(10);
  const auto* entry = platforms::find_platform(r.platform);
  for (const auto& k : r.keys) o << k << " [" << find_key(*entry, k)->unit << "],";
  o << "cost [USD],p50 [ms],p99 [ms],attainment [fraction],cold_start_share [fraction],arrived [requests],"
       "throttled [requests],timed_out [requests],dropped [requests],meets_slo [bool],best [bool],invalid "
       "[text]\n";
  for (size_t i = 0; i < r.points.size(); ++i) {
    const auto& p = r.points[i];
    for (const auto& k : r.keys) o << p.swept.at(k) << ",";
    if (p.valid)
      o << p.cost_usd << "," << p.p50_ms << "," << p.p99_ms << "," << p.attainment << ","
        << p.cold_start_share << "," << p.arrived << "," << p.throttled << "," << p.timed_out << ","
        << p.dropped << "," << (p.meets_slo ? "true" : "false") << ","
        << (r.best && *r.best == i ? "true" : "false") << ",\n";
    else {
      std::string why = p.invalid_reason;
      for (auto& c : why)
        if (c == '"') c = '\'';
      o << ",,,,,,,,,false,false,\"" << why << "\"\n";
    }
  }
  return o.str();
}

}  // namespace servesim::advisor
