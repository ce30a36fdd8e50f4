#include "app/scenario_model.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "app/memory_fit.hpp"
#include "app/model_paths.hpp"
#include "core/input_error.hpp"
#include "core/json_fields.hpp"
#include "models/inference_engine.hpp"
#include "models/model_generator.hpp"

namespace servesim::app {
using namespace models;  // the profiler, the profile cache and their types
namespace fs = std::filesystem;

namespace {

std::string format(const char* pattern, double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, pattern, value);
  return buf;
}

}  // namespace

sim::Distribution warm_distribution(const LatencyPoint& point, double scale) {
  const double p50 = point.p50_s, p90 = std::max(point.p90_s, p50), p99 = std::max(point.p99_s, p90);
  const double low = std::max(p50 - (p90 - p50), 0.5 * p50);
  const double high = p99 + (p99 - p90) / 9.0;  // the p90 -> p99 slope continued over the last 1%
  return sim::Distribution::empirical(
      {{0.0, low * scale}, {0.5, p50 * scale}, {0.9, p90 * scale}, {0.99, p99 * scale}, {1.0, high * scale}});
}

void fill_service(sim::ServiceSpec& service, const ModelProfile& profile, LoadFigure load,
                  const std::string& file) {
  const LatencyPoint* one = profile.find(1, 1);
  if (!one || one->p50_s <= 0)
    throw input_error(file, "/model",
                      "the model profile (" + profile.model_path +
                          ") has no batch-1, 1-thread latency (profile it with --batch 1 --threads 1,2)");
  double load_s = profile.load_s;
  if (load == LoadFigure::kOptimized) {
    if (!profile.load_optimized_s)
      throw input_error(file, "/model/load",
                        "expected \"plain\": the profile has no optimized-model load time (" +
                            profile.engine +
                            (profile.engine == "onnxruntime" ? ", model with external data" : "") + ")");
    load_s = *profile.load_optimized_s;
  }
  // The first request on a fresh instance also pays the first run's extra (arena allocation, kernel choice).
  load_s += std::max(0.0, profile.first_inference_s - one->p50_s);

  sim::ServiceSpec& s = service;
  if (!s.given.parallel_fraction) s.parallel_fraction = parallel_fraction(profile, 1);
  // Measured on 1 vCPU (one intra-op thread); expressed on the scenario's reference share.
  const double to_reference = 1.0 / sim::cpu_speedup(s.reference_vcpu, s.parallel_fraction);
  if (!s.given.warm) s.warm_s = warm_distribution(*one, to_reference);
  if (!s.given.model_load) s.model_load_s = sim::Distribution::constant(load_s * to_reference);
  if (!s.given.model_size_mb) s.model_size_mb = static_cast<double>(profile.model_bytes) / 1e6;
  if (s.llm.given && profile.llm) fill_llm_costs(s.llm, *profile.llm, to_reference, file);
}

bool fill_llm_costs(sim::LlmShape& llm, const models::LlmProfile& measured, double to_reference,
                    const std::string& file) {
  const models::LlmTiming* t = measured.find(1);
  if (!t)
    throw input_error(
        file, "/model",
        "the model profile has no 1-thread prefill/decode timing (profile it with --threads 1,2)");
  bool filled = false;
  if (llm.cpu_s_per_input_token <= 0) {
    // The prefill line's time for the workload's default prompt, per token: the per-call constant is
    // spread over the prompt's tokens (it is negative when attention's n^2 bends the curve upwards).
    const double n = llm.default_input_tokens;
    const double prompt_s = t->prefill_fixed_s + t->prefill_s_per_token * n;
    llm.cpu_s_per_input_token =
        (prompt_s > 0 ? prompt_s / n : std::max(0.0, t->prefill_s_per_token)) * to_reference;
    filled = true;
  }
  if (llm.cpu_s_per_output_token <= 0) {
    // Decode steps run with input + 1 .. input + output tokens in the cache: the mean step is the line's
    // value at input + (output + 1) / 2, taken at the workload's default counts.
    const double mean_context = llm.default_input_tokens + (llm.default_output_tokens + 1) / 2.0;
    llm.cpu_s_per_output_token = t->decode_step_s(mean_context) * to_reference;
    filled = true;
  }
  return filled;
}

void check_memory(const sim::Scenario& scenario, const ModelProfile& profile) {
  if (scenario.service.given.model_memory_mb) return;  // the scenario's own figure replaces the measured one
  const double required_mib = profile.peak_rss_mb + kRuntimeOverheadMib;
  check_candidates_memory(scenario, required_mib,
                          format("%.1f", profile.peak_rss_mb) + " MB peak resident memory measured (" +
                              profile.engine + ") + " + format("%.0f", kRuntimeOverheadMib) +
                              " MB runtime overhead = " + format("%.1f", required_mib) + " MB");
}

// The model file of a section with "generate" ({"kind", "size", "seed"}) when `path` is missing: the same
// seeded model `servesim models generate` writes (identical bytes), kept in the cache folder and reused. A
// scenario installed read-only (share/servesim/scenarios) can then profile its reference model without
// `scripts/make-models`. Returns `path` when it exists.
std::string model_or_generated(core::JsonFields& f, const std::string& path, const std::string& cache_dir,
                               std::ostream& notes) {
  if (!f.has("generate")) return path;
  core::JsonFields g(f.child("generate"), f.file(), f.pointer("generate"));
  models::GenerateOptions options;
  const std::string kind =
      g.required_text("kind", {"image-cnn", "text-transformer", "recsys-mlp", "text-decoder"});
  options.kind = models::parse_model_kind(kind);
  options.size = g.text("size", "small", {"small", "base", "large"});
  options.seed = g.integer("seed", 1, 0, UINT32_MAX);
  g.reject_unknown();
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) return path;
  const fs::path dir = fs::path(cache_dir.empty() ? models::default_cache_dir() : cache_dir) / "models";
  const fs::path file = dir / (kind + "-" + options.size + "-seed" + std::to_string(options.seed) + ".onnx");
  if (fs::is_regular_file(file, ec)) return file.string();
  fs::create_directories(dir, ec);
  if (ec)
    throw f.error("generate", "cannot create the model cache folder '" + dir.string() + "': " + ec.message());
  // Written beside and renamed: a concurrent run never reads half a model.
  const fs::path tmp = dir / (file.filename().string() + ".tmp-" + std::to_string(::getpid()) + ".onnx");
  models::generate_model(options, tmp.string());
  fs::rename(tmp, file, ec);
  if (ec) throw f.error("generate", "cannot write '" + file.string() + "': " + ec.message());
  notes << "servesim: model: " << path << " not found: generated " << kind << " (" << options.size
        << ", seed " << options.seed << ") into " << file.string() << "\n";
  return file.string();
}

std::optional<ScenarioModel> apply_model(sim::Scenario& scenario, const ScenarioModelOptions& options) {
  if (scenario.model.is_null()) return std::nullopt;
  core::JsonFields f(scenario.model, scenario.file, "/model");
  ScenarioModel result;
  const bool has_onnx = f.has("onnx"), has_profile = f.has("profile");
  f.has("gpu");  // model.gpu_profile and model.gpu are app/gpu_profile.hpp's
  if (f.has("gpu_profile") && !has_onnx && !has_profile) return std::nullopt;
  if (has_onnx == has_profile)
    throw f.error("", has_onnx ? "expected one of \"onnx\" and \"profile\", got both"
                               : "expected {\"onnx\": \"MODEL.onnx\"}, {\"profile\": \"PROFILE.json\"} or "
                                 "{\"gpu_profile\": \"GPU-PROFILE.json\"}");
  result.load = f.text("load", "plain", {"plain", "optimized"}) == "optimized" ? LoadFigure::kOptimized
                                                                               : LoadFigure::kPlain;
  if (has_onnx) {
    ProfileOptions profile_options = options.profile;
    profile_options.engine = parse_engine_kind(f.text("engine", "ort", {"ort", "opencv"}));
    std::ostream& warnings = options.warnings ? *options.warnings : std::cerr;
    result.source = model_or_generated(f, section_path(f, "onnx", scenario.base_dir),
                                       profile_options.cache_dir, warnings);
    f.reject_unknown();
    require_file(f, "onnx", result.source);
    const ProfileResult measured = under_pointer(scenario.file, "/model/onnx", [&] {
      return profile_model(result.source, profile_options, warnings);
    });
    result.profile = measured.profile;
    result.from_cache = measured.from_cache;
    result.cache_path = measured.cache_path;
  } else {
    result.source = section_path(f, "profile", scenario.base_dir);
    f.reject_unknown();
    require_file(f, "profile", result.source);
    result.profile =
        under_pointer(scenario.file, "/model/profile", [&] { return load_profile(result.source); });
    if (result.profile.on_gpu())
      throw f.error("profile", "expected a CPU profile, got one measured with the " +
                                   result.profile.provider + " provider on " + result.profile.gpu->name +
                                   " (a GPU profile goes in model.gpu_profile)");
    result.from_profile = true;
  }
  const bool costs_given =
      scenario.service.llm.cpu_s_per_input_token > 0 && scenario.service.llm.cpu_s_per_output_token > 0;
  fill_service(scenario.service, result.profile, result.load, scenario.file);
  result.llm_costs_measured = scenario.service.llm.given && result.profile.llm && !costs_given;
  check_memory(scenario, result.profile);
  result.required_memory_mib = result.profile.peak_rss_mb + kRuntimeOverheadMib;
  return result;
}

std::string ScenarioModel::describe(const sim::ServiceSpec& service) const {
  const ModelProfile& p = profile;
  std::string line = "model: " + source + " (" + p.engine + " " + p.engine_version + ", " +
                     (from_profile ? "saved profile"
                      : from_cache ? "cached profile"
                                   : "measured now") +
                     "): ";
  line += "warm p50 " + format("%.3g", service.warm_s.quantile_s(0.5) * 1e3) + " ms, p99 " +
          format("%.3g", service.warm_s.quantile_s(0.99) * 1e3) + " ms on " +
          format("%g", service.reference_vcpu) + " vCPU, parallel fraction " +
          format("%.2f", service.parallel_fraction) + ", model load " +
          format("%.3g", service.model_load_s.mean_s() * 1e3) + " ms, " +
          format("%.3g", service.model_size_mb) + " MB, needs " + format("%.0f", required_memory_mib) +
          " MB memory";
  if (service.llm.given && profile.llm)
    line += "; per token on " + format("%g", service.reference_vcpu) + " vCPU: input " +
            format("%.3g", service.llm.cpu_s_per_input_token * 1e3) + " ms, output " +
            format("%.3g", service.llm.cpu_s_per_output_token * 1e3) + " ms (" +
            (llm_costs_measured ? "measured" : "given") + ")";
  return line;
}

}  // namespace servesim::app
