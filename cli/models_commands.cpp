// servesim inspect / models generate|quantize / profile: thin shells over servesim::models.
#include <boost/program_options.hpp>
#include <cstdio>
#include <iostream>
#include <sstream>

#include "app/gpu_profile.hpp"
#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "core/input_error.hpp"
#include "models/model_generator.hpp"
#include "models/model_inspector.hpp"
#include "models/profiler.hpp"
#include "models/weight_quantizer.hpp"

namespace servesim::cli {
namespace po = boost::program_options;

namespace {

constexpr const char* kInspectUsage = R"(Usage: servesim inspect MODEL.onnx [--json]

Reads an ONNX model (and checks its external-data files) and prints: file size and external-data bytes,
IR version and opsets, parameter count, initializer bytes by data type, inputs and outputs with their
shapes (symbolic dims such as "batch" by name), the operator histogram, and the estimated FLOPs of one
inference at batch 1 after ONNX shape inference: 2 x multiply-accumulates of Conv, ConvTranspose, Gemm
and MatMul (attention's Q.K^T and P.V included); activations, norms and bias adds are not counted.
)";

constexpr const char* kModelsUsage = R"(Usage:
  servesim models generate KIND --out FILE.onnx [--size small|base|large] [--target-mb M] [--seed N]
  servesim models quantize MODEL.onnx --out OUT.onnx [--mode weight-int8|dynamic-int8|static-int8|int4]
                           [--calibration N] [--block-size 32|128] [--compare-inputs N] [--engine ort|opencv]
                           [--seed N] [--no-compare]

generate builds a reference model from scratch with seeded random weights and checks it with the ONNX
checker. Inference time depends on the architecture and tensor sizes, not on the weight values, so a
generated model times like a trained one of the same shape. KIND:
  image-cnn         ResNet-style CNN, image[batch,3,224,224] -> logits[batch,1000]
                    small: width 16, 1-1-1-1 blocks (0.44 M params); base: ResNet-18 (11.7 M);
                    large: ResNet-34 blocks at width 160 (~136 M)
  text-transformer  DistilBERT-shaped encoder, input_ids[batch,128] -> logits[batch,2]
                    small: hidden 128, 2 layers (0.9 M); base: DistilBERT (66 M); large: BERT-large (~330 M)
  recsys-mlp        embedding tables + MLP, dense[batch,13] + sparse_ids[batch,T] -> score[batch,1]
                    small: 8 x 4000 x 32 (1.1 M); base: 26 x 20000 x 64 (34 M); large: 26 x 500000 x 64 (3.3 GB)
  text-decoder      GPT-2-shaped language model with a KV cache: input_ids[batch,n] + past_key_L/past_value_L
                    [batch,heads,past,head_dim] -> logits[batch,n,vocab] + present_key_L/present_value_L
                    [batch,heads,past+n,head_dim]; small: vocab 4096, hidden 256, 4 layers, 4 heads (5.5 M);
                    base: GPT-2 small shape (163 M); large: GPT-2 medium shape (406 M); 1024 positions
--target-mb scales the preset's width (rows for recsys-mlp) to reach about M MB of float32 weights; models
whose weights pass 1.5 GiB are written with ONNX external data (FILE.onnx.data beside FILE.onnx).

quantize writes a smaller model that ONNX Runtime (CPU) runs; --mode says how (default weight-int8):
  weight-int8   Conv/Gemm/MatMul weights and Gather tables stored int8 (one symmetric scale per output
                channel or row), a DequantizeLinear in front of each: ~4x smaller, but every call turns the
                weights back into float, so it runs slower than the float model.
  dynamic-int8  integer kernels: each call quantizes the activation to uint8 from its own min/max
                (DynamicQuantizeLinear), multiplies in integers with int8 weights (MatMulInteger,
                ConvInteger) and scales the int32 result back to float; no calibration needed.
                BatchNormalization is folded into the Conv first; tables are int8, dequantized per row read.
  static-int8   QDQ format: activation scales fixed ahead of time by running --calibration N seeded inputs
                (default 16) through the float model and taking each tensor's min/max; ONNX Runtime fuses
                the QuantizeLinear/DequantizeLinear pairs into int8 kernels (QLinearConv, ...).
  int4          4-bit weights for MatMul/Gemm (com.microsoft MatMulNBits, an ONNX Runtime contrib operator:
                other engines cannot run it), one scale per --block-size weights along K (32, default, or
                128); Conv stays float, tables int8; activations and arithmetic stay float.
Tensors under 1024 elements (biases, norms) stay float. It prints the size ratio and the operators written,
then runs both models on --compare-inputs N held-out seeded inputs (default 8, seeds --seed .. --seed+N-1,
apart from the calibration seeds 1000.. while --seed+N <= 1000) and prints the largest output difference,
absolute and relative to the largest float output, and, for outputs with classes, how often the top-1 class
agrees (--no-compare skips this). Which mode, from ORT 1.30 on one CPU thread (docs/models.md): static-int8
for convolutions (ResNet-18 2.5x faster than float; dynamic-int8 runs ConvInteger 9x slower), dynamic- or
static-int8 for transformers (2.9x faster), weight-int8 only to shrink a download (it runs slower), int4 for
the smallest transformer files (5.2x smaller, 1.4x faster, largest output error). Profile the result with
`servesim profile OUT.onnx` to see it on your machine.
)";

constexpr const char* kProfileUsage =
    R"(Usage: servesim profile MODEL.onnx [--engine ort|opencv] [--provider cpu|cuda|tensorrt]
                        [--batch 1,2,4] [--threads 1,2] [--out PROFILE.json] [--cache-dir DIR]
                        [--no-cache] [--progress-lines]

Measures the model with a real inference engine on this machine: file read time, session creation (load)
time (ONNX Runtime: from the .onnx and from the optimized model it saves), the first inference, and the
steady-state latency p50/p90/p99 for every batch size and intra-op thread count, plus peak RSS. Each point
runs --warmup untimed runs, then at least --min-reps and at most --max-reps timed runs, stopping once
--max-s-per-point seconds have passed. The profile records engine and version, CPU model, cores, date and
the model's sha256, and is cached under (sha256, engine, settings) in --cache-dir (default:
$SERVESIM_CACHE_DIR, else $XDG_CACHE_HOME/servesim, else ~/.cache/servesim); a second run reuses it.

Engines: ort = ONNX Runtime (CPU provider) through the Node.js bridge models/ort_bridge (needs node and
`cd models/ort_bridge && ONNXRUNTIME_NODE_INSTALL=skip npm ci`); opencv = OpenCV DNN in-process. When ORT
is missing, servesim warns and falls back to OpenCV, which ran ~3x slower on the same CNN.
The simulator scales the 1- and 2-thread p50 latencies to a platform's CPU share (docs/models.md).

GPU: --provider cuda (or tensorrt) times the batch sizes on this machine's first NVIDIA GPU with ORT's CUDA
(TensorRT) execution provider, one thread, no fall-back: without a GPU (nvidia-smi lists none) or without
the provider's libraries (onnxruntime-node ships them only with `ONNXRUNTIME_NODE_INSTALL=cuda12 npm ci`,
which this project's set-up skips) it stops with a one-line error and exit status 2. The profile records the
GPU; a scenario's "model": {"gpu_profile": FILE} gives its batch table to the Kubernetes GPU candidates on
that GPU (docs/models/gpu-latency.md, "Measured on your GPU"), e.g.
  servesim profile model.onnx --provider cuda --batch 1,2,4,8,16,32 --out model.h100.profile.json

Language models with a KV cache (inputs input_ids and past_key_L/past_value_L, as `models generate
text-decoder` makes them) are also timed token by token at every thread count: prefill of each
--prefill-tokens prompt length with an empty cache, and one decode step after each --decode-context cache
length (one untimed run, then at least --llm-reps timed runs, more for up to 0.25 s; medians). Straight
lines fitted through them give the prefill time per input token and the decode step time and its growth
per token of context, which a scenario's "model" section turns into service.llm's cpu_ms_per_input_token
and cpu_ms_per_output_token (docs/models.md, "Language models").

--progress-lines prints machine-readable lines on stderr for a program that runs servesim profile (the
desktop app does): before each step `progress DONE/TOTAL WHAT-COMES-NEXT` (step 0 creates the session and
runs the first inference, then one step per batch size and thread count, e.g.
`progress 2/5 batch 2, 1 thread`), `progress TOTAL/TOTAL done` at the end, then
`result measured|cached CACHE_PATH`. A cached profile gives the result line alone. Other stderr lines are
warnings, or the one-line error when the exit status is not 0.
)";

}  // namespace

int inspect_command(const Args& args) {
  po::options_description opts("Options");
  std::string model;
  opts.add_options()("model", po::value(&model)->required(), "the ONNX file")("json", po::bool_switch(),
                                                                              "print JSON instead of text");
  po::positional_options_description pos;
  pos.add("model", 1);
  po::variables_map vm;
  if (!parse_options(args, kInspectUsage, opts, pos, vm)) return 0;
  const models::ModelInfo info = models::inspect_model(model);
  if (vm["json"].as<bool>())
    // Names in an ONNX file need not be valid UTF-8 (protobuf does not check): replace bad bytes, never
    // throw.
    std::cout << models::to_json(info).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  else
    std::cout << models::to_text(info);
  return 0;
}

int models_command(const Args& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::cout << kModelsUsage;
    return args.empty() ? 2 : 0;
  }
  const std::string action = args[0];
  const Args rest(args.begin() + 1, args.end());
  po::options_description opts("Options");
  std::string target, out, size = "small", engine = "ort";
  double target_mb = 0, external_above_mb = 1536;
  std::uint64_t seed = 1;
  opts.add_options()("target", po::value(&target)->required(), "KIND (generate) or MODEL.onnx (quantize)")(
      "out,o", po::value(&out)->required(), "output ONNX file")(
      "seed", po::value(&seed), "random seed: weights (generate), inputs (quantize)");
  po::positional_options_description pos;
  pos.add("target", 1);
  po::variables_map vm;
  if (action == "generate") {
    opts.add_options()("size", po::value(&size), "small | base | large (default small)")(
        "target-mb", po::value(&target_mb), "scale the preset to about this many MB of float32 weights")(
        "external-data-above-mb", po::value(&external_above_mb),
        "write weights to FILE.onnx.data when they pass this many MiB (default 1536)");
    if (!parse_options(rest, kModelsUsage, opts, pos, vm)) return 0;
    models::GenerateOptions options;
    options.kind = models::parse_model_kind(target);
    options.size = size;
    options.target_mb = target_mb;
    options.seed = seed;
    options.write.external_above_bytes = static_cast<std::uint64_t>(external_above_mb * 1024 * 1024);
    const auto result = models::generate_model(options, out);
    std::printf("%s: %s\n  %llu parameters, %llu bytes written%s\n", out.c_str(), result.description.c_str(),
                static_cast<unsigned long long>(result.parameter_count),
                static_cast<unsigned long long>(result.bytes_written),
                result.has_external_data ? " (weights in external data)" : "");
    return 0;
  }
  if (action == "quantize") {
    std::string mode = "weight-int8";
    models::QuantizeOptions options;
    int compare_inputs = 8;
    opts.add_options()("mode", po::value(&mode), "weight-int8 | dynamic-int8 | static-int8 | int4")(
        "calibration", po::value(&options.calibration_inputs), "static-int8: calibration inputs (16)")(
        "block-size", po::value(&options.int4_block_size), "int4: weights per scale along K, 32 or 128")(
        "compare-inputs", po::value(&compare_inputs), "held-out inputs for the comparison (8)")(
        "engine", po::value(&engine), "engine that runs both models for the comparison (ort|opencv)")(
        "no-compare", po::bool_switch(), "skip running the models");
    if (!parse_options(rest, kModelsUsage, opts, pos, vm)) return 0;
    const auto kind = models::parse_engine_kind(engine);
    options.mode = models::parse_quantize_mode(mode);
    if (options.int4_block_size != 32 && options.int4_block_size != 128)
      throw InputError("--block-size: expected 32 or 128, got " + std::to_string(options.int4_block_size));
    if (compare_inputs < 1 || compare_inputs > 10000)
      throw InputError("--compare-inputs: expected 1 to 10000, got " + std::to_string(compare_inputs));
    options.check_comparison_inputs = !vm["no-compare"].as<bool>();
    const auto result = models::quantize_weights(target, out, options, std::cerr);
    std::printf("%s: %s, %d weight tensors (%llu parameters) quantized; %llu -> %llu bytes, %.2fx smaller\n",
                out.c_str(), mode.c_str(), result.quantized_tensors,
                static_cast<unsigned long long>(result.quantized_parameters),
                static_cast<unsigned long long>(result.input_bytes),
                static_cast<unsigned long long>(result.output_bytes), result.size_ratio());
    if (result.folded_batch_norms)
      std::printf("  %d BatchNormalization folded into Conv\n", result.folded_batch_norms);
    std::string operators;
    for (const auto& op : result.operators) operators += (operators.empty() ? "" : ", ") + op;
    std::printf("  operators: %s\n", operators.c_str());
    if (result.calibrated_tensors)
      std::printf("  %d activation tensors calibrated on %d inputs\n", result.calibrated_tensors,
                  options.calibration_inputs);
    if (!vm["no-compare"].as<bool>()) {
      const auto diff = models::compare_outputs(target, out, kind, static_cast<std::uint32_t>(seed),
                                                std::cerr, compare_inputs);
      std::printf(
          "  largest output difference %.4g (largest float output %.4g, %.2f%%) over %zu values of %d "
          "held-out inputs, %s\n",
          diff.max_abs_diff, diff.max_abs_reference, 100 * diff.relative_diff(), diff.compared_values,
          diff.inputs, diff.engine.c_str());
      if (diff.top1_rows)
        std::printf("  top-1 class agrees on %d of %d\n", diff.top1_agreements, diff.top1_rows);
    }
    return 0;
  }
  throw InputError("models: expected generate or quantize, got '" + action +
                   "' (see servesim models --help)");
}

int profile_command(const Args& args) {
  po::options_description opts("Options");
  std::string model, engine = "ort", batches = "1", threads = "1,2", out, cache_dir;
  std::string prefill = "128,512", decode = "128,512";
  models::ProfileOptions options;
  opts.add_options()("model", po::value(&model)->required(), "the ONNX file")(
      "engine", po::value(&engine), "ort (ONNX Runtime, default) or opencv (OpenCV DNN)")(
      "provider", po::value(&options.provider), "ORT execution provider: cpu (default), cuda or tensorrt")(
      "batch", po::value(&batches), "batch sizes, comma-separated (default 1)")(
      "threads", po::value(&threads), "intra-op thread counts, comma-separated (default 1,2)")(
      "warmup", po::value(&options.warmup), "untimed runs before each point (default 3)")(
      "min-reps", po::value(&options.min_reps), "timed runs per point, at least (default 10)")(
      "max-reps", po::value(&options.max_reps), "timed runs per point, at most (default 200)")(
      "max-s-per-point", po::value(&options.max_s_per_point), "seconds per point after min-reps (default 2)")(
      "prefill-tokens", po::value(&prefill), "language models: prompt lengths to time (default 128,512)")(
      "decode-context", po::value(&decode), "language models: cache lengths to time (default 128,512)")(
      "llm-reps", po::value(&options.llm_min_reps), "language models: timed runs per point, at least (5)")(
      "out,o", po::value(&out), "write the profile JSON here (it is also cached)")(
      "cache-dir", po::value(&cache_dir), "profile cache folder")(
      "no-cache", po::bool_switch(), "measure even when cached, store nothing")("json", po::bool_switch(),
                                                                                "print the profile JSON")(
      "progress-lines", po::bool_switch(),
      "print `progress DONE/TOTAL NEXT` lines and a `result` line on stderr");
  po::positional_options_description pos;
  pos.add("model", 1);
  po::variables_map vm;
  if (!parse_options(args, kProfileUsage, opts, pos, vm)) return 0;
  options.engine = models::parse_engine_kind(engine);
  options.batches = models::parse_int_list(batches, "--batch");
  options.threads = models::parse_int_list(threads, "--threads");
  options.prefill_tokens = models::parse_int_list(prefill, "--prefill-tokens");
  options.decode_context = models::parse_int_list(decode, "--decode-context");
  options.cache_dir = cache_dir;
  options.use_cache = !vm["no-cache"].as<bool>();
  const bool progress_lines = vm["progress-lines"].as<bool>();
  if (progress_lines)  // stderr is unbuffered: each line reaches the reader as the step starts
    options.on_progress = [](int done, int total, const std::string& next) {
      std::fprintf(stderr, "progress %d/%d %s\n", done, total, next.c_str());
    };
  const auto result = models::profile_model(model, options, std::cerr);
  const auto& p = result.profile;
  if (!out.empty()) models::save_profile(p, out);
  if (progress_lines)
    std::fprintf(stderr, "result %s %s\n", result.from_cache ? "cached" : "measured",
                 result.cache_path.c_str());
  if (vm["json"].as<bool>()) {
    std::cout << models::to_json(p).dump(2) << "\n";
    return 0;
  }
  std::printf("%s (%s %s on %s, %d cores)%s\n", model.c_str(), p.engine.c_str(), p.engine_version.c_str(),
              p.cpu_model.c_str(), p.cores, result.from_cache ? " [cached]" : "");
  if (p.gpu) {
    const std::string id = app::catalogue_gpu(p.gpu->name, p.gpu->memory_mib);
    std::printf("  %s provider on %s (%.0f MiB, driver %s): catalogue GPU %s\n", p.provider.c_str(),
                p.gpu->name.c_str(), p.gpu->memory_mib, p.gpu->driver.c_str(),
                id.empty() ? "none (name it with the scenario's model.gpu)" : id.c_str());
    std::printf("  as a candidate's table: \"measured_batch_latency_ms\": %s\n",
                app::batch_latency_table(p).dump().c_str());
  }
  std::printf("  read %.4f s, load %.4f s", p.file_read_s, p.load_s);
  if (p.load_optimized_s) std::printf(" (optimized model %.4f s)", *p.load_optimized_s);
  std::printf(", first inference %.4f s, peak RSS %.1f MB\n", p.first_inference_s, p.peak_rss_mb);
  std::printf("  batch threads   reps     p50_ms     p90_ms     p99_ms\n");
  for (const auto& point : p.latency)
    std::printf("  %5d %7d %6d %10.3f %10.3f %10.3f\n", point.batch, point.threads, point.reps,
                point.p50_s * 1e3, point.p90_s * 1e3, point.p99_s * 1e3);
  if (p.llm)
    for (const auto& t : p.llm->timings) {
      std::printf("  language model, %d thread%s:\n", t.threads, t.threads == 1 ? "" : "s");
      for (const auto& point : t.prefill)
        std::printf("    prefill %6lld tokens  p50 %10.3f ms  (%d reps)\n",
                    static_cast<long long>(point.tokens), point.p50_s * 1e3, point.reps);
      for (const auto& point : t.decode)
        std::printf("    decode after %6lld    p50 %10.3f ms  (%d reps)\n",
                    static_cast<long long>(point.tokens), point.p50_s * 1e3, point.reps);
      std::printf(
          "    prefill %.4f ms per input token (+ %.3f ms per call); decode step %.4f ms + %.3g ms per "
          "1000 tokens of context\n",
          t.prefill_s_per_token * 1e3, t.prefill_fixed_s * 1e3, t.decode_fixed_s * 1e3,
          t.decode_s_per_context_token * 1e6);
    }
  std::printf("  profile: %s\n", out.empty() ? result.cache_path.c_str() : out.c_str());
  return 0;
}

}  // namespace servesim::cli
