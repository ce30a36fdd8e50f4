#include "sim/scenario.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unordered_set>

#include "core/input_error.hpp"
#include "core/input_file.hpp"
#include "core/json_fields.hpp"
#include "core/json_reader.hpp"
#include "sim/candidate_llm.hpp"
#include "sim/llm_presets.hpp"
#include "sim/token_draw.hpp"
#include "sim/trace_timestamp.hpp"
#include "sim/utc_time.hpp"

namespace servesim::sim {
namespace fs = std::filesystem;

namespace {

// The file named by `key`, relative paths taken from the scenario's folder.
std::string resolved_path(core::JsonFields& f, const std::string& key, const std::string& base_dir) {
  std::string p = f.required_text(key);
  if (p.empty()) throw f.error(key, "expected a file path, got \"\"");
  if (p.find('\0') != std::string::npos)  // JSON's \u0000: it would cut every message naming the file
    throw f.error(key, "expected a file path without NUL bytes, got \"" + excerpt(p) + "\"");
  fs::path path(p);
  if (path.is_relative()) path = fs::path(base_dir) / path;
  return path.lexically_normal().string();
}

// "tokens": {"type": "empirical_pairs", "path": TRACE, "input_column": ..., "output_column": ...}: the
// trace's (input, output) pairs, read now so that a bad file is refused before anything runs.
void parse_token_pairs(core::JsonFields& t, WorkloadSpec& w, const std::string& base_dir) {
  const std::string path = resolved_path(t, "path", base_dir);
  const std::string name = fs::path(path).filename().string();
  const bool is_jsonl_name =
      name.ends_with(".jsonl") || name.ends_with(".jsonl.gz") || name.ends_with(".jsonl.bz2");
  const std::string format = t.text("format", is_jsonl_name ? "jsonl" : "csv", {"csv", "jsonl"});
  std::string columns[2];
  for (int i = 0; i < 2; ++i) {
    const char* key = i == 0 ? "input_column" : "output_column";
    columns[i] = t.required_text(key);
    if (columns[i].empty()) throw t.error(key, "expected a column name, got \"\"");
  }
  t.reject_unknown();
  w.token_pairs = std::make_shared<const std::vector<TokenPair>>(read_token_pairs(
      path, format == "jsonl" ? TraceFormat::jsonl : TraceFormat::csv, columns[0], columns[1]));
}

// "tokens" of a synthetic or rate_trace workload: {"input": DISTRIBUTION, "output": DISTRIBUTION} with an
// optional "rho" (the type "distributions", the default), or {"type": "empirical_pairs", ...}.
void parse_token_distributions(core::JsonFields& f, WorkloadSpec& w, const std::string& base_dir) {
  if (!f.has("tokens")) return;
  core::JsonFields t(f.child("tokens"), f.file(), f.pointer("tokens"));
  if (t.text("type", "distributions", {"distributions", "empirical_pairs"}) == "empirical_pairs")
    return parse_token_pairs(t, w, base_dir);
  for (const char* key : {"input", "output"})
    if (!t.has(key))
      throw t.error(key,
                    "missing (a distribution of tokens, e.g. {\"type\": \"lognormal\", \"mean_tokens\": "
                    "2048, \"p99_tokens\": 7436})");
  w.input_tokens = Distribution::tokens_from_json(t.child("input"), t.file(), t.pointer("input"));
  w.output_tokens = Distribution::tokens_from_json(t.child("output"), t.file(), t.pointer("output"));
  w.token_rho = t.number("rho", 0.0, -1.0, 1.0);
  w.has_token_distributions = true;
  t.reject_unknown();
}

WorkloadSpec parse_workload(core::JsonFields& f, const std::string& base_dir) {
  WorkloadSpec w;
  const std::string type =
      f.required_text("type", {"rate_trace", "request_trace", "poisson", "diurnal", "spike"});
  if (f.has("start_utc")) {
    const nlohmann::json& start = f.child("start_utc");
    if (!start.is_string() || !parse_utc_time(start.get<std::string>(), w.start_utc_s))
      throw f.error("start_utc",
                    "expected the UTC time the run starts, ISO 8601 (e.g. \"2026-12-07T00:00:00Z\"), got " +
                        core::quote_json(start));
    w.has_start_utc = true;
  }
  if (type == "rate_trace" || type == "request_trace") {
    w.kind = type == "rate_trace" ? WorkloadSpec::Kind::rate_trace : WorkloadSpec::Kind::request_trace;
    w.path = resolved_path(f, "path", base_dir);
    w.scale = f.number("scale", 1.0, 1e-9, 1e9);
    w.start_s = f.number("start_s", 0.0, 0.0, 1e12);
    w.duration_s = f.number("duration_s", -1.0, 1e-9, 1e12);
    w.time_compression = f.number("time_compression", 1.0, 1e-9, 1e9);
    if (w.kind == WorkloadSpec::Kind::rate_trace) {
      const std::string gaps = f.text("gaps", "keep", {"keep", "skip", "fill"});
      w.gaps = gaps == "skip" ? GapPolicy::skip : gaps == "fill" ? GapPolicy::fill : GapPolicy::keep;
      w.gap_min_s = f.number("gap_min_s", 600.0, 1.0, 1e9);
      w.interval_s = f.number("interval_s", 1.0, 1e-3, 86400.0);
      w.values_are_rates = f.text("values", "count", {"count", "rate"}) == "rate";
      w.sessions = f.integer("sessions", 0, 1, 1000000000);
      parse_token_distributions(f, w, base_dir);
    } else {
      // JSON Lines by the file name (.jsonl, also compressed), else CSV, unless "format" says.
      const std::string name = fs::path(w.path).filename().string();
      const bool is_jsonl_name =
          name.ends_with(".jsonl") || name.ends_with(".jsonl.gz") || name.ends_with(".jsonl.bz2");
      const std::string format = f.text("format", is_jsonl_name ? "jsonl" : "csv", {"csv", "jsonl"});
      w.format = format == "jsonl" ? TraceFormat::jsonl : TraceFormat::csv;
      w.timestamp_column = f.text("timestamp_column", "TIMESTAMP");
      if (f.has("end_column") || f.has("duration_column")) {
        for (const char* key : {"end_column", "duration_column"}) {
          if (!f.has(key))
            throw f.error(key,
                          "missing (arrival = end - duration needs both end_column and duration_column)");
          if (f.text(key, "").empty()) throw f.error(key, "expected a column name, got \"\"");
        }
        if (f.has("timestamp_column"))
          throw f.error("timestamp_column",
                        "expected no timestamp_column with end_column and duration_column (arrival = end - "
                        "duration)");
        w.end_column = f.text("end_column", "");
        w.duration_column = f.text("duration_column", "");
        w.max_duration_s = f.number("max_duration_s", 600.0, 1e-3, 1e7);
      }
      const std::string unit = f.text("timestamp_unit", "auto", {"auto", "s", "ms", "us", "iso8601"});
      for (const TimestampUnit u :
           {TimestampUnit::automatic, TimestampUnit::seconds, TimestampUnit::milliseconds,
            TimestampUnit::microseconds, TimestampUnit::iso8601})
        if (unit == timestamp_unit_name(u)) w.timestamp_unit = u;
      if (f.has("key_column")) {
        w.key_column = f.text("key_column", "");
        if (w.key_column.empty()) throw f.error("key_column", "expected a column name, got \"\"");
      }
      if (f.has("filter")) {
        core::JsonFields filter(f.child("filter"), f.file(), f.pointer("filter"));
        w.filter_column = filter.required_text("column");
        if (w.filter_column.empty()) throw filter.error("column", "expected a column name, got \"\"");
        if (!filter.has("equals"))
          throw filter.error("equals", "missing (the value a row must have in the column to be kept)");
        w.filter_equals = filter.required_text("equals");
        filter.reject_unknown();
      }
      // Token columns come in pairs: a platform model that reads one needs the other.
      for (const auto& [key, other] : {std::pair{"input_tokens_column", "output_tokens_column"},
                                       std::pair{"output_tokens_column", "input_tokens_column"}}) {
        if (!f.has(key)) continue;
        if (!f.has(other))
          throw f.error(other,
                        std::string("missing (") + key + " is given: give both token columns or neither)");
        const std::string column = f.text(key, "");
        if (column.empty()) throw f.error(key, "expected a column name, got \"\"");
        (std::string_view(key) == "input_tokens_column" ? w.input_tokens_column : w.output_tokens_column) =
            column;
      }
      if (f.has("prefix_blocks_column")) {
        w.prefix_blocks_column = f.text("prefix_blocks_column", "");
        if (w.prefix_blocks_column.empty())
          throw f.error("prefix_blocks_column", "expected a column name, got \"\"");
        if (w.input_tokens_column.empty())
          throw f.error(
              "prefix_blocks_column",
              "expected with input_tokens_column and output_tokens_column (the prefix blocks cover a "
              "request's prompt), got no token columns");
        w.prefix_block_tokens = static_cast<uint32_t>(f.integer("prefix_block_tokens", 512, 1, 1000000));
      } else if (f.has("prefix_block_tokens")) {
        throw f.error("prefix_block_tokens", "expected only with prefix_blocks_column");
      }
    }
    return w;
  }
  w.synthetic_duration_s = f.required_number("duration_s", 1e-3, 1e10);
  if (type == "poisson") {
    w.kind = WorkloadSpec::Kind::poisson;
    w.rate_rps = f.required_number("rate_rps", 0.0, 1e9);
  } else if (type == "diurnal") {
    w.kind = WorkloadSpec::Kind::diurnal;
    w.rate_rps = f.required_number("rate_rps", 0.0, 1e9);
    w.period_s = f.number("period_s", 86400.0, 1.0, 1e10);
    w.amplitude = f.number("amplitude", 0.5, 0.0, 1.0);
  } else {
    w.kind = WorkloadSpec::Kind::spike;
    w.rate_rps = f.required_number("base_rps", 0.0, 1e9);
    w.spike_factor = f.number("spike_factor", 6.0, 0.0, 1e6);
    w.spike_start_s = f.number("spike_start_s", 0.0, 0.0, 1e10);
    w.ramp_s = f.number("ramp_s", 60.0, 0.0, 1e10);
    w.spike_duration_s = f.number("spike_duration_s", 600.0, 0.0, 1e10);
  }
  w.sessions = f.integer("sessions", 0, 1, 1000000000);
  parse_token_distributions(f, w, base_dir);
  return w;
}

// Neither service.warm nor a "model" section: nothing says how long a request takes.
constexpr const char* kMissingWarm = "missing (give the warm service time, or a \"model\" section)";

Distribution distribution(core::JsonFields& f, const std::string& key, const Distribution& fallback) {
  if (!f.has(key)) return fallback;
  return Distribution::from_json(f.child(key), f.file(), f.pointer(key));
}

// `has_model`: a "model" section may give the service times instead (app/scenario_model.hpp).
ServiceSpec parse_service(core::JsonFields& f, bool has_model) {
  ServiceSpec s;
  // A language model (service.llm) has its service times from the token-level engine or its per-token costs.
  if (!f.has("warm") && !has_model && !f.has("llm")) throw f.error("warm", kMissingWarm);
  s.given.warm = f.has("warm");
  s.warm_s = distribution(f, "warm", s.warm_s);
  s.given.reference_vcpu = f.has("reference_vcpu");
  s.reference_vcpu = f.number("reference_vcpu", 1.0, 0.01, 1024);
  s.given.parallel_fraction = f.has("parallel_fraction");
  s.parallel_fraction = f.number("parallel_fraction", 0.0, 0.0, 1.0);
  s.given.model_memory_mb = f.has("model_memory_mb");
  s.model_memory_mb = f.number("model_memory_mb", 0.0, 0.0, 1e7);
  if (f.has("llm")) {
    core::JsonFields l(f.child("llm"), f.file(), f.pointer("llm"));
    s.llm = parse_llm(l);
  }
  if (f.has("cold_start")) {
    core::JsonFields c(f.child("cold_start"), f.file(), f.pointer("cold_start"));
    s.given.runtime_init = c.has("runtime_init");
    s.runtime_init_s = distribution(c, "runtime_init", s.runtime_init_s);
    s.given.model_load = c.has("model_load");
    s.model_load_s = distribution(c, "model_load", s.model_load_s);
    s.given.model_size_mb = c.has("model_size_mb");
    s.model_size_mb = c.number("model_size_mb", 0.0, 0.0, 1e7);
    if (c.has("source")) {
      const std::string source =
          c.required_text("source", {"zip", "layer", "image", "efs", "object-store", "volume"});
      using Source = ServiceSpec::ModelSource;
      for (const Source k :
           {Source::zip, Source::layer, Source::image, Source::efs, Source::object_store, Source::volume})
        if (source == model_source_name(k)) s.model_source = k;
    }
    s.package_mb = c.number("package_mb", 0.0, 0.0, 1e7);
    if (c.has("layers")) {
      if (s.model_source != ServiceSpec::ModelSource::layer)
        throw c.error("layers",
                      std::string("expected only with source \"layer\" (the Lambda layers the package is ") +
                          "split into), got source \"" + model_source_name(s.model_source) + "\"");
      s.layers = static_cast<uint32_t>(c.integer("layers", 1, 1, 1000));
    }
    if (c.has("package_mb") && s.model_source == ServiceSpec::ModelSource::unset)
      throw c.error(
          "package_mb",
          "expected only with a source (zip, layer, image, efs, object-store, volume), got no source");
    if (c.has("cache")) {
      core::JsonFields k(c.child("cache"), f.file(), c.pointer("cache"));
      if (!k.has("workers"))
        throw k.error("workers", "missing (the number of worker hosts cold starts land on)");
      s.cache_workers = static_cast<uint32_t>(k.integer("workers", 1, 1, 1000000));
      if (!k.has("layers")) throw k.error("layers", "missing (the cache layers, fastest first)");
      const auto& layers = k.child("layers");
      if (!layers.is_array() || layers.empty())
        throw k.error("layers", "expected a non-empty list of {name, ttl_s, mb_per_s}, got " +
                                    core::quote_json(layers));
      for (size_t i = 0; i < layers.size(); ++i) {
        core::JsonFields l(layers[i], f.file(), k.pointer("layers") + "/" + std::to_string(i));
        ServiceSpec::CacheLayer layer;
        layer.name = l.required_text("name");
        layer.ttl_s = l.required_number("ttl_s", 0.0, 1e9);
        layer.mb_per_s = l.required_number("mb_per_s", 1e-3, 1e9);
        if (!s.cache_layers.empty() && layer.ttl_s < s.cache_layers.back().ttl_s)
          throw l.error("ttl_s", "expected at least the previous (faster) layer's ttl_s " +
                                     core::quote_number(s.cache_layers.back().ttl_s) + ", got " +
                                     core::quote_number(layer.ttl_s));
        l.reject_unknown();
        s.cache_layers.push_back(layer);
      }
      k.reject_unknown();
    }
    c.reject_unknown();
  }
  return s;
}

// The scenario's name is the default output folder's name (out/<name>): it must be one plain file name, so
// that the folder stays inside out/ (no "/", ".", ".."), never reads as a command-line option (no leading
// "-") and prints on one line (no control characters). 128 bytes leave room for the ".tmp-PID" suffix under
// NAME_MAX.
bool is_plain_file_name(const std::string& name) {
  if (name.empty() || name.size() > 128 || name == "." || name == ".." || name.front() == '-') return false;
  for (const char c : name) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '/' || c == '\\' || byte < 0x20 || byte == 0x7f) return false;
  }
  return true;
}

}  // namespace

const char* model_source_name(ServiceSpec::ModelSource source) {
  switch (source) {
    case ServiceSpec::ModelSource::zip:
      return "zip";
    case ServiceSpec::ModelSource::layer:
      return "layer";
    case ServiceSpec::ModelSource::image:
      return "image";
    case ServiceSpec::ModelSource::efs:
      return "efs";
    case ServiceSpec::ModelSource::object_store:
      return "object-store";
    case ServiceSpec::ModelSource::volume:
      return "volume";
    case ServiceSpec::ModelSource::unset:
      break;
  }
  return "";
}

double cpu_speedup(double vcpu, double parallel_fraction) {
  if (vcpu <= 1.0) return vcpu;
  return 1.0 / ((1.0 - parallel_fraction) + parallel_fraction / vcpu);
}

Scenario parse_scenario(const nlohmann::json& doc, const std::string& file, const std::string& base_dir) {
  Scenario sc;
  sc.file = file;
  core::JsonFields top(doc, file, "");
  sc.name = top.text("name", fs::path(file).stem().string());
  if (!is_plain_file_name(sc.name))
    throw top.error("name",
                    "expected a plain file name (1 to 128 bytes; no \"/\", \"\\\" or control characters; not "
                    "\".\" or \"..\"; not starting with \"-\"), got \"" +
                        excerpt(sc.name) + "\"" +
                        (top.has("name") ? "" : " (from the file name: give \"name\")"));
  sc.description = top.text("description", "");
  sc.seed = top.integer("seed", 1, 0, UINT64_MAX);

  if (!top.has("workload"))
    throw top.error("workload", "missing (the traffic to replay: a trace or a synthetic shape)");
  {
    core::JsonFields w(top.child("workload"), file, "/workload");
    sc.workload = parse_workload(w, base_dir);
    w.reject_unknown();
  }
  const bool has_model = top.has("model");
  if (top.has("service")) {
    core::JsonFields s(top.child("service"), file, "/service");
    sc.service = parse_service(s, has_model);
    s.reject_unknown();
    if (sc.service.llm.given) sc.workload.max_request_tokens = sc.service.llm.max_context_tokens;
  } else if (!has_model) {
    throw input_error(file, "/service/warm", kMissingWarm);
  }
  if (top.has("slo")) {
    core::JsonFields s(top.child("slo"), file, "/slo");
    sc.slo.p99_ms = s.number("p99_ms", sc.slo.p99_ms, 1e-3, 1e9);
    sc.slo.timeout_s = s.number("timeout_s", sc.slo.timeout_s, 1e-3, 1e7);
    sc.slo.attainment_target = s.number("attainment_target", sc.slo.attainment_target, 0.0, 1.0);
    sc.slo.ttft_ms = s.number("ttft_ms", 0.0, 0.0, 1e9);
    sc.slo.tpot_ms = s.number("tpot_ms", 0.0, 0.0, 1e9);
    s.reject_unknown();
  }
  if (top.has("client")) {
    core::JsonFields c(top.child("client"), file, "/client");
    sc.client.max_retries = static_cast<uint32_t>(c.integer("max_retries", 0, 0, 100));
    sc.client.backoff_base_ms = c.number("backoff_base_ms", sc.client.backoff_base_ms, 0.0, 1e9);
    sc.client.backoff_max_ms = c.number("backoff_max_ms", sc.client.backoff_max_ms, 0.0, 1e9);
    if (c.has("retry_budget")) {
      core::JsonFields b(c.child("retry_budget"), file, "/client/retry_budget");
      sc.client.budget = true;
      sc.client.budget_ratio = b.number("ratio", sc.client.budget_ratio, 0.0, 1e6);
      sc.client.budget_min_per_s = b.number("min_per_s", sc.client.budget_min_per_s, 0.0, 1e9);
      sc.client.budget_window_s = b.number("window_s", sc.client.budget_window_s, 1.0, 3600.0);
      b.reject_unknown();
    }
    sc.client.idempotent = c.boolean("idempotent", true);
    sc.client.async = c.text("invocation", "sync", {"sync", "async"}) == "async";
    // MaximumRetryAttempts 0..2 and MaximumEventAgeInSeconds 60..21600 (Lambda API,
    // FunctionEventInvokeConfig); the intervals are the documented ones, adjustable for what-if runs.
    sc.client.async_max_retries = static_cast<uint32_t>(c.integer("async_max_retries", 2, 0, 2));
    sc.client.async_retry_delay_s = c.number("async_retry_delay_s", 60.0, 0.0, 1e7);
    sc.client.async_max_event_age_s = c.number("async_max_event_age_s", 21600.0, 60.0, 21600.0);
    sc.client.async_backoff_base_s = c.number("async_backoff_base_s", 1.0, 1e-3, 3600.0);
    sc.client.async_backoff_max_s =
        c.number("async_backoff_max_s", std::max(300.0, sc.client.async_backoff_base_s),
                 sc.client.async_backoff_base_s, 21600.0);
    c.reject_unknown();
  }
  if (top.has("event_source")) sc.event_source = parse_event_source(top.child("event_source"), file);
  if (top.has("metrics")) {
    core::JsonFields m(top.child("metrics"), file, "/metrics");
    sc.interval_s = m.number("interval_s", sc.interval_s, 1e-3, 1e9);
    m.reject_unknown();
  }
  if (!top.has("candidates"))
    throw top.error("candidates", "missing (a list of platform configurations to simulate)");
  const auto& cands = top.child("candidates");
  if (!cands.is_array() || cands.empty())
    throw top.error("candidates",
                    "expected a non-empty list of platform configurations, got " + core::quote_json(cands));
  // Names seen so far, for uniqueness in one pass (a scan of the list per candidate is quadratic: 10^5
  // candidates took 44 s).
  std::unordered_set<std::string> names;
  for (size_t i = 0; i < cands.size(); ++i) {
    const std::string ptr = "/candidates/" + std::to_string(i);
    core::JsonFields c(cands[i], file, ptr);
    CandidateSpec spec;
    spec.platform = c.required_text("platform");
    spec.name = c.text("name", spec.platform + "-" + std::to_string(i));
    spec.pointer = ptr;
    spec.settings = cands[i];
    spec.settings.erase("platform");
    spec.settings.erase("name");
    // The candidate's own "event_source" keys refine the scenario's section for it (docs/events.md).
    spec.event_source = sc.event_source;
    if (spec.settings.contains("event_source")) {
      if (!sc.event_source.given)
        throw input_error(file, ptr + "/event_source",
                          "unexpected: a candidate's event_source refines the scenario's \"event_source\" "
                          "section, which is missing");
      spec.event_source =
          parse_event_source(spec.settings["event_source"], file, ptr + "/event_source", sc.event_source);
      spec.event_source_pointer = ptr + "/event_source";
      spec.settings.erase("event_source");
    }
    // The candidate's own "llm" keys over service.llm's, for it only (sim/candidate_llm.hpp).
    if (spec.settings.contains("llm")) {
      const nlohmann::json none = nlohmann::json::object();
      const nlohmann::json& service_llm =
          top.has("service") && doc["service"].contains("llm") ? doc["service"]["llm"] : none;
      parse_candidate_llm(service_llm, spec.settings["llm"], sc.service, file, spec);
      spec.settings.erase("llm");
      // A trace's request must fit the shortest context a candidate's server accepts.
      if (spec.llm.max_context_tokens < sc.workload.max_request_tokens) {
        sc.workload.max_request_tokens = spec.llm.max_context_tokens;
        sc.workload.max_request_tokens_key = "candidate \"" + spec.name + "\"'s llm.max_context_tokens";
      }
    }
    if (!names.insert(spec.name).second)
      throw c.error("name", "expected a name no other candidate has, got \"" + excerpt(spec.name) + "\"");
    sc.candidates.push_back(std::move(spec));
  }
  if (top.has("faults")) sc.faults = parse_faults(top.child("faults"), file);
  for (const FaultSpec& fault : sc.faults)
    for (size_t k = 0; k < fault.candidates.size(); ++k) {
      if (!names.count(fault.candidates[k]))
        throw input_error(file, fault.pointer + "/candidates/" + std::to_string(k),
                          "expected the name of a candidate, got \"" + fault.candidates[k] + "\"");
    }
  if (top.has("model")) sc.model = top.child("model");
  if (top.has("advisor")) sc.advisor = top.child("advisor");
  sc.base_dir = base_dir;
  top.reject_unknown();
  return sc;
}

Scenario load_scenario(const std::string& path) {
  const auto stream = core::open_input(path, "file");
  std::istream& in = *stream;
  std::stringstream buf;
  buf << in.rdbuf();
  const nlohmann::json doc = core::parse_json(buf.str(), path);
  const std::string base = fs::path(path).parent_path().string();
  return parse_scenario(doc, path, base.empty() ? "." : base);
}

}  // namespace servesim::sim
