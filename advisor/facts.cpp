#include "advisor/facts.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_set>

#include "advisor/evidence.hpp"
#include "advisor/format.hpp"
#include "core/input_error.hpp"
#include "core/json_fields.hpp"
#include "platforms/fleet/llm_timing.hpp"
#include "sim/arrival_source.hpp"
#include "sim/candidate_llm.hpp"

namespace servesim::advisor {

namespace {

std::optional<double> optional_number(core::JsonFields& f, const std::string& key, double min, double max) {
  if (!f.has(key)) return std::nullopt;
  return f.number(key, 0, min, max);
}

}  // namespace

AdvisorSection parse_advisor_section(const sim::Scenario& scenario) {
  AdvisorSection a;
  if (scenario.advisor.is_null()) return a;
  const std::string& file = scenario.file;
  if (!scenario.advisor.is_object())
    throw input_error(
        file, "/advisor",
        "expected an object of facts and thresholds, got " + core::quote_json(scenario.advisor));
  core::JsonFields f(scenario.advisor, file, "/advisor");
  a.stateful = f.boolean("stateful", false);
  a.state_store = f.text("state_store", "none");
  a.event_driven = f.boolean("event_driven", false);
  a.microservices = f.boolean("microservices", false);
  a.cost_sensitive = f.boolean("cost_sensitive", false);
  a.experimental = f.boolean("experimental", false);
  a.model_size_mb = optional_number(f, "model_size_mb", 0, 1e9);
  a.model_memory_mb = optional_number(f, "model_memory_mb", 0, 1e9);
  a.gflops_per_request = optional_number(f, "gflops_per_request", 0, 1e12);
  a.default_candidates = f.boolean("default_candidates", true);
  if (f.has("popularity")) {
    const auto& obj = f.child("popularity");
    if (!obj.is_object()) throw f.error("popularity", "expected an object, got " + core::quote_json(obj));
    core::JsonFields p(obj, file, f.pointer("popularity"));
    Popularity pop;
    pop.zipf_s = p.required_number("zipf_s", 0, 10);
    pop.catalogue_size = p.integer("catalogue_size", 0, 1, 50'000'000);
    if (!p.has("catalogue_size")) throw p.error("catalogue_size", "missing (distinct inputs, items)");
    pop.cache_ttl_s = p.number("cache_ttl_s", pop.cache_ttl_s, 1e-6, 1e12);
    p.reject_unknown();
    if (!scenario.workload.key_column.empty())
      throw f.error("popularity",
                    "not used with workload.key_column: the trace's keys give the share of "
                    "repeated inputs; expected one of the two");
    a.popularity = pop;
  }
  if (f.has("cascade")) {
    const auto& arr = f.child("cascade");
    if (!arr.is_array() || arr.size() < 2)
      throw f.error("cascade", "expected a list of at least two stages, got " + core::quote_json(arr));
    for (size_t i = 0; i < arr.size(); ++i) {
      core::JsonFields s(arr[i], file, f.pointer("cascade") + "/" + std::to_string(i));
      CascadeStage st;
      st.name = s.text("name", "stage-" + std::to_string(i));
      st.latency_ms = s.required_number("latency_ms", 0, 1e9);
      st.cost_usd_per_request = s.number("cost_usd_per_request", 0, 0, 1e6);
      st.stop_probability = s.number("stop_probability", i + 1 == arr.size() ? 1.0 : 0.0, 0, 1);
      s.reject_unknown();
      a.cascade.push_back(st);
    }
  }
  if (f.has("thresholds"))
    a.thresholds = Thresholds::from_json(f.child("thresholds"), file, f.pointer("thresholds"));
  f.reject_unknown();
  if (a.stateful && a.event_driven && a.state_store == "none")
    throw input_error(
        file, "/advisor/state_store",
        "contradictory facts: the service is stateful and event-driven (instances come and go with "
        "the events) but keeps its state nowhere; expected an external store (e.g. \"redis\"), got "
        "\"none\"");
  if (!a.stateful && a.state_store != "none")
    throw input_error(file, "/advisor/stateful",
                      "contradictory facts: state_store is \"" + a.state_store + "\" but stateful is false");
  return a;
}

TrafficShape measure_traffic(const sim::WorkloadSpec& workload, uint64_t seed, double mean_service_s,
                             double reference_concurrency) {
  TrafficShape s;
  const auto source = sim::make_arrival_source(workload, seed);
  std::vector<uint64_t> per_minute;
  // Distinct input keys (with a key column only): grows with the distinct inputs, 8-byte hashes.
  std::unordered_set<uint64_t> keys;
  s.has_keys = !workload.key_column.empty();
  double t = 0, last = 0;
  while (source->next(t)) {
    const auto m = static_cast<size_t>(t / 60.0);
    if (m >= per_minute.size()) per_minute.resize(m + 1, 0);
    ++per_minute[m];
    ++s.requests;
    last = t;
    if (const sim::RequestTokens k = source->tokens(); k.known()) {
      ++s.with_tokens;
      s.mean_input_tokens += k.input;
      s.mean_output_tokens += k.output;
      s.max_request_tokens = std::max<uint64_t>(s.max_request_tokens, uint64_t{k.input} + k.output);
    }
    if (s.has_keys) keys.insert(source->key());
  }
  s.distinct_keys = keys.size();
  if (s.with_tokens > 0) {
    s.mean_input_tokens /= static_cast<double>(s.with_tokens);
    s.mean_output_tokens /= static_cast<double>(s.with_tokens);
  }
  s.duration_s = source->duration_s() > 0 ? source->duration_s() : last;
  s.minutes = std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(s.duration_s / 60.0 - 1e-9)));
  per_minute.resize(std::max<size_t>(per_minute.size(), s.minutes), 0);
  s.minutes = per_minute.size();
  const double n = static_cast<double>(s.minutes);
  double sum = 0, sum2 = 0, peak = 0, idle = 0;
  for (uint64_t c : per_minute) {
    const double r = static_cast<double>(c) / 60.0;
    sum += r;
    sum2 += r * r;
    peak = std::max(peak, r);
    idle += c == 0;
  }
  const double mean = sum / n;
  s.mean_rps = s.duration_s > 0 ? static_cast<double>(s.requests) / s.duration_s : mean;
  s.peak_minute_rps = peak;
  s.peak_to_mean = mean > 0 ? peak / mean : 0;
  s.cv = mean > 0 ? std::sqrt(std::max(0.0, sum2 / n - mean * mean)) / mean : 0;
  s.idle_minute_fraction = idle / n;
  s.mean_service_s = mean_service_s;
  s.mean_concurrency = s.mean_rps * mean_service_s;
  s.sustained_utilisation = s.mean_concurrency / reference_concurrency;
  return s;
}

Facts derive_facts(const sim::Scenario& scenario, const AdvisorSection& section) {
  const Thresholds& th = section.thresholds;
  Facts f;
  f.slo_p99_ms = scenario.slo.p99_ms;
  f.model_size_mb = section.model_size_mb.value_or(scenario.service.model_size_mb);
  f.model_memory_mb = section.model_memory_mb;
  f.stateful = section.stateful;
  f.state_store = section.state_store;
  f.event_driven = section.event_driven;
  f.microservices = section.microservices;
  f.cost_sensitive = section.cost_sensitive;
  f.experimental = section.experimental;
  // A language model without a warm time is served token by token: no per-request service time applies.
  const bool token_level = scenario.service.llm.given && !scenario.service.given.warm;
  f.traffic =
      measure_traffic(scenario.workload, scenario.seed, token_level ? 0.0 : scenario.service.warm_s.mean_s(),
                      th.get("reference_instance_concurrency"));
  f.gflops_per_request = section.gflops_per_request;
  // Candidates serving different models (candidates[i].llm, docs/scenario.md): the rules judge the smallest
  // one (a limit the smallest exceeds, every model exceeds); the evidence runs each candidate with its own.
  const sim::LlmShape* smallest = &scenario.service.llm;
  if (sim::candidates_serve_different_models(scenario)) {
    f.llm_models_differ = true;
    for (const sim::CandidateSpec& c : scenario.candidates) {
      const sim::LlmShape& m = sim::llm_of(scenario, c);
      f.llm_candidate_models.push_back(c.name + ": " + m.name + " at " + m.precision + " (" +
                                       num(sim::llm_weights_mb(m) / 1e3) + " GB of weights)");
      if (sim::llm_weights_mb(m) < sim::llm_weights_mb(*smallest)) {
        smallest = &m;
        if (!section.model_size_mb) f.model_size_mb = sim::service_for(scenario.service, c).model_size_mb;
      }
    }
  }
  const sim::LlmShape& llm = *smallest;
  if (llm.given) {
    // A language model: its weights at the serving precision are what every replica must hold; its work per
    // request is about 2 FLOP per parameter per token (prompt and output), with the workload's tokens (or
    // the model's defaults).
    f.llm = true;
    f.llm_name = llm.name;
    f.llm_precision = llm.precision;
    f.llm_parameters_b = llm.parameters_b;
    f.llm_weights_gb = sim::llm_weights_mb(llm) / 1e3;
    f.llm_context_tokens = llm.max_context_tokens;
    if (f.model_size_mb <= 0) f.model_size_mb = f.llm_weights_gb * 1e3;
    if (!f.gflops_per_request) {
      const bool has = f.traffic.with_tokens > 0;
      const double tokens = has ? f.traffic.mean_input_tokens + f.traffic.mean_output_tokens
                                : llm.default_input_tokens + llm.default_output_tokens;
      f.gflops_per_request = 2.0 * llm.parameters_b * tokens;
      f.gflops_from_llm = true;
    }
  }
  if (f.gflops_per_request) {
    const double speedup = sim::cpu_speedup(th.get("function_max_vcpu"), scenario.service.parallel_fraction);
    f.cpu_compute_ms = *f.gflops_per_request / (th.get("cpu_gflops_per_vcpu") * speedup) * 1e3;
    f.gpu_intensive = *f.cpu_compute_ms > th.get("gpu_min_cpu_slo_share") * f.slo_p99_ms;
  }
  if (section.popularity) {
    const auto& p = *section.popularity;
    f.repeat_share = std::isinf(p.cache_ttl_s)
                         ? cache_hit_ratio_unbounded(p.zipf_s, p.catalogue_size, f.traffic.requests)
                         : cache_hit_ratio_ttl(p.zipf_s, p.catalogue_size, f.traffic.mean_rps, p.cache_ttl_s);
  } else if (f.traffic.has_keys && f.traffic.requests > 0) {
    f.repeat_share =
        1.0 - static_cast<double>(f.traffic.distinct_keys) / static_cast<double>(f.traffic.requests);
    f.repeat_share_measured = true;
  }
  // Functions with their state outside (the seed article: externalised state lets a service scale out).
  for (const auto& c : scenario.candidates) {
    if (!c.settings.is_object() || !c.settings.contains("stages") || !c.settings["stages"].is_array())
      continue;
    std::string services;
    for (const auto& stage : c.settings["stages"])
      if (stage.is_object() && stage.value("kind", "") == "state-store")
        services += (services.empty() ? "" : ", ") + stage.value("service", "?");
    if (services.empty()) continue;
    const auto uses = placements_of(c, scenario);
    if (std::any_of(uses.begin(), uses.end(), [](const PlacementUse& u) {
          return u.placement == Placement::serverless || u.placement == Placement::gpu_serverless;
        })) {
      f.external_state_candidates.push_back(c.name + " (" + services + ")");
      f.external_state_names.push_back(c.name);
    }
  }
  return f;
}

}  // namespace servesim::advisor
