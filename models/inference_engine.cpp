#include "models/inference_engine.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "core/input_error.hpp"
#include "models/onnx_file.hpp"
#include "models/onnx_tensor_checks.hpp"
#include "models/opencv_engine.hpp"
#include "models/ort_engine.hpp"

namespace servesim::models {

EngineKind parse_engine_kind(const std::string& text) {
  if (text == "ort" || text == "onnxruntime") return EngineKind::kOrt;
  if (text == "opencv" || text == "opencv-dnn") return EngineKind::kOpenCv;
  throw InputError("--engine: expected ort or opencv, got '" + text + "'");
}

std::unique_ptr<InferenceEngine> make_engine(EngineKind requested, std::ostream& warnings) {
  if (requested == EngineKind::kOrt) {
    const std::string missing = OrtEngine::missing_piece();
    if (missing.empty()) {
      try {
        return std::make_unique<OrtEngine>();
      } catch (const std::exception& e) {
        warnings << "warning: ONNX Runtime bridge failed to start: " << e.what();
      }
    } else {
      warnings << "warning: ONNX Runtime unavailable: " << missing;
    }
    warnings << "; falling back to OpenCV DNN, which ran ~3x slower than ONNX Runtime on the same CNN, so "
                "latencies will be pessimistic\n";
  }
  return std::make_unique<OpenCvEngine>();
}

std::vector<InputSpec> input_specs(const onnx::ModelProto& model, std::int64_t batch_size,
                                   std::uint32_t seed) {
  const auto& graph = model.graph();
  std::unordered_map<std::string, const onnx::TensorProto*> initializers;
  for (const auto& init : graph.initializer()) initializers[init.name()] = &init;
  std::unordered_map<std::string, const onnx::NodeProto*> producer;
  for (const auto& node : graph.node())
    for (const auto& out : node.output()) producer[out] = &node;

  // Integer inputs that (through shape-only ops) index a Gather on a table: keep ids below its row count.
  static const std::unordered_set<std::string> pass_through{"Gather", "Reshape", "Squeeze", "Unsqueeze",
                                                            "Cast",   "Slice",   "Flatten", "Identity"};
  std::map<std::string, std::int64_t> int_high;
  for (const auto& node : graph.node()) {
    if (node.op_type() != "Gather" || node.input_size() < 2) continue;
    auto table = initializers.find(node.input(0));
    if (table == initializers.end())  // a weight-only quantized table: DequantizeLinear(int8 table, ...)
      if (auto dq = producer.find(node.input(0));
          dq != producer.end() && dq->second->op_type() == "DequantizeLinear")
        table = initializers.find(dq->second->input(0));
    if (table == initializers.end() || table->second->dims_size() == 0) continue;
    std::string name = node.input(1);
    for (int hops = 0; hops < 16; ++hops) {
      auto it = producer.find(name);
      if (it == producer.end() || !pass_through.count(it->second->op_type())) break;
      name = it->second->input(0);
    }
    auto [entry, inserted] = int_high.emplace(name, table->second->dims(0));
    if (!inserted) entry->second = std::min(entry->second, table->second->dims(0));
  }

  std::vector<InputSpec> specs;
  std::uint32_t index = 0;
  for (const auto& input : graph.input()) {
    if (initializers.count(input.name())) continue;
    InputSpec spec;
    spec.name = input.name();
    spec.elem_type = element_type_name(input.type().tensor_type().elem_type());
    const auto& shape = input.type().tensor_type().shape();
    for (int i = 0; i < shape.dim_size(); ++i)
      spec.dims.push_back(shape.dim(i).has_dim_value() ? shape.dim(i).dim_value()
                                                       : (i == 0 ? batch_size : 1));
    if (auto it = int_high.find(spec.name); it != int_high.end())
      spec.int_high = std::max<std::int64_t>(1, it->second);
    spec.seed = seed * 2654435761u + 40503u * ++index;
    if (spec.seed == 0) spec.seed = 1;
    specs.push_back(spec);
  }
  return specs;
}

std::optional<KvCacheShape> kv_cache_shape(const onnx::ModelProto& model) {
  std::unordered_map<std::string, const onnx::ValueInfoProto*> inputs;
  for (const auto& input : model.graph().input()) inputs[input.name()] = &input;
  if (!inputs.count("input_ids") || !inputs.count("past_key_0") || !inputs.count("past_value_0"))
    return std::nullopt;
  const auto& shape = inputs["past_key_0"]->type().tensor_type().shape();
  if (shape.dim_size() != 4 || !shape.dim(1).has_dim_value() || !shape.dim(3).has_dim_value())
    return std::nullopt;
  KvCacheShape cache;
  cache.heads = static_cast<int>(shape.dim(1).dim_value());
  cache.head_dim = static_cast<int>(shape.dim(3).dim_value());
  while (inputs.count("past_key_" + std::to_string(cache.layers)) &&
         inputs.count("past_value_" + std::to_string(cache.layers)))
    ++cache.layers;
  return cache;
}

std::vector<InputSpec> decoder_inputs(const onnx::ModelProto& model, const KvCacheShape& cache,
                                      std::int64_t tokens, std::int64_t past, std::uint32_t seed) {
  std::vector<InputSpec> specs = input_specs(model, 1, seed);
  for (auto& spec : specs) {
    if (spec.name == "input_ids")
      spec.dims = {1, tokens};
    else if (spec.name.rfind("past_key_", 0) == 0 || spec.name.rfind("past_value_", 0) == 0)
      spec.dims = {1, cache.heads, past, cache.head_dim};
  }
  return specs;
}

void check_input_sizes(const std::string& model_path, const std::vector<InputSpec>& specs) {
  for (const auto& spec : specs) {
    const std::string label = tensor_label("input", spec.name);
    const std::string dims = dims_text(spec.dims);
    for (const auto dim : spec.dims)
      if (dim < 0 || dim > std::numeric_limits<std::int32_t>::max())
        throw input_error(model_path, label, "dims " + dims + ": each dim must be between 0 and 2147483647");
    // The values are made as float32 (input_values) whatever the type; 64-bit types take 8 bytes in the
    // engine.
    const bool is_wide =
        spec.elem_type == "int64" || spec.elem_type == "uint64" || spec.elem_type == "float64";
    const std::uint64_t element_size = is_wide ? 8 : 4;
    const auto bytes = checked_size(spec.dims, element_size);
    if (!bytes || *bytes > kMaxInputTensorBytes)
      throw input_error(model_path, label,
                        "dims " + dims + " make " + (bytes ? std::to_string(*bytes) : "more than 2^64 - 1") +
                            " bytes of " + spec.elem_type + ", above the limit of " +
                            std::to_string(kMaxInputTensorBytes) + " bytes (4 GiB) for one input tensor");
  }
}

std::vector<float> input_values(const InputSpec& spec) {
  if (!spec.values.empty()) return spec.values;
  std::uint64_t count = 1;
  for (const auto d : spec.dims) count *= static_cast<std::uint64_t>(d);
  std::vector<float> values(count);
  std::uint32_t x = spec.seed ? spec.seed : 1;
  const bool is_float = spec.elem_type == "float32";
  const auto high = static_cast<std::uint32_t>(std::max<std::int64_t>(1, spec.int_high));
  for (auto& v : values) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    v = is_float ? static_cast<float>(static_cast<double>(x >> 8) / 16777216.0 * 2 - 1)
                 : static_cast<float>(x % high);
  }
  return values;
}

void throw_engine_failure(const std::string& model_path, const std::string& engine_label,
                          const std::set<std::string>& operator_types, const std::string& message) {
  // Prefer the longest operator name found in the message ("MatMulInteger" over "MatMul").
  std::string found;
  for (const auto& type : operator_types) {
    const std::string op = type.substr(type.find(':') == std::string::npos ? 0 : type.find(':') + 1);
    if (message.find(op) != std::string::npos && op.size() > found.size()) found = type;
  }
  std::string text;  // one line: the CLI prints InputError as a single line
  for (const char c : message)
    if (c == '\n' || c == '\r') {
      if (!text.empty() && text.back() != ' ') text += ' ';
    } else {
      text += c;
    }
  while (!text.empty() && text.back() == ' ') text.pop_back();
  if (text.size() > 800) text = text.substr(0, 800) + "...";
  if (!found.empty())
    throw input_error(model_path, "", engine_label + " cannot run operator '" + found + "': " + text);
  throw input_error(model_path, "", engine_label + " failed: " + text);
}

}  // namespace servesim::models
