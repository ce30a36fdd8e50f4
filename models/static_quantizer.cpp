// static-int8: the QDQ format, with activation scales calibrated ahead of time.
//
// Calibration: a copy of the float model (BatchNormalization folded) lists every activation to quantize as
// an extra graph output; the calibration inputs (seeded, batch 1) run through it and each tensor keeps the
// smallest and largest value seen (min/max calibration). A tensor's range [lo, hi] (widened to hold 0, so
// that zero is exact) gives uint8 scale s = (hi - lo) / 255 and zero point z = round(-lo / s).
//
// Graph: for each Conv / Gemm / MatMul with a constant weight,
//   x -> QuantizeLinear(s_x, z_x) -> DequantizeLinear -> op <- DequantizeLinear(int8 weight, per channel)
//                                                          <- DequantizeLinear(int32 bias, s_x s_w, 0)
// and a Conv's output gets its own QuantizeLinear/DequantizeLinear pair; a Relu that alone reads a Conv is
// absorbed into that pair (range [0, hi], zero point 0: quantizing clamps the negatives as Relu would).
// ONNX Runtime's CPU provider fuses DQ -> Conv -> Q into QLinearConv and DQ -> MatMul/Gemm into its int8
// kernels; between two quantized Convs the activation stays uint8.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <set>

#include "core/input_error.hpp"
#include "models/onnx_file.hpp"
#include "models/quantize_graph.hpp"
#include "models/quantize_modes.hpp"

namespace servesim::models::quantize {
namespace {

struct Range {
  float low = std::numeric_limits<float>::max();
  float high = std::numeric_limits<float>::lowest();
};

struct ActivationQuant {
  float scale = 1;
  std::uint8_t zero_point = 0;
};

ActivationQuant activation_quant(const Range& range) {
  const double low = std::min(0.0, double(range.low)), high = std::max(0.0, double(range.high));
  ActivationQuant q;
  q.scale = high > low ? static_cast<float>((high - low) / 255.0) : 1.0f;
  q.zero_point = static_cast<std::uint8_t>(std::clamp(std::nearbyint(-low / q.scale), 0.0, 255.0));
  return q;
}

struct Plan {
  std::set<int> quantized_nodes;                // Conv, Gemm, MatMul with constant weights
  std::set<std::string> activations;            // tensors that get a Q/DQ pair
  std::map<std::string, std::string> absorbed;  // Conv output -> the Relu output it stands for
  std::set<int> absorbed_relus;
};

bool graph_output(const onnx::GraphProto& graph, const std::string& name) {
  return std::any_of(graph.output().begin(), graph.output().end(),
                     [&](const auto& output) { return output.name() == name; });
}

Plan make_plan(const GraphRewriter& rw, const onnx::GraphProto& graph, const QuantizeOptions& options) {
  Plan plan;
  for (int i = 0; i < rw.node_count(); ++i) {
    const auto& node = rw.node(i);
    const std::string& op = node.op_type();
    if (op != "Conv" && op != "Gemm" && op != "MatMul") continue;
    const onnx::TensorProto* weight = rw.float_weight(node.input(1), options.min_elements);
    if (!weight) continue;
    if (op != "Conv" && weight->dims_size() != 2) continue;
    if (op == "Gemm" && (int_attr(node, "transA", 0) != 0 || float_attr(node, "alpha", 1.0f) != 1.0f ||
                         float_attr(node, "beta", 1.0f) != 1.0f))
      continue;
    if (op != "MatMul" && node.input_size() > 2 && !node.input(2).empty()) {
      const onnx::TensorProto* bias = rw.initializer(node.input(2));
      if (!bias || bias->data_type() != onnx::TensorProto::FLOAT || bias->dims_size() != 1) continue;
    }
    plan.quantized_nodes.insert(i);
    plan.activations.insert(node.input(0));
    if (op != "Conv") continue;
    const std::string& y = node.output(0);
    const auto readers = rw.consumers(y);
    if (readers.size() == 1 && readers[0] >= 0 && rw.node(readers[0]).op_type() == "Relu" &&
        !graph_output(graph, rw.node(readers[0]).output(0))) {
      plan.absorbed[y] = rw.node(readers[0]).output(0);
      plan.absorbed_relus.insert(readers[0]);
      plan.activations.insert(rw.node(readers[0]).output(0));
    } else {
      plan.activations.insert(y);
    }
  }
  return plan;
}

// Runs the calibration inputs through `model` with the activations as extra outputs.
std::map<std::string, Range> calibrate(const onnx::ModelProto& model,
                                       const std::set<std::string>& activations, const std::string& out_path,
                                       const QuantizeOptions& options, std::ostream& warnings) {
  onnx::ModelProto probe = model;
  std::set<std::string> declared;
  for (const auto& output : probe.graph().output()) declared.insert(output.name());
  for (const auto& name : activations) {
    if (declared.count(name)) continue;
    auto* output = probe.mutable_graph()->add_output();
    output->set_name(name);
    output->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  }
  const std::string probe_path = out_path + ".calibration.onnx";
  struct Remove {
    std::string path;
    ~Remove() {
      std::error_code ignored;
      std::filesystem::remove(path, ignored);
      std::filesystem::remove(path + ".data", ignored);
    }
  } remove{probe_path};
  write_onnx(probe, probe_path);
  auto engine = make_engine(options.calibration_engine, warnings);
  engine->load(probe_path, {1, true, ""});
  std::map<std::string, Range> ranges;
  for (int i = 0; i < options.calibration_inputs; ++i) {
    RunRequest request{
        input_specs(model, 1, options.calibration_seed + static_cast<std::uint32_t>(i)), 0, 1, 1, 0, false};
    request.return_ranges = true;
    for (const auto& tensor : engine->run(request).outputs) {
      if (!activations.count(tensor.name)) continue;
      Range& range = ranges[tensor.name];
      range.low = std::min(range.low, tensor.min_value);
      range.high = std::max(range.high, tensor.max_value);
    }
  }
  return ranges;
}

}  // namespace

void static_int8(onnx::ModelProto& model, const std::string& path, const std::string& out_path,
                 const QuantizeOptions& options, QuantizeResult& result, std::ostream& warnings) {
  result.folded_batch_norms = fold_batch_norms(model);
  GraphRewriter rw(model);
  auto& graph = *model.mutable_graph();
  const Plan plan = make_plan(rw, graph, options);
  std::set<std::string> graph_inputs;
  for (const auto& input : graph.input()) graph_inputs.insert(input.name());
  std::map<std::string, Range> ranges;
  if (!plan.quantized_nodes.empty()) ranges = calibrate(model, plan.activations, out_path, options, warnings);
  for (const auto& name : plan.activations)
    if (!ranges.count(name))
      throw input_error(path, "", "calibration produced no range for tensor '" + name + "'");
  result.calibrated_tensors = static_cast<int>(ranges.size());

  std::map<std::string, ActivationQuant> quant;
  for (const auto& [name, range] : ranges) quant[name] = activation_quant(range);
  std::map<std::string, std::string> renamed;  // activation -> its DequantizeLinear output
  std::vector<onnx::NodeProto> nodes;
  // Q/DQ pair reading `source`, standing for activation `name`.
  auto add_pair = [&](const std::string& source, const std::string& name) {
    const ActivationQuant& q = quant.at(name);
    const std::string scale = rw.unique(name + "_scale"), zero = rw.unique(name + "_zero_point");
    rw.add_initializer(float_tensor(scale, {}, {q.scale}));
    rw.add_initializer(raw_tensor(zero, onnx::TensorProto::UINT8, {}, std::string(1, char(q.zero_point))));
    const std::string quantized = rw.unique(name + "_u8"), dequantized = rw.unique(name + "_dq");
    nodes.push_back(make_node("QuantizeLinear", {source, scale, zero}, {quantized}, quantized));
    nodes.push_back(make_node("DequantizeLinear", {quantized, scale, zero}, {dequantized}, dequantized));
    renamed[name] = dequantized;
  };
  for (const auto& name : plan.activations)
    if (graph_inputs.count(name)) add_pair(name, name);

  for (int i = 0; i < rw.node_count(); ++i) {
    if (plan.absorbed_relus.count(i)) continue;
    onnx::NodeProto node = rw.node(i);
    for (auto& input : *node.mutable_input())
      if (auto it = renamed.find(input); it != renamed.end()) input = it->second;
    if (plan.quantized_nodes.count(i)) {
      const onnx::TensorProto& weight = *rw.initializer(node.input(1));
      const std::vector<std::int64_t> dims(weight.dims().begin(), weight.dims().end());
      const bool trans_b = node.op_type() == "Gemm" && int_attr(node, "transB", 0) != 0;
      const int axis = node.op_type() == "Conv" || trans_b ? 0 : 1;
      const ChannelQuantized w = quantize_per_channel(float_values(weight), dims, axis, 127);
      const auto channels = static_cast<std::int64_t>(w.scale.size());
      const std::string base = node.output(0);
      const std::string wq = rw.unique(base + "_weight_int8"), ws = rw.unique(base + "_weight_scale");
      const std::string wz = rw.unique(base + "_weight_zero_point"), wd = rw.unique(base + "_weight_dq");
      rw.add_initializer(raw_tensor(wq, onnx::TensorProto::INT8, dims, std::string(w.q.begin(), w.q.end())));
      rw.add_initializer(float_tensor(ws, {channels}, w.scale));
      rw.add_initializer(raw_tensor(wz, onnx::TensorProto::INT8, {channels},
                                    std::string(static_cast<std::size_t>(channels), '\0')));
      nodes.push_back(make_node("DequantizeLinear", {wq, ws, wz}, {wd}, wd));
      set_int(nodes.back(), "axis", axis);
      node.set_input(1, wd);
      ++result.quantized_tensors;
      result.quantized_parameters += element_count(weight);
      if (node.op_type() != "MatMul" && node.input_size() > 2 && !node.input(2).empty()) {
        // int32 bias on the accumulator's grid s_x s_w[c], as the integer kernels add it.
        const std::vector<float> bias = float_values(*rw.initializer(node.input(2)));
        const float s_x = quant.at(rw.node(i).input(0)).scale;
        std::vector<float> bias_scale(bias.size());
        std::vector<std::int32_t> bias_q(bias.size());
        for (std::size_t c = 0; c < bias.size(); ++c) {
          bias_scale[c] = s_x * w.scale[c % w.scale.size()];
          bias_q[c] = static_cast<std::int32_t>(std::nearbyint(bias[c] / bias_scale[c]));
        }
        const auto n = static_cast<std::int64_t>(bias.size());
        const std::string bq = rw.unique(base + "_bias_int32"), bs = rw.unique(base + "_bias_scale");
        const std::string bz = rw.unique(base + "_bias_zero_point"), bd = rw.unique(base + "_bias_dq");
        rw.add_initializer(int32_tensor(bq, {n}, bias_q));
        rw.add_initializer(float_tensor(bs, {n}, bias_scale));
        rw.add_initializer(int32_tensor(bz, {n}, std::vector<std::int32_t>(bias.size(), 0)));
        nodes.push_back(make_node("DequantizeLinear", {bq, bs, bz}, {bd}, bd));
        set_int(nodes.back(), "axis", 0);
        node.set_input(2, bd);
      }
    }
    const std::string output = node.output(0);
    nodes.push_back(std::move(node));
    if (auto it = plan.absorbed.find(output); it != plan.absorbed.end())
      add_pair(output, it->second);
    else if (plan.activations.count(output))
      add_pair(output, output);
  }
  // Initializers read only by quantized nodes (weights, biases) are replaced by their int8/int32 copies.
  std::set<std::string> still_read;
  for (const auto& node : nodes)
    for (const auto& input : node.input()) still_read.insert(input);
  google::protobuf::RepeatedPtrField<onnx::NodeProto> new_nodes;
  for (auto& node : nodes) new_nodes.Add(std::move(node));
  rw.commit();  // adds the new initializers
  graph.mutable_node()->Swap(&new_nodes);
  google::protobuf::RepeatedPtrField<onnx::TensorProto> kept;
  for (auto& tensor : *graph.mutable_initializer())
    if (still_read.count(tensor.name())) kept.Add(std::move(tensor));
  graph.mutable_initializer()->Swap(&kept);

  GraphRewriter tables(model);
  result.quantized_tensors +=
      quantize_embedding_tables(tables, options.min_elements, result.quantized_parameters);
  if (result.quantized_tensors == 0)
    throw input_error(path, "",
                      "no float Conv/Gemm/MatMul weight or Gather table of at least " +
                          std::to_string(options.min_elements) + " elements to quantize");
  tables.commit();
}

}  // namespace servesim::models::quantize
