#pragma once
// One interface over the inference engines that `servesim profile` measures with: ONNX Runtime (through the
// Node bridge, ort_engine.hpp) and OpenCV DNN (in-process, opencv_engine.hpp). Engines time session creation
// and each run themselves, so that the figures exclude ServeSim's own overhead.
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace servesim::models {

struct InputSpec {
  std::string name;
  std::string elem_type;           // "float32", "int64", "int32"
  std::vector<std::int64_t> dims;  // concrete (batch substituted)
  std::int64_t int_high = 1;       // integer inputs draw from [0, int_high)
  std::uint32_t seed = 1;          // xorshift32 seed for this input's values
  std::vector<float> values;       // non-empty: these values (one per element) instead of the seeded ones
};

struct LoadOptions {
  int intra_threads = 1;
  bool optimize = true;             // ORT: graphOptimizationLevel "all" (true) or "disabled"
  std::string save_optimized_path;  // ORT: optimizedModelFilePath (empty: do not save)
  std::string provider = "cpu";     // ORT execution provider: cpu, cuda, tensorrt (OpenCV: cpu only)
};

struct RunRequest {
  std::vector<InputSpec> inputs;
  int warmup = 0;  // untimed runs first
  int min_reps =
      1;  // timed runs: at least min_reps, at most max_reps, stopping after max_s once min_reps done
  int max_reps = 1;
  double max_s = 0;
  bool return_values = false;
  bool return_ranges = false;  // each output's smallest and largest value (calibration: no values copied)
};

struct OutputTensor {
  std::string name;
  std::vector<std::int64_t> dims;
  std::vector<float> values;  // only with return_values
  float min_value = 0;        // only with return_ranges
  float max_value = 0;
};

struct RunTimes {
  std::vector<double> times_s;
  std::vector<OutputTensor> outputs;
};

class InferenceEngine {
 public:
  virtual ~InferenceEngine() = default;
  virtual std::string name() const = 0;  // "onnxruntime" or "opencv-dnn"
  virtual std::string version() const = 0;
  // Creates a session for the model (replacing any earlier one) and returns its creation time in seconds.
  // Engine failures throw InputError naming the engine and, where it can be told, the operator.
  virtual double load(const std::string& model_path, const LoadOptions& options) = 0;
  virtual RunTimes run(const RunRequest& request) = 0;
  // Peak resident memory of the process that runs the model since this engine started (MB = 2^20 bytes).
  virtual double peak_rss_mb() = 0;
};

enum class EngineKind { kOrt, kOpenCv };
EngineKind parse_engine_kind(const std::string& text);  // "ort" | "opencv"

// The requested engine; when ORT is asked for but node, the bridge or its npm package is missing, writes a
// warning naming the missing piece to `warnings` and returns OpenCV DNN instead.
std::unique_ptr<InferenceEngine> make_engine(EngineKind requested, std::ostream& warnings);

// Inputs of the model at the given batch size: symbolic first dims become batch_size, other unknown dims 1.
// Integer inputs that index embedding tables (Gather) draw below the smallest table's row count.
std::vector<InputSpec> input_specs(const onnx::ModelProto& model, std::int64_t batch_size,
                                   std::uint32_t seed);

// A language model with a KV cache (the text-decoder reference model's contract, docs/models.md): inputs
// input_ids [batch, n] and past_key_L / past_value_L [batch, heads, past, head_dim] for L = 0 .. layers - 1,
// outputs logits and present_key_L / present_value_L [batch, heads, past + n, head_dim].
struct KvCacheShape {
  int layers = 0, heads = 0, head_dim = 0;
};
// The cache's shape when the model has that contract (heads and head_dim fixed in past_key_0), else none.
std::optional<KvCacheShape> kv_cache_shape(const onnx::ModelProto& model);
// Inputs of one call at batch 1: `tokens` new token ids and a cache of `past` tokens (seeded values).
std::vector<InputSpec> decoder_inputs(const onnx::ModelProto& model, const KvCacheShape& cache,
                                      std::int64_t tokens, std::int64_t past, std::uint32_t seed);

// The largest input tensor profiling and the quantize comparison allocate: 4 GiB at the element size of its
// type (a batch-256 224x224 RGB float32 image batch is 154 MB). The values are generated in memory and copied
// to the engine, so a larger input would need several times this much.
inline constexpr std::uint64_t kMaxInputTensorBytes = 4ull << 30;
// Refuses, before any input is allocated, an input whose dims are negative or above 2^31 - 1 (OpenCV's int
// dims), whose size overflows, or that passes kMaxInputTensorBytes: InputError naming the model and the
// input.
void check_input_sizes(const std::string& model_path, const std::vector<InputSpec>& specs);

// The values an input gets (spec.values when given, else xorshift32, the same sequence as
// ort_bridge/bridge.js), as float.
std::vector<float> input_values(const InputSpec& spec);

// An InputError "<model>: <engine> cannot run operator 'X': <message>" when the message names one of the
// model's operators, else "<model>: <engine> failed: <message>".
[[noreturn]] void throw_engine_failure(const std::string& model_path, const std::string& engine_label,
                                       const std::set<std::string>& operator_types,
                                       const std::string& message);

}  // namespace servesim::models
