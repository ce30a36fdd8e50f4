#include "models/weight_quantizer.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <ostream>
#include <unordered_map>

#include "core/input_error.hpp"

namespace servesim::models {
namespace {

// The channel axis of a weight for its consumer, or -1 when it is not a weight we quantize.
int channel_axis(const onnx::NodeProto& node, int input_index, int rank) {
  const std::string& op = node.op_type();
  if (op == "Conv" && input_index == 1) return 0;  // W[M, C/group, k...]: per output channel
  if (op == "Gemm" && input_index == 1 && rank == 2) {
    for (const auto& a : node.attribute())
      if (a.name() == "transB" && a.i()) return 0;  // W[N, K]
    return 1;                                       // W[K, N]
  }
  if (op == "MatMul" && input_index == 1 && rank == 2) return 1;  // W[K, N]
  if (op == "Gather" && input_index == 0 && rank == 2) return 0;  // table[rows, dim]: per row
  return -1;
}

std::vector<float> float_values(const onnx::TensorProto& t) {
  std::vector<float> values(element_count(t));
  if (t.has_raw_data())
    std::memcpy(values.data(), t.raw_data().data(), std::min(t.raw_data().size(), values.size() * 4));
  else
    std::copy(t.float_data().begin(), t.float_data().end(), values.begin());
  return values;
}

}  // namespace

QuantizeResult quantize_weights(const std::string& in_path, const std::string& out_path,
                                const QuantizeOptions& options) {
  OnnxFile file = read_onnx(in_path, ExternalData::kLoad, options.memory_budget_bytes);
  if (options.check_comparison_inputs) check_input_sizes(in_path, input_specs(file.model, 1, 1));
  QuantizeResult result;
  result.input_bytes = file.file_bytes + file.external_data_bytes;
  auto& model = file.model;
  std::int64_t opset = 0;
  for (const auto& o : model.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx") opset = o.version();
  if (opset < 13)
    throw input_error(
        in_path, "",
        "per-channel DequantizeLinear needs opset >= 13, the model has opset " + std::to_string(opset));

  auto* graph = model.mutable_graph();
  // Each candidate initializer with the axis its consumers agree on (-2: they disagree or one is not a
  // weight).
  std::unordered_map<std::string, int> axis_of;
  std::unordered_map<std::string, const onnx::TensorProto*> initializers;
  for (const auto& t : graph->initializer()) initializers[t.name()] = &t;
  for (const auto& node : graph->node())
    for (int i = 0; i < node.input_size(); ++i) {
      auto it = initializers.find(node.input(i));
      if (it == initializers.end()) continue;
      const int axis = channel_axis(node, i, it->second->dims_size());
      auto [entry, inserted] = axis_of.emplace(node.input(i), axis);
      if (!inserted && entry->second != axis) entry->second = -2;
    }
  for (const auto& output : graph->output()) axis_of[output.name()] = -2;

  std::vector<onnx::NodeProto> dequantize_nodes;
  google::protobuf::RepeatedPtrField<onnx::TensorProto> kept;
  for (auto& t : *graph->mutable_initializer()) {
    auto it = axis_of.find(t.name());
    if (it == axis_of.end() || it->second < 0 || t.data_type() != onnx::TensorProto::FLOAT ||
        element_count(t) < options.min_elements) {
      kept.Add(std::move(t));
      continue;
    }
    const int axis = it->second;
    const std::vector<float> w = float_values(t);
    const auto channels = static_cast<std::size_t>(t.dims(axis));
    std::size_t inner = 1;  // elements after the axis
    for (int d = axis + 1; d < t.dims_size(); ++d) inner *= static_cast<std::size_t>(t.dims(d));
    std::vector<float> scale(channels, 0.0f);
    for (std::size_t i = 0; i < w.size(); ++i) {
      const std::size_t c = (i / inner) % channels;
      scale[c] = std::max(scale[c], std::fabs(w[i]));
    }
    for (auto& s : scale) s = s > 0 ? s / 127.0f : 1.0f;
    std::string q(w.size(), '\0');
    for (std::size_t i = 0; i < w.size(); ++i) {
      const float v = std::nearbyint(w[i] / scale[(i / inner) % channels]);
      q[i] = static_cast<char>(static_cast<std::int8_t>(std::clamp(v, -127.0f, 127.0f)));
    }
    onnx::TensorProto qt, st, zt;
    qt.set_name(t.name() + "_int8");
    qt.set_data_type(onnx::TensorProto::INT8);
    *qt.mutable_dims() = t.dims();
    qt.set_raw_data(std::move(q));
    st.set_name(t.name() + "_scale");
    st.set_data_type(onnx::TensorProto::FLOAT);
    st.add_dims(static_cast<std::int64_t>(channels));
    st.set_raw_data(std::string(reinterpret_cast<const char*>(scale.data()), channels * sizeof(float)));
    zt.set_name(t.name() + "_zero_point");
    zt.set_data_type(onnx::TensorProto::INT8);
    zt.add_dims(static_cast<std::int64_t>(channels));
    zt.set_raw_data(std::string(channels, '\0'));
    onnx::NodeProto dq;
    dq.set_op_type("DequantizeLinear");
    dq.set_name(t.name() + "_dequantize");
    dq.add_input(qt.name());
    dq.add_input(st.name());
    dq.add_input(zt.name());
    dq.add_output(t.name());  // consumers keep reading the original name
    auto* a = dq.add_attribute();
    a->set_name("axis");
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(axis);
    dequantize_nodes.push_back(std::move(dq));
    ++result.quantized_tensors;
    result.quantized_parameters += w.size();
    kept.Add(std::move(qt));
    kept.Add(std::move(st));
    kept.Add(std::move(zt));
  }
  if (result.quantized_tensors == 0)
    throw input_error(in_path, "",
                      "no float Conv/Gemm/MatMul/Gather weight of at least " +
                          std::to_string(options.min_elements) + " elements to quantize");
  graph->mutable_initializer()->Swap(&kept);
  google::protobuf::RepeatedPtrField<onnx::NodeProto> nodes;
  for (auto& n : dequantize_nodes) nodes.Add(std::move(n));
  for (auto& n : *graph->mutable_node()) nodes.Add(std::move(n));
  graph->mutable_node()->Swap(&nodes);
  model.set_doc_string(model.doc_string() + " [weight-only int8 by servesim models quantize]");
  result.output_bytes = write_onnx(model, out_path, options.write);
  return result;
}

OutputDifference compare_outputs(const std::string& reference_path, const std::string& candidate_path,
                                 EngineKind engine_kind, std::uint32_t seed, std::ostream& warnings) {
  auto engine = make_engine(engine_kind, warnings);
  auto outputs_of = [&](const std::string& path) {
    RunRequest req{input_specs(read_onnx(path).model, 1, seed), 0, 1, 1, 0, true};
    check_input_sizes(path, req.inputs);
    engine->load(path, {1, true, ""});
    return engine->run(req).outputs;
  };
  const auto reference = outputs_of(reference_path);
  const auto candidate = outputs_of(candidate_path);
  OutputDifference diff;
  diff.engine = engine->name() + " " + engine->version();
  if (reference.size() != candidate.size())
    throw input_error(candidate_path, "",
                      "has " + std::to_string(candidate.size()) + " outputs, the reference " +
                          std::to_string(reference.size()));
  for (std::size_t o = 0; o < reference.size(); ++o) {
    if (reference[o].values.size() != candidate[o].values.size())
      throw input_error(candidate_path, "",
                        "output '" + candidate[o].name + "' differs in size from the reference");
    for (std::size_t i = 0; i < reference[o].values.size(); ++i) {
      diff.max_abs_diff =
          std::max(diff.max_abs_diff, std::fabs(double(reference[o].values[i]) - candidate[o].values[i]));
      diff.max_abs_reference = std::max(diff.max_abs_reference, std::fabs(double(reference[o].values[i])));
      ++diff.compared_values;
    }
  }
  return diff;
}

}  // namespace servesim::models
