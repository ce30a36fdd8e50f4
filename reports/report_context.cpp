#include "reports/report_context.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/input_error.hpp"
#include "core/json_reader.hpp"
#include "reports/sha256.hpp"

namespace servesim::reports {
namespace {

const char* kind_name(sim::WorkloadSpec::Kind k) {
  switch (k) {
    case sim::WorkloadSpec::Kind::rate_trace:
      return "rate_trace";
    case sim::WorkloadSpec::Kind::request_trace:
      return "request_trace";
    case sim::WorkloadSpec::Kind::poisson:
      return "poisson";
    case sim::WorkloadSpec::Kind::diurnal:
      return "diurnal";
    case sim::WorkloadSpec::Kind::spike:
      return "spike";
  }
  return "unknown";
}

const char* gaps_name(sim::GapPolicy g) {
  switch (g) {
    case sim::GapPolicy::keep:
      return "keep";
    case sim::GapPolicy::skip:
      return "skip";
    case sim::GapPolicy::fill:
      return "fill";
  }
  return "keep";
}

ServiceTime summarise(const std::string& part, const sim::Distribution& d) {
  return ServiceTime{part, d.describe(), d.mean_s() * 1e3, d.quantile_s(0.5) * 1e3, d.quantile_s(0.99) * 1e3};
}

nlohmann::json workload_json(const sim::WorkloadSpec& w) {
  using K = sim::WorkloadSpec::Kind;
  nlohmann::ordered_json j;
  j["type"] = kind_name(w.kind);
  if (w.kind == K::rate_trace || w.kind == K::request_trace) {
    j["scale"] = w.scale;
    j["start_s"] = w.start_s;
    j["duration_s"] = w.duration_s;
    j["time_compression"] = w.time_compression;
    if (w.kind == K::rate_trace) {
      j["gaps"] = gaps_name(w.gaps);
      j["gap_min_s"] = w.gap_min_s;
    } else {
      j["timestamp_column"] = w.timestamp_column;
    }
  } else {
    j["rate_rps"] = w.rate_rps;
    j["duration_s"] = w.synthetic_duration_s;
    if (w.kind == K::diurnal) {
      j["period_s"] = w.period_s;
      j["amplitude"] = w.amplitude;
    }
    if (w.kind == K::spike) {
      j["spike_factor"] = w.spike_factor;
      j["spike_start_s"] = w.spike_start_s;
      j["ramp_s"] = w.ramp_s;
      j["spike_duration_s"] = w.spike_duration_s;
    }
  }
  return j;
}

template <typename T>
T field(const nlohmann::json& j, const char* key, const std::string& file, const std::string& pointer) {
  if (!j.is_object() || !j.contains(key))
    throw input_error(file, pointer + "/" + key, "missing (was the run folder written by servesim run?)");
  try {
    return j.at(key).get<T>();
  } catch (const nlohmann::json::exception&) {
    throw input_error(file, pointer + "/" + key, "unexpected type, got " + j.at(key).dump());
  }
}

}  // namespace

ReportContext context_from_scenario(const sim::Scenario& sc, const std::string& version) {
  ReportContext c;
  c.scenario_name = sc.name;
  c.scenario_description = sc.description;
  c.scenario_file = sc.file;
  c.scenario_sha256 = sc.file.empty() ? "" : sha256_file_hex(sc.file);
  c.seed = sc.seed;
  c.servesim_version = version;
  c.slo_p99_ms = sc.slo.p99_ms;
  c.slo_timeout_s = sc.slo.timeout_s;
  c.slo_attainment_target = sc.slo.attainment_target;
  c.workload_kind = kind_name(sc.workload.kind);
  c.trace_path = sc.workload.path;
  if (!c.trace_path.empty()) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(c.trace_path, ec);
    c.trace_bytes = ec ? -1 : static_cast<int64_t>(size);
  }
  c.workload = workload_json(sc.workload);
  c.service_times = {summarise("warm", sc.service.warm_s),
                     summarise("runtime_init", sc.service.runtime_init_s),
                     summarise("model_load", sc.service.model_load_s)};
  c.reference_vcpu = sc.service.reference_vcpu;
  c.parallel_fraction = sc.service.parallel_fraction;
  c.model_size_mb = sc.service.model_size_mb;
  return c;
}

nlohmann::ordered_json to_json(const ReportContext& c) {
  using nlohmann::ordered_json;
  ordered_json j;
  j["scenario"] = {{"name", c.scenario_name},
                   {"description", c.scenario_description},
                   {"file", c.scenario_file},
                   {"sha256", c.scenario_sha256}};
  j["seed"] = c.seed;
  j["servesim_version"] = c.servesim_version;
  j["slo"] = {{"p99_ms", c.slo_p99_ms},
              {"timeout_s", c.slo_timeout_s},
              {"attainment_target", c.slo_attainment_target}};
  j["workload"] = {{"kind", c.workload_kind},
                   {"trace_path", c.trace_path},
                   {"trace_bytes", c.trace_bytes},
                   {"parameters", c.workload}};
  ordered_json service;
  service["reference_vcpu"] = c.reference_vcpu;
  service["parallel_fraction"] = c.parallel_fraction;
  service["model_size_mb"] = c.model_size_mb;
  service["times"] = ordered_json::array();
  for (const auto& t : c.service_times)
    service["times"].push_back({{"part", t.part},
                                {"description", t.description},
                                {"mean_ms", t.mean_ms},
                                {"p50_ms", t.p50_ms},
                                {"p99_ms", t.p99_ms}});
  j["service"] = service;
  j["candidates"] = ordered_json::array();
  for (const auto& cand : c.candidates) {
    ordered_json cj;
    cj["name"] = cand.name;
    cj["platform"] = cand.platform;
    cj["platform_title"] = cand.platform_title;
    cj["catalog_as_of"] = cand.catalog_as_of;
    cj["parameters"] = ordered_json::array();
    for (const auto& p : cand.parameters)
      cj["parameters"].push_back({{"key", p.key},
                                  {"value", p.value},
                                  {"default", p.default_value},
                                  {"unit", p.unit},
                                  {"status", p.status},
                                  {"source", p.source},
                                  {"overridden", p.overridden}});
    j["candidates"].push_back(cj);
  }
  j["model_profile"] = c.model_profile;
  j["recommendation"] = c.recommendation;
  return j;
}

ReportContext context_from_json(const nlohmann::json& j, const std::string& file) {
  ReportContext c;
  const auto& s = j.contains("scenario") ? j["scenario"] : nlohmann::json();
  c.scenario_name = field<std::string>(s, "name", file, "/scenario");
  c.scenario_description = field<std::string>(s, "description", file, "/scenario");
  c.scenario_file = field<std::string>(s, "file", file, "/scenario");
  c.scenario_sha256 = field<std::string>(s, "sha256", file, "/scenario");
  c.seed = field<uint64_t>(j, "seed", file, "");
  c.servesim_version = field<std::string>(j, "servesim_version", file, "");
  const auto& slo = j.contains("slo") ? j["slo"] : nlohmann::json();
  c.slo_p99_ms = field<double>(slo, "p99_ms", file, "/slo");
  c.slo_timeout_s = field<double>(slo, "timeout_s", file, "/slo");
  c.slo_attainment_target = field<double>(slo, "attainment_target", file, "/slo");
  const auto& w = j.contains("workload") ? j["workload"] : nlohmann::json();
  c.workload_kind = field<std::string>(w, "kind", file, "/workload");
  c.trace_path = field<std::string>(w, "trace_path", file, "/workload");
  c.trace_bytes = field<int64_t>(w, "trace_bytes", file, "/workload");
  c.workload = w.value("parameters", nlohmann::json::object());
  const auto& sv = j.contains("service") ? j["service"] : nlohmann::json();
  c.reference_vcpu = field<double>(sv, "reference_vcpu", file, "/service");
  c.parallel_fraction = field<double>(sv, "parallel_fraction", file, "/service");
  c.model_size_mb = field<double>(sv, "model_size_mb", file, "/service");
  const auto times = field<nlohmann::json>(sv, "times", file, "/service");
  for (size_t i = 0; i < times.size(); ++i) {
    const std::string ptr = "/service/times/" + std::to_string(i);
    c.service_times.push_back(ServiceTime{
        field<std::string>(times[i], "part", file, ptr),
        field<std::string>(times[i], "description", file, ptr), field<double>(times[i], "mean_ms", file, ptr),
        field<double>(times[i], "p50_ms", file, ptr), field<double>(times[i], "p99_ms", file, ptr)});
  }
  const auto cands = field<nlohmann::json>(j, "candidates", file, "");
  for (size_t i = 0; i < cands.size(); ++i) {
    const std::string ptr = "/candidates/" + std::to_string(i);
    CandidateAssumptions ca;
    ca.name = field<std::string>(cands[i], "name", file, ptr);
    ca.platform = field<std::string>(cands[i], "platform", file, ptr);
    ca.platform_title = field<std::string>(cands[i], "platform_title", file, ptr);
    ca.catalog_as_of = field<std::string>(cands[i], "catalog_as_of", file, ptr);
    const auto params = field<nlohmann::json>(cands[i], "parameters", file, ptr);
    for (size_t k = 0; k < params.size(); ++k) {
      const std::string pp = ptr + "/parameters/" + std::to_string(k);
      AssumedParameter p;
      p.key = field<std::string>(params[k], "key", file, pp);
      p.value = field<nlohmann::json>(params[k], "value", file, pp);
      p.default_value = field<nlohmann::json>(params[k], "default", file, pp);
      p.unit = field<std::string>(params[k], "unit", file, pp);
      p.status = field<std::string>(params[k], "status", file, pp);
      p.source = field<std::string>(params[k], "source", file, pp);
      p.overridden = field<bool>(params[k], "overridden", file, pp);
      ca.parameters.push_back(std::move(p));
    }
    c.candidates.push_back(std::move(ca));
  }
  c.model_profile = j.value("model_profile", nlohmann::json());
  c.recommendation = j.value("recommendation", nlohmann::json());
  return c;
}

ReportContext read_report_context(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw input_error(path, "", "cannot open file (was the run folder written by servesim run?)");
  std::stringstream text;
  text << in.rdbuf();
  return context_from_json(core::parse_json(text.str(), path), path);
}

}  // namespace servesim::reports
