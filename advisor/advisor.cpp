#include "advisor/advisor.hpp"

#include <sstream>
#include <stdexcept>

#include "advisor/format.hpp"

namespace servesim::advisor {

namespace {

std::string settings_text(const nlohmann::json& settings) {
  if (settings.is_null() || settings.empty()) return "catalogue defaults";
  std::string s;
  for (const auto& [k, v] : settings.items()) s += (s.empty() ? "" : ", ") + k + " " + v.dump();
  return s;
}

std::string path_text(const RuleOutcome& rules) {
  std::string s;
  for (const auto& step : rules.path) s += (s.empty() ? "" : " -> ") + step.node_id + " " + step.answer;
  return s;
}

std::string join_models(const std::vector<std::string>& models) {
  std::string s;
  for (const auto& m : models) s += (s.empty() ? "" : "; ") + m;
  return s;
}

bool is_estimated(const CandidateEvidence& c) {
  return c.result.latency_source == "estimated";
}

std::string write_verdict(Recommendation& rec) {
  const auto& best = rec.best();
  std::string v;
  // A language model's targets on the first token and the tokens after it count too (goodput, sim/slo.hpp).
  std::string token_targets;
  if (best.result.llm.present && (rec.slo_ttft_ms > 0 || rec.slo_tpot_ms > 0))
    token_targets = std::string(" with") +
                    (rec.slo_ttft_ms > 0 ? " TTFT <= " + num(rec.slo_ttft_ms) + " ms" : "") +
                    (rec.slo_ttft_ms > 0 && rec.slo_tpot_ms > 0 ? " and" : "") +
                    (rec.slo_tpot_ms > 0 ? " TPOT <= " + num(rec.slo_tpot_ms) + " ms" : "");
  if (rec.any_meets_slo) {
    v = "Recommended: " + best.spec.name + " (" + best.spec.platform + ", " + to_string(best.placement) +
        (is_estimated(best) ? ", latency estimated" : "") + "; " + settings_text(best.spec.settings) +
        "): " + pct(best.attainment, rec.slo_attainment_target) + " of requests within the " +
        num(rec.slo_p99_ms) + " ms SLO" + token_targets + ", p99 " + num(best.p99_ms) + " ms, cost " +
        usd(best.result.cost_total_usd) + " for the replay.";
  } else {
    v = "No candidate meets the SLO (p99 " + num(rec.slo_p99_ms) + " ms for " +
        pct(rec.slo_attainment_target) + " of requests). Closest: " + best.spec.name + " (" +
        best.spec.platform + "): " + pct(best.attainment, rec.slo_attainment_target) +
        " within the SLO, p99 " + num(best.p99_ms) + " ms, cost " + usd(best.result.cost_total_usd) + ".";
  }
  v += " Rules: " + rec.rules.verdict + " (" + path_text(rec.rules) + ").";
  if (!rec.rules_agree) {
    v += " The rules and the evidence disagree: the rules prefer " +
         std::string(to_string(*rec.rules.preferred)) + " but the evidence favours " +
         to_string(best.placement) + ".";
    for (const auto& c : rec.evidence.ranked)
      if (fulfils(*rec.rules.preferred, c.placement)) {
        v += " Best " + std::string(to_string(c.placement)) + " candidate: " + c.reason + ".";
        break;
      }
    v += " Following the evidence.";
  } else if (rec.rules.preferred) {
    // An estimated latency is no evidence on its own: say what the agreement rests on.
    if (is_estimated(best))
      v +=
          " The evidence agrees with the rules only on an estimated GPU latency for " + best.spec.name +
          " (no measurement or calibration behind it): measure it (measured_batch_latency_ms) before relying "
          "on this.";
    else if (best.result.latency_source == "calibrated" && best.result.llm.present)
      v += " The evidence agrees with the rules (" + best.spec.name +
           "'s token-level serving times are calibrated on published LLM serving throughput, "
           "docs/models/llm-serving.md, not measured on this model).";
    else if (best.result.latency_source == "calibrated")
      v += " The evidence agrees with the rules (" + best.spec.name +
           "'s GPU latency is calibrated on published MLPerf results, not measured on this model).";
    else
      v += " The evidence agrees with the rules.";
  }
  // Stateful with the state outside: what the evidence says of the functions that use an external store.
  std::string external;
  for (const auto& name : rec.facts.external_state_names)
    for (const auto& c : rec.evidence.ranked)
      if (c.spec.name == name)
        external += (external.empty() ? "" : "; ") + name + (c.meets_slo ? " meets" : " misses") +
                    " the SLO (" + pct(c.attainment, rec.slo_attainment_target) + " within, p99 " +
                    num(c.p99_ms) + " ms, " + usd(c.result.cost_total_usd) + ")";
  // Different models side by side: the comparison is of cost and latency at each model's own quality.
  if (rec.facts.llm_models_differ)
    v += " The candidates serve different language models (" + join_models(rec.facts.llm_candidate_models) +
         "): their answers differ in quality, which ServeSim does not model; weigh that beside cost and "
         "latency.";
  if (!external.empty()) v += " Stateful, with the state in an external store: " + external + ".";
  if (rec.rules.edge_cache && rec.facts.repeat_share)
    v += " Put an edge cache in front: " + pct(*rec.facts.repeat_share) + " of requests repeat an input" +
         (rec.cache ? " (" + pct(rec.cache->simulated.hit_ratio()) + " hit in the cache replay)" : "") + ".";
  return v;
}

// advise() and advise_from_results(): the candidates in `simulated` are not simulated again.
Recommendation advise_with(const sim::Scenario& scenario, const AdviseHooks& hooks,
                           const std::map<std::string, SimulatedCandidate>& simulated) {
  const AdvisorSection section = parse_advisor_section(scenario);
  Recommendation rec;
  rec.scenario_name = scenario.name;
  rec.slo_p99_ms = scenario.slo.p99_ms;
  rec.slo_attainment_target = scenario.slo.attainment_target;
  rec.slo_ttft_ms = scenario.slo.ttft_ms;
  rec.slo_tpot_ms = scenario.slo.tpot_ms;
  rec.thresholds = section.thresholds;
  rec.facts = derive_facts(scenario, section);
  static const RuleTree tree;
  rec.rules = tree.evaluate(rec.facts, rec.thresholds);
  auto specs = evidence_candidates(scenario, rec.facts, rec.rules, section, &rec.notes);
  if (hooks.before_run) {
    std::vector<std::string> names;
    for (const auto& s : specs) names.push_back(s.name);
    hooks.before_run(names);
  }
  rec.evidence =
      gather_evidence(scenario, std::move(specs), simulated, hooks.on_row, hooks.cancel, hooks.on_progress);
  rec.any_meets_slo = rec.best().meets_slo;
  rec.rules_agree = !rec.rules.preferred || fulfils(*rec.rules.preferred, rec.best().placement);
  if (section.popularity) {
    CacheEvidence c;
    c.popularity = *section.popularity;
    c.analytical_hit_ratio = rec.facts.repeat_share.value_or(0);
    c.simulated = simulate_edge_cache(scenario.workload, scenario.seed, c.popularity);
    rec.cache = c;
  }
  if (!section.cascade.empty()) {
    CascadeEvidence c;
    c.stages = section.cascade;
    c.analytical = cascade_analytical(c.stages);
    c.simulated = cascade_simulated(c.stages, 200'000, scenario.seed);
    c.complex_only = cascade_analytical({c.stages.back()});
    rec.cascade = c;
    rec.notes.push_back("cascade: mean latency " + num(c.analytical.mean_latency_ms) + " ms and cost " +
                        usd(c.analytical.mean_cost_usd) + "/request vs " +
                        num(c.complex_only.mean_latency_ms) + " ms and " + usd(c.complex_only.mean_cost_usd) +
                        " for " + c.stages.back().name + " alone");
  }
  rec.verdict = write_verdict(rec);
  return rec;
}

}  // namespace

Recommendation advise(const sim::Scenario& scenario, const AdviseHooks& hooks) {
  return advise_with(scenario, hooks, {});
}

Recommendation advise_from_results(const sim::Scenario& scenario,
                                   const std::vector<sim::CandidateResult>& results,
                                   const std::vector<std::vector<sim::IntervalRow>>& rows,
                                   const AdviseHooks& hooks) {
  const size_t n = scenario.candidates.size();
  if (results.size() != n || rows.size() != n)
    throw std::invalid_argument("advise_from_results: " + std::to_string(results.size()) + " results and " +
                                std::to_string(rows.size()) + " row lists for " + std::to_string(n) +
                                " candidates");
  std::map<std::string, SimulatedCandidate> simulated;
  for (size_t i = 0; i < n; ++i) {
    if (results[i].name != scenario.candidates[i].name)
      throw std::invalid_argument("advise_from_results: result " + std::to_string(i) + " is \"" +
                                  results[i].name + "\", the scenario's candidate is \"" +
                                  scenario.candidates[i].name + "\"");
    simulated[results[i].name] = SimulatedCandidate{&results[i], &rows[i]};
  }
  return advise_with(scenario, hooks, simulated);
}

std::string facts_text(const Facts& f) {
  std::ostringstream o;
  const auto& t = f.traffic;
  o << "Facts\n";
  o << "  p99 latency SLO         " << num(f.slo_p99_ms) << " ms\n";
  o << "  model size              " << num(f.model_size_mb) << " MB on disk";
  if (f.model_memory_mb) o << ", " << num(*f.model_memory_mb) << " MB in memory";
  o << "\n";
  o << "  stateful                " << (f.stateful ? "yes (state store: " + f.state_store + ")" : "no")
    << "\n";
  o << "  event-driven            " << (f.event_driven ? "yes" : "no") << "\n";
  o << "  microservices           " << (f.microservices ? "yes" : "no") << "\n";
  o << "  cost-sensitive          " << (f.cost_sensitive ? "yes" : "no") << "\n";
  o << "  experimental            " << (f.experimental ? "yes" : "no") << "\n";
  o << "  traffic                 " << num(static_cast<double>(t.requests)) << " requests in "
    << num(t.duration_s) << " s (" << num(static_cast<double>(t.minutes)) << " minutes), mean "
    << num(t.mean_rps) << " req/s, busiest minute " << num(t.peak_minute_rps) << " req/s\n";
  o << "  peak/mean (per minute)  " << num(t.peak_to_mean) << "\n";
  o << "  CV of per-minute rates  " << num(t.cv) << "\n";
  o << "  idle minutes            " << pct(t.idle_minute_fraction) << "\n";
  if (f.llm && t.mean_service_s == 0)
    o << "  sustained utilisation   not applicable (a language model served token by token: the evidence "
         "below measures it per candidate)\n";
  else
    o << "  sustained utilisation   " << num(t.sustained_utilisation) << " (mean " << num(t.mean_rps)
      << " req/s x " << num(t.mean_service_s * 1e3) << " ms service = " << num(t.mean_concurrency)
      << " requests in service, per reference instance)\n";
  if (f.llm) {
    o << "  language model          " << f.llm_name << ", " << num(f.llm_parameters_b) << " B parameters, "
      << num(f.llm_weights_gb) << " GB of weights at " << f.llm_precision << ", context up to "
      << num(f.llm_context_tokens) << " tokens\n";
    if (f.llm_models_differ)
      o << "  models per candidate    " << join_models(f.llm_candidate_models)
        << " (the rules judge the smallest)\n";
    if (t.with_tokens > 0)
      o << "  tokens per request      " << num(t.mean_input_tokens) << " in + " << num(t.mean_output_tokens)
        << " out on average, longest request " << num(static_cast<double>(t.max_request_tokens))
        << " tokens (from the workload)\n";
  }
  if (f.cpu_compute_ms)
    o << "  GPU need                " << (f.gpu_intensive ? "yes" : "no") << " ("
      << num(*f.gflops_per_request) << " GFLOP/request"
      << (f.gflops_from_llm ? " (2 x parameters x tokens)" : "") << " = " << num(*f.cpu_compute_ms)
      << " ms of CPU on the largest function, estimated)\n";
  else
    o << "  GPU need                unknown (no advisor.gflops_per_request)\n";
  if (f.repeat_share && f.repeat_share_measured)
    o << "  repeated inputs         " << pct(*f.repeat_share)
      << " of requests (measured: " << num(static_cast<double>(t.distinct_keys))
      << " distinct inputs in the trace's key column)\n";
  else if (f.repeat_share)
    o << "  repeated inputs         " << pct(*f.repeat_share) << " of requests (analytical, Zipf)\n";
  else
    o << "  repeated inputs         unknown (no advisor.popularity or workload.key_column)\n";
  return o.str();
}

std::string to_text(const Recommendation& rec) {
  std::ostringstream o;
  o << "Advice for " << rec.scenario_name << "\n\n" << facts_text(rec.facts) << "\nRule path\n";
  for (const auto& s : rec.rules.path)
    o << "  " << s.question << " " << s.answer << ": " << s.because << "\n";
  o << "  => " << rec.rules.verdict << "; simulated:";
  for (size_t i = 0; i < rec.rules.open.size(); ++i) o << (i ? ", " : " ") << to_string(rec.rules.open[i]);
  o << "\n\nEvidence (ranked: meets the SLO first, then cost)\n";
  char line[512];
  std::snprintf(line, sizeof line, "  %-4s %-26s %-20s %-14s %12s %10s %10s %8s %7s %9s %9s\n", "rank",
                "candidate", "platform", "placement", "cost_usd", "p50_ms", "p99_ms", "in_slo", "cold",
                "throttled", "timed_out");
  o << line;
  int rank = 1;
  for (const auto& c : rec.evidence.ranked) {
    std::snprintf(line, sizeof line, "  %-4d %-26s %-20s %-14s %12.6g %10.1f %10.1f %8s %7s %9llu %9llu%s\n",
                  rank++, c.spec.name.c_str(), c.spec.platform.c_str(), to_string(c.placement),
                  c.result.cost_total_usd, c.p50_ms, c.p99_ms, pct(c.attainment).c_str(),
                  pct(c.cold_start_share).c_str(),
                  static_cast<unsigned long long>(c.result.requests.throttled),
                  static_cast<unsigned long long>(c.result.requests.timed_out),
                  c.meets_slo ? (is_estimated(c) ? "  (latency estimated)" : "")
                              : (is_estimated(c) ? "  (misses SLO; latency estimated)" : "  (misses SLO)"));
    o << line;
  }
  o << "\nNot recommended\n";
  for (size_t i = 1; i < rec.evidence.ranked.size(); ++i) o << "  " << rec.evidence.ranked[i].reason << "\n";
  if (rec.cache)
    o << "\nEdge cache (Zipf s=" << num(rec.cache->popularity.zipf_s) << ", "
      << num(static_cast<double>(rec.cache->popularity.catalogue_size)) << " inputs): analytical hit ratio "
      << pct(rec.cache->analytical_hit_ratio) << ", replayed " << pct(rec.cache->simulated.hit_ratio())
      << " of " << num(static_cast<double>(rec.cache->simulated.requests)) << " requests\n";
  if (rec.cascade) {
    const auto& c = *rec.cascade;
    o << "\nCascade (" << c.stages.size() << " stages): mean latency " << num(c.analytical.mean_latency_ms)
      << " ms (simulated " << num(c.simulated.mean_latency_ms) << "), cost "
      << usd(c.analytical.mean_cost_usd) << "/request (simulated " << usd(c.simulated.mean_cost_usd)
      << ") vs " << c.stages.back().name << " alone " << num(c.complex_only.mean_latency_ms) << " ms, "
      << usd(c.complex_only.mean_cost_usd) << "/request\n";
  }
  if (!rec.notes.empty()) {
    o << "\nNotes\n";
    for (const auto& n : rec.notes) o << "  " << n << "\n";
  }
  o << "\nVerdict\n  " << rec.verdict << "\n";
  return o.str();
}

nlohmann::ordered_json to_json(const Recommendation& rec) {
  using oj = nlohmann::ordered_json;
  const auto& f = rec.facts;
  const auto& t = f.traffic;
  oj j;
  j["scenario"] = rec.scenario_name;
  j["slo"] = {{"p99_ms", rec.slo_p99_ms}, {"attainment_target", rec.slo_attainment_target}};
  oj facts = {{"slo_p99_ms", f.slo_p99_ms},
              {"model_size_mb", f.model_size_mb},
              {"model_memory_mb", f.model_memory_mb ? oj(*f.model_memory_mb) : oj()},
              {"stateful", f.stateful},
              {"state_store", f.state_store},
              {"event_driven", f.event_driven},
              {"microservices", f.microservices},
              {"cost_sensitive", f.cost_sensitive},
              {"experimental", f.experimental},
              {"traffic",
               {{"requests", t.requests},
                {"duration_s", t.duration_s},
                {"mean_rps", t.mean_rps},
                {"peak_minute_rps", t.peak_minute_rps},
                {"peak_to_mean", t.peak_to_mean},
                {"cv_per_minute", t.cv},
                {"idle_minute_fraction", t.idle_minute_fraction},
                {"mean_service_ms", t.mean_service_s * 1e3},
                {"mean_concurrency", t.mean_concurrency},
                {"sustained_utilisation", t.sustained_utilisation}}},
              {"gflops_per_request", f.gflops_per_request ? oj(*f.gflops_per_request) : oj()},
              {"cpu_compute_ms_estimated", f.cpu_compute_ms ? oj(*f.cpu_compute_ms) : oj()},
              {"gpu_intensive", f.gpu_intensive},
              {"repeat_share", f.repeat_share ? oj(*f.repeat_share) : oj()}};
  // Function candidates with their state in a simulated store (rule q_external_state); absent when none.
  if (!f.external_state_candidates.empty()) facts["external_state_candidates"] = f.external_state_candidates;
  if (f.repeat_share)
    facts["repeat_share_source"] = f.repeat_share_measured ? "trace keys" : "zipf (analytical)";
  if (t.has_keys) facts["traffic"]["distinct_inputs"] = t.distinct_keys;
  j["facts"] = facts;
  oj th = oj::object();
  for (const auto& s : threshold_table())
    th[s.key] = {{"value", rec.thresholds.get(s.key)},
                 {"unit", s.unit},
                 {"overridden", rec.thresholds.is_overridden(s.key)}};
  j["thresholds"] = th;
  oj path = oj::array();
  for (const auto& s : rec.rules.path)
    path.push_back(
        {{"node", s.node_id}, {"question", s.question}, {"answer", s.answer}, {"because", s.because}});
  oj open = oj::array(), excluded = oj::array();
  for (auto p : rec.rules.open) open.push_back(to_string(p));
  for (auto p : rec.rules.excluded) excluded.push_back(to_string(p));
  j["rules"] = {{"path", path},
                {"verdict", rec.rules.verdict_id},
                {"verdict_text", rec.rules.verdict},
                {"preferred", rec.rules.preferred ? oj(to_string(*rec.rules.preferred)) : oj()},
                {"open", open},
                {"excluded", excluded},
                {"edge_cache", rec.rules.edge_cache}};
  oj cands = oj::array();
  int rank = 1;
  for (const auto& c : rec.evidence.ranked) {
    const auto& q = c.result.requests;
    cands.push_back({{"rank", rank++},
                     {"name", c.spec.name},
                     {"platform", c.spec.platform},
                     {"placement", to_string(c.placement)},
                     {"latency_source", c.result.latency_source},
                     {"from_scenario", c.from_scenario},
                     {"settings", c.spec.settings.is_null() ? nlohmann::json::object() : c.spec.settings},
                     {"cost_usd", c.result.cost_total_usd},
                     {"latency_ms", {{"p50", c.p50_ms}, {"p99", c.p99_ms}}},
                     {"attainment", c.attainment},
                     {"meets_slo", c.meets_slo},
                     {"cold_start_share", c.cold_start_share},
                     {"requests",
                      {{"arrived", q.arrived},
                       {"served", q.served},
                       {"throttled", q.throttled},
                       {"timed_out", q.timed_out},
                       {"dropped", q.dropped},
                       {"cold_starts", q.cold_starts}}},
                     {"worst_interval",
                      {{"start_s", c.busiest_start_s},
                       {"end_s", c.busiest_end_s},
                       {"arrived", c.busiest_arrived},
                       {"served", c.busiest_served},
                       {"cold_starts", c.busiest_cold_starts},
                       {"p99_ms", c.busiest_served > 0 ? oj(c.busiest_p99_ms) : oj()}}},
                     {"reason", c.reason}});
  }
  j["candidates"] = cands;
  const auto& best = rec.best();
  j["recommendation"] = {
      {"name", best.spec.name},
      {"platform", best.spec.platform},
      {"placement", to_string(best.placement)},
      {"settings", best.spec.settings.is_null() ? nlohmann::json::object() : best.spec.settings},
      {"meets_slo", best.meets_slo},
      {"edge_cache", rec.rules.edge_cache}};
  j["rules_agree"] = rec.rules_agree;
  j["verdict"] = rec.verdict;
  j["notes"] = rec.notes;
  if (rec.cache)
    j["edge_cache"] = {{"zipf_s", rec.cache->popularity.zipf_s},
                       {"catalogue_size", rec.cache->popularity.catalogue_size},
                       {"analytical_hit_ratio", rec.cache->analytical_hit_ratio},
                       {"simulated_hit_ratio", rec.cache->simulated.hit_ratio()},
                       {"simulated_requests", rec.cache->simulated.requests}};
  if (rec.cascade) {
    const auto& c = *rec.cascade;
    j["cascade"] = {{"mean_latency_ms",
                     {{"analytical", c.analytical.mean_latency_ms},
                      {"simulated", c.simulated.mean_latency_ms},
                      {"last_stage_alone", c.complex_only.mean_latency_ms}}},
                    {"mean_cost_usd",
                     {{"analytical", c.analytical.mean_cost_usd},
                      {"simulated", c.simulated.mean_cost_usd},
                      {"last_stage_alone", c.complex_only.mean_cost_usd}}},
                    {"reach_share", c.analytical.reach_share}};
  }
  return j;
}

}  // namespace servesim::advisor
