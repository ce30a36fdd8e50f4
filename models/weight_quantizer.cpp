#include "models/weight_quantizer.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <iostream>
#include <map>
#include <ostream>
#include <unordered_map>

#include "core/input_error.hpp"
#include "models/quantize_graph.hpp"
#include "models/quantize_modes.hpp"

namespace servesim::models {

QuantizeMode parse_quantize_mode(const std::string& text) {
  if (text == "weight-int8") return QuantizeMode::kWeightInt8;
  if (text == "dynamic-int8") return QuantizeMode::kDynamicInt8;
  if (text == "static-int8") return QuantizeMode::kStaticInt8;
  if (text == "int4") return QuantizeMode::kInt4;
  throw InputError("--mode: expected weight-int8, dynamic-int8, static-int8 or int4, got '" + text + "'");
}

std::string to_string(QuantizeMode mode) {
  switch (mode) {
    case QuantizeMode::kWeightInt8:
      return "weight-int8";
    case QuantizeMode::kDynamicInt8:
      return "dynamic-int8";
    case QuantizeMode::kStaticInt8:
      return "static-int8";
    case QuantizeMode::kInt4:
      return "int4";
  }
  return "?";
}

namespace quantize {
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

}  // namespace

void weight_only_int8(onnx::ModelProto& model, const std::string& in_path, const QuantizeOptions& options,
                      QuantizeResult& result) {
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
    const std::vector<std::int64_t> dims(t.dims().begin(), t.dims().end());
    const std::vector<float> w = float_values(t);
    const ChannelQuantized quantized = quantize_per_channel(w, dims, axis, 127);
    const auto channels = static_cast<std::int64_t>(quantized.scale.size());
    onnx::TensorProto qt = raw_tensor(t.name() + "_int8", onnx::TensorProto::INT8, dims,
                                      std::string(quantized.q.begin(), quantized.q.end()));
    onnx::TensorProto st = float_tensor(t.name() + "_scale", {channels}, quantized.scale);
    onnx::TensorProto zt = raw_tensor(t.name() + "_zero_point", onnx::TensorProto::INT8, {channels},
                                      std::string(static_cast<std::size_t>(channels), '\0'));
    // Consumers keep reading the original name.
    onnx::NodeProto dq = make_node("DequantizeLinear", {qt.name(), st.name(), zt.name()}, {t.name()},
                                   t.name() + "_dequantize");
    set_int(dq, "axis", axis);
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
}

}  // namespace quantize

QuantizeResult quantize_weights(const std::string& in_path, const std::string& out_path,
                                const QuantizeOptions& options) {
  return quantize_weights(in_path, out_path, options, std::cerr);
}

QuantizeResult quantize_weights(const std::string& in_path, const std::string& out_path,
                                const QuantizeOptions& options, std::ostream& warnings) {
  if (options.calibration_inputs < 1 || options.calibration_inputs > 10000)
    throw InputError("--calibration: expected 1 to 10000 inputs, got " +
                     std::to_string(options.calibration_inputs));
  OnnxFile file = read_onnx(in_path, ExternalData::kLoad, options.memory_budget_bytes);
  if (options.check_comparison_inputs || options.mode == QuantizeMode::kStaticInt8)
    check_input_sizes(in_path, input_specs(file.model, 1, 1));
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
  switch (options.mode) {
    case QuantizeMode::kWeightInt8:
      quantize::weight_only_int8(model, in_path, options, result);
      break;
    case QuantizeMode::kDynamicInt8:
      quantize::dynamic_int8(model, in_path, options, result);
      break;
    case QuantizeMode::kStaticInt8:
      quantize::static_int8(model, in_path, out_path, options, result, warnings);
      break;
    case QuantizeMode::kInt4:
      quantize::int4_weights(model, in_path, options, result);
      break;
  }
  model.set_doc_string(model.doc_string() + " [" + to_string(options.mode) + " by servesim models quantize]");
  for (const auto& op : operator_types(model)) result.operators.push_back(op);
  result.output_bytes = write_onnx(model, out_path, options.write);
  return result;
}

OutputDifference compare_outputs(const std::string& reference_path, const std::string& candidate_path,
                                 EngineKind engine_kind, std::uint32_t seed, std::ostream& warnings,
                                 int inputs) {
  if (inputs < 1 || inputs > 10000)
    throw InputError("--compare-inputs: expected 1 to 10000 inputs, got " + std::to_string(inputs));
  auto engine = make_engine(engine_kind, warnings);
  // Every input set's outputs of one model (the model is loaded once).
  auto outputs_of = [&](const std::string& path) {
    const onnx::ModelProto model = read_onnx(path).model;
    std::vector<std::vector<OutputTensor>> all;
    for (int i = 0; i < inputs; ++i) {
      RunRequest req{input_specs(model, 1, seed + static_cast<std::uint32_t>(i)), 0, 1, 1, 0, true};
      check_input_sizes(path, req.inputs);
      if (i == 0) engine->load(path, {1, true, ""});
      all.push_back(engine->run(req).outputs);
    }
    return all;
  };
  const auto reference_sets = outputs_of(reference_path);
  const auto candidate_sets = outputs_of(candidate_path);
  OutputDifference diff;
  diff.engine = engine->name() + " " + engine->version();
  diff.inputs = inputs;
  for (int set = 0; set < inputs; ++set) {
    const auto& reference = reference_sets[static_cast<std::size_t>(set)];
    const auto& candidate = candidate_sets[static_cast<std::size_t>(set)];
    if (reference.size() != candidate.size())
      throw input_error(candidate_path, "",
                        "has " + std::to_string(candidate.size()) + " outputs, the reference " +
                            std::to_string(reference.size()));
    for (std::size_t o = 0; o < reference.size(); ++o) {
      const auto& ref = reference[o].values;
      const auto& cand = candidate[o].values;
      if (ref.size() != cand.size())
        throw input_error(candidate_path, "",
                          "output '" + candidate[o].name + "' differs in size from the reference");
      for (std::size_t i = 0; i < ref.size(); ++i) {
        diff.max_abs_diff = std::max(diff.max_abs_diff, std::fabs(double(ref[i]) - cand[i]));
        diff.max_abs_reference = std::max(diff.max_abs_reference, std::fabs(double(ref[i])));
        ++diff.compared_values;
      }
      // Class scores: the last axis holds one row's classes.
      const std::int64_t classes = reference[o].dims.empty() ? 1 : reference[o].dims.back();
      if (classes < 2 || ref.empty()) continue;
      const auto width = static_cast<std::size_t>(classes);
      for (std::size_t row = 0; row + width <= ref.size(); row += width) {
        const auto ref_top = std::max_element(ref.begin() + static_cast<std::ptrdiff_t>(row),
                                              ref.begin() + static_cast<std::ptrdiff_t>(row + width));
        const auto cand_top = std::max_element(cand.begin() + static_cast<std::ptrdiff_t>(row),
                                               cand.begin() + static_cast<std::ptrdiff_t>(row + width));
        ++diff.top1_rows;
        if (ref_top - ref.begin() == cand_top - cand.begin()) ++diff.top1_agreements;
      }
    }
  }
  return diff;
}

}  // namespace servesim::models
