#include "models/profiler.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <ostream>
#include <set>
#include <sstream>

#include "core/input_error.hpp"
#include "core/input_file.hpp"
#include "models/host_info.hpp"
#include "models/model_inspector.hpp"
#include "models/onnx_file.hpp"
#include "models/ort_engine.hpp"

namespace servesim::models {
namespace fs = std::filesystem;
namespace {

using Clock = std::chrono::steady_clock;

std::string join(const std::vector<int>& values) {
  std::string text;
  for (std::size_t i = 0; i < values.size(); ++i) text += (i ? "," : "") + std::to_string(values[i]);
  return text;
}

std::string settings_key(const std::string& engine, const ProfileOptions& o, bool llm) {
  std::ostringstream key;
  key << "engine=" << engine;
  if (o.provider != "cpu") key << ";provider=" << o.provider;  // CPU profiles keep their cache entries
  key << ";batches=" << join(o.batches) << ";threads=" << join(o.threads) << ";warmup=" << o.warmup
      << ";reps=" << o.min_reps << "-" << o.max_reps << ";max_s=" << o.max_s_per_point << ";seed=" << o.seed;
  if (llm)  // only for language models, so that other models keep their cache entries
    key << ";prefill=" << join(o.prefill_tokens) << ";decode=" << join(o.decode_context)
        << ";llm_reps=" << o.llm_min_reps << ";llm_max_s=" << o.llm_max_s_per_point;
  return key.str();
}

std::string fnv1a_hex(const std::string& text) {
  std::uint64_t hash = 1469598103934665603ull;
  for (const unsigned char c : text) hash = (hash ^ c) * 1099511628211ull;
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(hash));
  return out;
}

void check_options(const ProfileOptions& o) {
  auto positive = [](const std::vector<int>& list, const std::string& flag) {
    if (list.empty()) throw InputError(flag + ": expected a comma-separated list of positive integers");
    for (const int v : list)
      if (v <= 0) throw InputError(flag + ": expected positive integers, got " + std::to_string(v));
  };
  positive(o.batches, "--batch");
  positive(o.threads, "--threads");
  if (o.provider != "cpu" && o.provider != "cuda" && o.provider != "tensorrt")
    throw InputError("--provider: expected cpu, cuda or tensorrt, got '" + o.provider + "'");
  if (o.provider != "cpu" && o.engine != EngineKind::kOrt)
    throw InputError("--provider " + o.provider +
                     ": expected --engine ort (OpenCV DNN runs on the CPU only)");
  auto distinct = [](std::vector<int> list, const std::string& flag, int lowest) {
    std::sort(list.begin(), list.end());
    if (list.empty() || list.front() < lowest || std::unique(list.begin(), list.end()) - list.begin() < 2)
      throw InputError(flag + ": expected at least two different token counts (>= " + std::to_string(lowest) +
                       ") to fit a line, got " + join(list));
  };
  distinct(o.prefill_tokens, "--prefill-tokens", 1);
  distinct(o.decode_context, "--decode-context", 0);
  if (o.llm_min_reps < 1) throw InputError("--llm-reps: expected a positive integer");
  if (o.min_reps < 1 || o.max_reps < o.min_reps)
    throw InputError("--reps: expected 1 <= min reps <= max reps, got " + std::to_string(o.min_reps) +
                     " and " + std::to_string(o.max_reps));
}

// Prefill and decode points of a language model at one thread count (the session already has them).
template <typename NextStep>
LlmTiming time_llm(InferenceEngine& engine, const onnx::ModelProto& model, const KvCacheShape& cache,
                   int threads, const ProfileOptions& o, NextStep& next_step) {
  const std::string on = ", " + std::to_string(threads) + " thread" + (threads == 1 ? "" : "s");
  LlmTiming t;
  t.threads = threads;
  auto measure = [&](std::int64_t tokens, std::int64_t past) {
    RunRequest req{decoder_inputs(model, cache, tokens, past, o.seed),
                   1,
                   o.llm_min_reps,
                   std::max(o.llm_min_reps, o.max_reps),
                   o.llm_max_s_per_point,
                   false};
    const LatencyPoint point = summarize(1, threads, engine.run(req).times_s);
    return LlmPoint{tokens, point.reps, point.p50_s};
  };
  for (const int n : o.prefill_tokens) {
    next_step("prefill " + std::to_string(n) + " tokens" + on);
    t.prefill.push_back(measure(n, 0));
  }
  for (const int context : o.decode_context) {
    next_step("decode 1 token after " + std::to_string(context) + on);
    LlmPoint point = measure(1, context);
    point.tokens = context;
    t.decode.push_back(point);
  }
  const LineFit prefill = fit_line(t.prefill), decode = fit_line(t.decode);
  t.prefill_fixed_s = prefill.intercept;
  t.prefill_s_per_token = prefill.slope;
  t.decode_fixed_s = decode.intercept;
  t.decode_s_per_context_token = decode.slope;
  return t;
}

}  // namespace

std::string default_cache_dir() {
  if (const char* dir = std::getenv("SERVESIM_CACHE_DIR"); dir && *dir) return dir;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
    return (fs::path(xdg) / "servesim").string();
  if (const char* home = std::getenv("HOME"); home && *home)
    return (fs::path(home) / ".cache" / "servesim").string();
  return (fs::temp_directory_path() / "servesim-cache").string();
}

LatencyPoint summarize(int batch, int threads, std::vector<double> times_s) {
  LatencyPoint point{batch, threads, static_cast<int>(times_s.size()), 0, 0, 0, 0};
  if (times_s.empty()) return point;
  std::sort(times_s.begin(), times_s.end());
  auto rank = [&](double q) {
    const auto n = static_cast<double>(times_s.size());
    return times_s[static_cast<std::size_t>(std::max(0.0, std::ceil(q * n) - 1))];
  };
  point.mean_s = std::accumulate(times_s.begin(), times_s.end(), 0.0) / static_cast<double>(times_s.size());
  point.p50_s = rank(0.50);
  point.p90_s = rank(0.90);
  point.p99_s = rank(0.99);
  return point;
}

// The engine for a GPU provider: ONNX Runtime on this machine's first NVIDIA GPU, or a one-line reason why
// not (no fall-back: a CPU figure is not a GPU measurement).
static std::unique_ptr<InferenceEngine> gpu_engine(const std::string& provider, ModelProfile::Gpu& gpu) {
  std::string why;
  const std::vector<NvidiaGpu> gpus = nvidia_gpus(why);
  if (gpus.empty())
    throw InputError(
        "--provider " + provider + ": no NVIDIA GPU on this machine (" + why +
        "); a GPU profile is measured on the GPU it describes, so run this there. Until then GPU "
        "candidates take their latency from the calibrated GPU model (docs/models/gpu-latency.md)");
  gpu = ModelProfile::Gpu{gpus.front().name, gpus.front().memory_mib, gpus.front().driver};
  if (const std::string missing = OrtEngine::missing_piece(); !missing.empty())
    throw InputError("--provider " + provider + ": ONNX Runtime unavailable: " + missing);
  return std::make_unique<OrtEngine>();
}

ProfileResult profile_model(const std::string& model_path, const ProfileOptions& options_in,
                            std::ostream& warnings) {
  check_options(options_in);
  ProfileOptions options = options_in;
  const bool on_gpu = options.provider != "cpu";
  if (on_gpu) options.threads = {1};  // intra-op threads feed the CPU scaling law only
  ProfileResult result;
  ModelProfile& p = result.profile;

  // Read every byte the engine will read, timed (the OS page cache is warm after the first time).
  const auto read_start = Clock::now();
  std::string bytes;
  {
    const auto stream = core::open_input(model_path, "the file");  // refuses FIFOs, directories, NUL bytes
    std::istream& in = *stream;
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  const OnnxFile file = read_onnx(model_path);  // validates, checks external data
  // Every input at every batch size fits the input budget before any engine sees the model.
  for (const int batch : options.batches)
    check_input_sizes(model_path, input_specs(file.model, batch, options.seed));
  std::set<std::string> data_files;
  for (const auto& tensor : file.model.graph().initializer())
    for (const auto& entry : tensor.external_data())
      if (entry.key() == "location") data_files.insert(entry.value());
  std::vector<char> chunk(1 << 20);
  for (const auto& name : data_files) {
    std::ifstream data(fs::path(model_path).parent_path() / name, std::ios::binary);
    while (data.read(chunk.data(), static_cast<std::streamsize>(chunk.size())) || data.gcount() > 0) {
    }
  }
  p.file_read_s = std::chrono::duration<double>(Clock::now() - read_start).count();
  p.sha256 = sha256_hex(bytes);
  const ModelInfo info = inspect_model(model_path);
  p.model_path = model_path;
  p.model_bytes = info.file_bytes + info.external_data_bytes;
  p.parameter_count = info.parameter_count;
  p.flops_per_inference = info.flops_per_inference;
  p.weight_bytes = info.initializer_bytes;

  ModelProfile::Gpu gpu;
  auto engine = on_gpu ? gpu_engine(options.provider, gpu) : make_engine(options.engine, warnings);
  if (on_gpu) {
    p.provider = options.provider;
    p.gpu = gpu;
  }
  p.engine = engine->name();
  p.engine_version = engine->version();
  // Language-model timings are CPU figures (per-token costs for CPU functions).
  const std::optional<KvCacheShape> cache = on_gpu ? std::nullopt : kv_cache_shape(file.model);
  p.settings_key = settings_key(p.engine, options, cache.has_value());
  const fs::path cache_dir = options.cache_dir.empty() ? default_cache_dir() : options.cache_dir;
  result.cache_path =
      (cache_dir / (p.sha256 + "-" + p.engine + "-" + fnv1a_hex(p.settings_key) + ".json")).string();
  if (options.use_cache && fs::exists(result.cache_path)) {
    try {
      ModelProfile cached = load_profile(result.cache_path);
      if (cached.sha256 == p.sha256 && cached.settings_key == p.settings_key) {
        cached.model_path = model_path;
        result.profile = cached;
        result.from_cache = true;
        return result;
      }
    } catch (const InputError&) {
      // an unreadable or older cache entry is measured again and replaced
    }
  }

  const std::size_t llm_points = cache ? options.prefill_tokens.size() + options.decode_context.size() : 0;
  const int total_steps =
      1 + static_cast<int>(options.threads.size() * (options.batches.size() + llm_points));
  int step = 0;
  auto next_step = [&](const std::string& next) {
    if (options.cancel && options.cancel->load()) throw ProfileCancelled();
    if (options.on_progress) options.on_progress(step, total_steps, next);
    ++step;
  };
  next_step("creating the " + p.engine + " session");
  const onnx::ModelProto& model = file.model;
  const int first_threads = options.threads.front();
  p.load_s = engine->load(model_path, {first_threads, true, "", options.provider});
  RunRequest first{input_specs(model, 1, options.seed), 0, 1, 1, 0, false};
  p.first_inference_s = engine->run(first).times_s.at(0);

  if (p.engine == "onnxruntime" && info.external_data_bytes == 0 && !on_gpu) {
    const fs::path optimized =
        fs::temp_directory_path() / ("servesim-opt-" + std::to_string(getpid()) + ".onnx");
    try {
      engine->load(model_path, {first_threads, true, optimized.string()});
      p.load_optimized_s = engine->load(optimized.string(), {first_threads, false, ""});
    } catch (const InputError& e) {
      warnings << "warning: could not time loading the optimized model: " << e.what() << "\n";
    }
    std::error_code ignored;
    fs::remove(optimized, ignored);
  }

  for (const int threads : options.threads) {
    engine->load(model_path, {threads, true, "", options.provider});
    for (const int batch : options.batches) {
      next_step("batch " + std::to_string(batch) + ", " + std::to_string(threads) + " thread" +
                (threads == 1 ? "" : "s"));
      RunRequest req{input_specs(model, batch, options.seed),
                     options.warmup,
                     options.min_reps,
                     options.max_reps,
                     options.max_s_per_point,
                     false};
      p.latency.push_back(summarize(batch, threads, engine->run(req).times_s));
    }
    if (cache) {
      if (!p.llm) p.llm = LlmProfile{cache->layers, cache->heads, cache->head_dim, {}};
      p.llm->timings.push_back(time_llm(*engine, model, *cache, threads, options, next_step));
    }
  }
  p.peak_rss_mb = engine->peak_rss_mb();
  p.cpu_model = cpu_model_name();
  p.cores = logical_cores();
  p.date_utc = utc_now_iso8601();
  if (options.on_progress) options.on_progress(total_steps, total_steps, "done");

  if (options.use_cache) {
    std::error_code error;
    fs::create_directories(cache_dir, error);
    if (!error) save_profile(p, result.cache_path);
  }
  return result;
}

std::vector<int> parse_int_list(const std::string& text, const std::string& flag) {
  std::vector<int> values;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    try {
      std::size_t used = 0;
      values.push_back(std::stoi(item, &used));
      if (used != item.size()) throw std::invalid_argument(item);
    } catch (const std::exception&) {
      throw InputError(flag + ": expected a comma-separated list of integers such as 1,2,4, got '" + text +
                       "'");
    }
  }
  return values;
}

}  // namespace servesim::models
