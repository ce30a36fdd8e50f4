#include "models/model_profile.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "core/atomic_file.hpp"
#include "core/input_error.hpp"
#include "core/input_file.hpp"
#include "core/json_fields.hpp"
#include "core/json_reader.hpp"

namespace servesim::models {
namespace {
// A whole number in [lo, hi]. nlohmann's get<int>() / get<uint64_t>() on 1e30 is undefined behaviour, so the
// value is checked before it is converted (found by fuzz/fuzz_model_profile).
double bounded_whole(const nlohmann::json& v, double lo, double hi) {
  if (!v.is_number() || std::floor(v.get<double>()) != v.get<double>())
    throw nlohmann::json::type_error::create(302, "expected a whole number, got " + core::quote_json(v),
                                             nullptr);
  const double x = v.get<double>();
  if (!(x >= lo && x <= hi))
    throw nlohmann::json::type_error::create(302, "out of range: " + v.dump(), nullptr);
  return x;
}
int bounded_int(const nlohmann::json& v, double lo, double hi) {
  return static_cast<int>(bounded_whole(v, lo, hi));
}
std::uint64_t bounded_u64(const nlohmann::json& v) {
  return static_cast<std::uint64_t>(bounded_whole(v, 0, 9.0e18));
}
}  // namespace

const LatencyPoint* ModelProfile::find(int batch, int threads) const {
  for (const auto& point : latency)
    if (point.batch == batch && point.threads == threads) return &point;
  return nullptr;
}

int ModelProfile::max_threads() const {
  int most = 0;
  for (const auto& point : latency) most = std::max(most, point.threads);
  return most;
}

LineFit fit_line(const std::vector<LlmPoint>& points) {
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  const auto n = static_cast<double>(points.size());
  for (const auto& pt : points) {
    const auto x = static_cast<double>(pt.tokens);
    sx += x;
    sy += pt.p50_s;
    sxx += x * x;
    sxy += x * pt.p50_s;
  }
  const double denominator = n * sxx - sx * sx;
  if (points.empty()) return {};
  if (denominator <= 0) return {sy / n, 0};  // one distinct x: a flat line through the mean
  const double slope = (n * sxy - sx * sy) / denominator;
  return {(sy - slope * sx) / n, slope};
}

double LlmTiming::decode_step_s(double context) const {
  const double line = decode_fixed_s + decode_s_per_context_token * context;
  if (line > 0 || decode.empty()) return std::max(line, 0.0);
  double fastest = decode.front().p50_s;
  for (const auto& pt : decode) fastest = std::min(fastest, pt.p50_s);
  return fastest;
}

const LlmTiming* LlmProfile::find(int threads) const {
  for (const auto& t : timings)
    if (t.threads == threads) return &t;
  return nullptr;
}

namespace {
nlohmann::json llm_to_json(const LlmProfile& llm) {
  auto points = [](const std::vector<LlmPoint>& list, const char* key) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& pt : list) out.push_back({{key, pt.tokens}, {"reps", pt.reps}, {"p50_s", pt.p50_s}});
    return out;
  };
  nlohmann::json timings = nlohmann::json::array();
  for (const auto& t : llm.timings)
    timings.push_back({{"threads", t.threads},
                       {"prefill", points(t.prefill, "tokens")},
                       {"decode", points(t.decode, "context")},
                       {"prefill_fixed_s", t.prefill_fixed_s},
                       {"prefill_s_per_token", t.prefill_s_per_token},
                       {"decode_fixed_s", t.decode_fixed_s},
                       {"decode_s_per_context_token", t.decode_s_per_context_token}});
  return {{"layers", llm.layers}, {"heads", llm.heads}, {"head_dim", llm.head_dim}, {"timings", timings}};
}

LlmProfile llm_from_json(const nlohmann::json& j) {
  LlmProfile llm;
  llm.layers = bounded_int(j.at("layers"), 1, 1 << 20);
  llm.heads = bounded_int(j.at("heads"), 1, 1 << 20);
  llm.head_dim = bounded_int(j.at("head_dim"), 1, 1 << 20);
  auto points = [](const nlohmann::json& list, const char* key) {
    std::vector<LlmPoint> out;
    for (const auto& pt : list)
      out.push_back({static_cast<std::int64_t>(bounded_whole(pt.at(key), 0, 1e12)),
                     bounded_int(pt.at("reps"), 0, 1 << 30), pt.at("p50_s").get<double>()});
    return out;
  };
  for (const auto& t : j.at("timings")) {
    LlmTiming timing;
    timing.threads = bounded_int(t.at("threads"), 1, 4096);
    timing.prefill = points(t.at("prefill"), "tokens");
    timing.decode = points(t.at("decode"), "context");
    timing.prefill_fixed_s = t.at("prefill_fixed_s").get<double>();
    timing.prefill_s_per_token = t.at("prefill_s_per_token").get<double>();
    timing.decode_fixed_s = t.at("decode_fixed_s").get<double>();
    timing.decode_s_per_context_token = t.at("decode_s_per_context_token").get<double>();
    llm.timings.push_back(std::move(timing));
  }
  return llm;
}
}  // namespace

nlohmann::json to_json(const ModelProfile& p) {
  nlohmann::json latency = nlohmann::json::array();
  for (const auto& point : p.latency)
    latency.push_back({{"batch", point.batch},
                       {"threads", point.threads},
                       {"reps", point.reps},
                       {"mean_s", point.mean_s},
                       {"p50_s", point.p50_s},
                       {"p90_s", point.p90_s},
                       {"p99_s", point.p99_s}});
  nlohmann::json out = {{"schema_version", p.schema_version},
                        {"engine", {{"name", p.engine}, {"version", p.engine_version}}},
                        {"machine", {{"cpu_model", p.cpu_model}, {"cores", p.cores}}},
                        {"date_utc", p.date_utc},
                        {"settings_key", p.settings_key},
                        {"model",
                         {{"path", p.model_path},
                          {"sha256", p.sha256},
                          {"model_bytes", p.model_bytes},
                          {"parameter_count", p.parameter_count},
                          {"flops_per_inference", p.flops_per_inference},
                          {"weight_bytes", p.weight_bytes}}},
                        {"file_read_s", p.file_read_s},
                        {"load_s", p.load_s},
                        {"load_optimized_s",
                         p.load_optimized_s ? nlohmann::json(*p.load_optimized_s) : nlohmann::json(nullptr)},
                        {"first_inference_s", p.first_inference_s},
                        {"latency", latency},
                        {"peak_rss_mb", p.peak_rss_mb}};
  if (p.llm) out["llm"] = llm_to_json(*p.llm);  // absent for other models: their files are as before
  if (p.on_gpu()) {                             // CPU profiles' files are as before
    out["engine"]["provider"] = p.provider;
    if (p.gpu)
      out["gpu"] = {{"name", p.gpu->name}, {"memory_mib", p.gpu->memory_mib}, {"driver", p.gpu->driver}};
  }
  return out;
}

ModelProfile profile_from_json(const nlohmann::json& j, const std::string& source) {
  if (!j.is_object()) throw input_error(source, "", "expected a JSON object (a ServeSim model profile)");
  if (!j.contains("schema_version") || !j["schema_version"].is_number_integer())
    throw input_error(source, "/schema_version", "expected an integer, got none");
  const int version = j["schema_version"].get<int>();
  if (version != kProfileSchemaVersion)
    throw input_error(source, "/schema_version",
                      "expected model profile schema version " + std::to_string(kProfileSchemaVersion) +
                          ", got " + std::to_string(version) + " (profile it again with this servesim)");
  ModelProfile p;
  std::string pointer;
  try {
    pointer = "/engine";
    p.engine = j.at("engine").at("name").get<std::string>();
    p.engine_version = j.at("engine").at("version").get<std::string>();
    pointer = "/engine/provider";
    p.provider = j.at("engine").value("provider", std::string("cpu"));
    if (p.provider != "cpu" && p.provider != "cuda" && p.provider != "tensorrt")
      throw input_error(source, pointer, "expected cpu, cuda or tensorrt, got \"" + p.provider + "\"");
    pointer = "/gpu";
    if (j.contains("gpu") && !j["gpu"].is_null())
      p.gpu =
          ModelProfile::Gpu{j["gpu"].at("name").get<std::string>(), j["gpu"].at("memory_mib").get<double>(),
                            j["gpu"].value("driver", std::string())};
    if (p.on_gpu() && !p.gpu)
      throw input_error(source, pointer,
                        "expected the GPU a " + p.provider + " profile was measured on, got none");
    pointer = "/machine";
    p.cpu_model = j.at("machine").at("cpu_model").get<std::string>();
    p.cores = bounded_int(j.at("machine").at("cores"), 0, 1 << 20);  // 0: unknown
    pointer = "/date_utc";
    p.date_utc = j.at("date_utc").get<std::string>();
    p.settings_key = j.value("settings_key", "");
    pointer = "/model";
    const auto& m = j.at("model");
    p.model_path = m.at("path").get<std::string>();
    p.sha256 = m.at("sha256").get<std::string>();
    p.model_bytes = bounded_u64(m.at("model_bytes"));
    p.parameter_count = m.contains("parameter_count") ? bounded_u64(m.at("parameter_count")) : 0;
    p.flops_per_inference = m.value("flops_per_inference", 0.0);
    p.weight_bytes = m.contains("weight_bytes") ? bounded_u64(m.at("weight_bytes")) : 0;
    pointer = "/load_s";
    p.file_read_s = j.value("file_read_s", 0.0);
    p.load_s = j.at("load_s").get<double>();
    if (j.contains("load_optimized_s") && !j["load_optimized_s"].is_null())
      p.load_optimized_s = j["load_optimized_s"].get<double>();
    pointer = "/first_inference_s";
    p.first_inference_s = j.at("first_inference_s").get<double>();
    pointer = "/latency";
    for (const auto& point : j.at("latency"))
      p.latency.push_back({bounded_int(point.at("batch"), 1, 1 << 20),
                           bounded_int(point.at("threads"), 1, 4096),
                           point.contains("reps") ? bounded_int(point.at("reps"), 0, 1 << 30) : 0,
                           point.value("mean_s", 0.0), point.at("p50_s").get<double>(),
                           point.at("p90_s").get<double>(), point.at("p99_s").get<double>()});
    pointer = "/peak_rss_mb";
    p.peak_rss_mb = j.value("peak_rss_mb", 0.0);
    pointer = "/llm";
    if (j.contains("llm") && !j["llm"].is_null()) p.llm = llm_from_json(j["llm"]);
  } catch (const nlohmann::json::exception& e) {
    throw input_error(source, pointer, std::string("malformed model profile: ") + e.what());
  }
  return p;
}

ModelProfile load_profile(const std::string& path) {
  const auto stream = core::open_input(path, "the model profile");  // refuses FIFOs, directories, NUL bytes
  std::stringstream text;
  text << stream->rdbuf();
  return profile_from_json(core::parse_json(text.str(), path), path);
}

void save_profile(const ModelProfile& profile, const std::string& path) {
  core::write_file_atomic(path, to_json(profile).dump(2) + "\n");  // a killed profiler leaves no half file
}

double parallel_fraction(const ModelProfile& profile, int batch) {
  const LatencyPoint* one = profile.find(batch, 1);
  const LatencyPoint* two = profile.find(batch, 2);
  if (!one || !two || two->p50_s <= 0) return 0;
  const double speedup = one->p50_s / two->p50_s;
  return std::clamp(2 * (1 - 1 / speedup), 0.0, 1.0);
}

double service_time_s(const ModelProfile& profile, double vcpu, int batch) {
  if (!(vcpu > 0))
    throw InputError("CPU share: expected a positive number of vCPUs, got " + std::to_string(vcpu));
  if (profile.on_gpu())
    throw input_error(profile.model_path, "/engine/provider",
                      "expected a CPU profile for CPU service times, got one measured with the " +
                          profile.provider + " provider on " + profile.gpu->name +
                          " (a GPU profile feeds GPU candidates: the scenario's model.gpu_profile)");
  const LatencyPoint* one = profile.find(batch, 1);
  if (!one)
    throw input_error(profile.model_path, "/latency",
                      "expected a 1-thread measurement at batch " + std::to_string(batch) + ", found none");
  const double t1_s = one->p50_s;
  if (vcpu <= 1) return t1_s / vcpu;
  const double p = parallel_fraction(profile, batch);
  const double s = std::min(vcpu, static_cast<double>(std::max(1, profile.max_threads())));
  return t1_s * ((1 - p) + p / s);
}

}  // namespace servesim::models
