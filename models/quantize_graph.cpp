#include "models/quantize_graph.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <unordered_set>

#include "models/onnx_file.hpp"

namespace servesim::models::quantize {

std::vector<float> float_values(const onnx::TensorProto& tensor) {
  std::vector<float> values(element_count(tensor));
  if (tensor.has_raw_data())
    std::memcpy(values.data(), tensor.raw_data().data(),
                std::min(tensor.raw_data().size(), values.size() * sizeof(float)));
  else
    std::copy(tensor.float_data().begin(), tensor.float_data().end(), values.begin());
  return values;
}

onnx::TensorProto raw_tensor(const std::string& name, std::int32_t data_type,
                             const std::vector<std::int64_t>& dims, std::string bytes) {
  onnx::TensorProto tensor;
  tensor.set_name(name);
  tensor.set_data_type(data_type);
  for (const auto d : dims) tensor.add_dims(d);
  tensor.set_raw_data(std::move(bytes));
  return tensor;
}

onnx::TensorProto float_tensor(const std::string& name, const std::vector<std::int64_t>& dims,
                               const std::vector<float>& values) {
  return raw_tensor(name, onnx::TensorProto::FLOAT, dims,
                    std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float)));
}

onnx::TensorProto int32_tensor(const std::string& name, const std::vector<std::int64_t>& dims,
                               const std::vector<std::int32_t>& values) {
  return raw_tensor(name, onnx::TensorProto::INT32, dims,
                    std::string(reinterpret_cast<const char*>(values.data()), values.size() * 4));
}

onnx::TensorProto int64_tensor(const std::string& name, const std::vector<std::int64_t>& dims,
                               const std::vector<std::int64_t>& values) {
  return raw_tensor(name, onnx::TensorProto::INT64, dims,
                    std::string(reinterpret_cast<const char*>(values.data()), values.size() * 8));
}

onnx::NodeProto make_node(const std::string& op_type, std::initializer_list<std::string> inputs,
                          std::initializer_list<std::string> outputs, const std::string& name,
                          const std::string& domain) {
  onnx::NodeProto node;
  node.set_op_type(op_type);
  node.set_name(name);
  if (!domain.empty()) node.set_domain(domain);
  for (const auto& input : inputs) node.add_input(input);
  for (const auto& output : outputs) node.add_output(output);
  return node;
}

void set_int(onnx::NodeProto& node, const std::string& name, std::int64_t value) {
  auto* attribute = node.add_attribute();
  attribute->set_name(name);
  attribute->set_type(onnx::AttributeProto::INT);
  attribute->set_i(value);
}

std::int64_t int_attr(const onnx::NodeProto& node, const std::string& name, std::int64_t fallback) {
  for (const auto& attribute : node.attribute())
    if (attribute.name() == name) return attribute.i();
  return fallback;
}

float float_attr(const onnx::NodeProto& node, const std::string& name, float fallback) {
  for (const auto& attribute : node.attribute())
    if (attribute.name() == name) return attribute.f();
  return fallback;
}

ChannelQuantized quantize_per_channel(const std::vector<float>& w, const std::vector<std::int64_t>& dims,
                                      int axis, int q_max) {
  const auto channels = static_cast<std::size_t>(dims[static_cast<std::size_t>(axis)]);
  std::size_t inner = 1;  // elements after the axis
  for (std::size_t d = static_cast<std::size_t>(axis) + 1; d < dims.size(); ++d)
    inner *= static_cast<std::size_t>(dims[d]);
  ChannelQuantized out;
  out.scale.assign(channels, 0.0f);
  for (std::size_t i = 0; i < w.size(); ++i) {
    const std::size_t c = (i / inner) % channels;
    out.scale[c] = std::max(out.scale[c], std::fabs(w[i]));
  }
  for (auto& s : out.scale) s = s > 0 ? s / static_cast<float>(q_max) : 1.0f;
  out.q.resize(w.size());
  const auto limit = static_cast<float>(q_max);
  for (std::size_t i = 0; i < w.size(); ++i) {
    const float v = std::nearbyint(w[i] / out.scale[(i / inner) % channels]);
    out.q[i] = static_cast<std::int8_t>(std::clamp(v, -limit, limit));
  }
  return out;
}

GraphRewriter::GraphRewriter(onnx::ModelProto& model) : model_(model), graph_(*model.mutable_graph()) {
  for (int i = 0; i < graph_.initializer_size(); ++i) initializer_index_[graph_.initializer(i).name()] = i;
  for (int i = 0; i < graph_.node_size(); ++i)
    for (const auto& input : graph_.node(i).input()) consumers_[input].push_back(i);
  for (const auto& output : graph_.output()) consumers_[output.name()].push_back(-1);
}

const onnx::TensorProto* GraphRewriter::initializer(const std::string& name) const {
  auto it = initializer_index_.find(name);
  return it == initializer_index_.end() ? nullptr : &graph_.initializer(it->second);
}

const onnx::TensorProto* GraphRewriter::float_weight(const std::string& name,
                                                     std::uint64_t min_elements) const {
  const onnx::TensorProto* tensor = initializer(name);
  if (!tensor || tensor->data_type() != onnx::TensorProto::FLOAT || element_count(*tensor) < min_elements)
    return nullptr;
  return tensor;
}

std::vector<int> GraphRewriter::consumers(const std::string& tensor) const {
  auto it = consumers_.find(tensor);
  return it == consumers_.end() ? std::vector<int>{} : it->second;
}

std::string GraphRewriter::unique(const std::string& hint) {
  return hint + "_q" + std::to_string(counter_++);
}

void GraphRewriter::add_initializer(onnx::TensorProto tensor) {
  added_.push_back(std::move(tensor));
}

void GraphRewriter::drop_initializer_if_unused(const std::string& name) {
  // Every consumer that read it must have been replaced; a kept consumer keeps the tensor.
  for (const int reader : consumers(name))
    if (reader < 0 || !replacement_.count(reader)) return;
  dropped_.push_back(name);
}

void GraphRewriter::insert_before(int index, onnx::NodeProto node) {
  before_[index].push_back(std::move(node));
}

void GraphRewriter::replace(int index, std::vector<onnx::NodeProto> nodes) {
  replacement_[index] = std::move(nodes);
}

void GraphRewriter::use_domain(const std::string& domain) {
  for (const auto& opset : model_.opset_import())
    if (opset.domain() == domain) return;
  auto* opset = model_.add_opset_import();
  opset->set_domain(domain);
  opset->set_version(1);
}

void GraphRewriter::commit() {
  google::protobuf::RepeatedPtrField<onnx::NodeProto> nodes;
  for (int i = 0; i < graph_.node_size(); ++i) {
    if (auto it = before_.find(i); it != before_.end())
      for (auto& n : it->second) nodes.Add(std::move(n));
    if (auto it = replacement_.find(i); it != replacement_.end())
      for (auto& n : it->second) nodes.Add(std::move(n));
    else
      nodes.Add(std::move(*graph_.mutable_node(i)));
  }
  graph_.mutable_node()->Swap(&nodes);
  const std::unordered_set<std::string> dropped(dropped_.begin(), dropped_.end());
  google::protobuf::RepeatedPtrField<onnx::TensorProto> kept;
  for (auto& tensor : *graph_.mutable_initializer())
    if (!dropped.count(tensor.name())) kept.Add(std::move(tensor));
  for (auto& tensor : added_) kept.Add(std::move(tensor));
  graph_.mutable_initializer()->Swap(&kept);
  // Graph inputs that named a dropped initializer (IR < 4 style) go too.
  google::protobuf::RepeatedPtrField<onnx::ValueInfoProto> inputs;
  for (auto& input : *graph_.mutable_input())
    if (!dropped.count(input.name())) inputs.Add(std::move(input));
  graph_.mutable_input()->Swap(&inputs);
  before_.clear();
  replacement_.clear();
  added_.clear();
  dropped_.clear();
}

int fold_batch_norms(onnx::ModelProto& model) {
  GraphRewriter rewriter(model);
  int folded = 0;
  for (int i = 0; i < rewriter.node_count(); ++i) {
    const auto& bn = rewriter.node(i);
    if (bn.op_type() != "BatchNormalization" || bn.input_size() != 5 || bn.output_size() != 1) continue;
    // The Conv's output must feed the BatchNormalization alone.
    if (rewriter.consumers(bn.input(0)).size() != 1) continue;
    int conv_index = -1;
    for (int j = 0; j < i; ++j)
      if (rewriter.node(j).op_type() == "Conv" && rewriter.node(j).output(0) == bn.input(0)) conv_index = j;
    if (conv_index < 0) continue;
    const auto& conv = rewriter.node(conv_index);
    const onnx::TensorProto* weight = rewriter.float_weight(conv.input(1), 1);
    const onnx::TensorProto* bias = conv.input_size() > 2 ? rewriter.float_weight(conv.input(2), 1) : nullptr;
    std::vector<const onnx::TensorProto*> params;
    for (int k = 1; k < 5; ++k) params.push_back(rewriter.float_weight(bn.input(k), 1));
    if (!weight || weight->dims_size() < 2 || (conv.input_size() > 2 && !bias) ||
        std::find(params.begin(), params.end(), nullptr) != params.end() ||
        rewriter.consumers(conv.input(1)).size() != 1)
      continue;
    const auto channels = static_cast<std::size_t>(weight->dims(0));
    const auto gamma = float_values(*params[0]), beta = float_values(*params[1]);
    const auto mean = float_values(*params[2]), var = float_values(*params[3]);
    if (gamma.size() != channels || beta.size() != channels || mean.size() != channels ||
        var.size() != channels)
      continue;
    const float epsilon = float_attr(bn, "epsilon", 1e-5f);
    std::vector<float> w = float_values(*weight);
    std::vector<float> b = bias ? float_values(*bias) : std::vector<float>(channels, 0.0f);
    const std::size_t per_channel = w.size() / channels;
    for (std::size_t c = 0; c < channels; ++c) {
      const float factor = gamma[c] / std::sqrt(var[c] + epsilon);
      for (std::size_t k = 0; k < per_channel; ++k) w[c * per_channel + k] *= factor;
      b[c] = (b[c] - mean[c]) * factor + beta[c];
    }
    std::vector<std::int64_t> dims(weight->dims().begin(), weight->dims().end());
    const std::string w_name = rewriter.unique(conv.input(1) + "_bnfold");
    const std::string b_name = rewriter.unique(conv.input(1) + "_bnfold_bias");
    rewriter.add_initializer(float_tensor(w_name, dims, w));
    rewriter.add_initializer(float_tensor(b_name, {static_cast<std::int64_t>(channels)}, b));
    onnx::NodeProto fused = conv;
    fused.clear_input();
    fused.add_input(conv.input(0));
    fused.add_input(w_name);
    fused.add_input(b_name);
    fused.set_output(0, bn.output(0));
    rewriter.replace(conv_index, {fused});
    rewriter.remove(i);
    for (const auto& name : {conv.input(1), bn.input(1), bn.input(2), bn.input(3), bn.input(4)})
      rewriter.drop_initializer_if_unused(name);
    if (bias) rewriter.drop_initializer_if_unused(conv.input(2));
    ++folded;
  }
  rewriter.commit();
  return folded;
}

int quantize_embedding_tables(GraphRewriter& rewriter, std::uint64_t min_elements,
                              std::uint64_t& parameters) {
  int tables = 0;
  std::unordered_set<std::string> done;
  for (int i = 0; i < rewriter.node_count(); ++i) {
    const auto& gather = rewriter.node(i);
    if (gather.op_type() != "Gather" || int_attr(gather, "axis", 0) != 0) continue;
    const onnx::TensorProto* table = rewriter.float_weight(gather.input(0), min_elements);
    if (!table || table->dims_size() != 2) continue;
    bool only_gathers = true;  // a table also read by another op stays float
    for (const int reader : rewriter.consumers(gather.input(0)))
      only_gathers = only_gathers && reader >= 0 && rewriter.node(reader).op_type() == "Gather" &&
                     int_attr(rewriter.node(reader), "axis", 0) == 0;
    if (!only_gathers) continue;
    const std::string base = gather.input(0);
    const std::string q_name = base + "_int8_rows", s_name = base + "_row_scale";
    if (done.insert(base).second) {  // first Gather of this table
      const std::vector<std::int64_t> dims(table->dims().begin(), table->dims().end());
      const auto quantized = quantize_per_channel(float_values(*table), dims, 0, 127);
      rewriter.add_initializer(raw_tensor(q_name, onnx::TensorProto::INT8, dims,
                                          std::string(quantized.q.begin(), quantized.q.end())));
      rewriter.add_initializer(float_tensor(s_name, {dims[0]}, quantized.scale));
      parameters += element_count(*table);
      ++tables;
    }
    const std::string rows = rewriter.unique(base + "_rows"), scales = rewriter.unique(base + "_scales");
    const std::string rows_float = rewriter.unique(base + "_rows_float");
    const std::string scale_column = rewriter.unique(base + "_scale_column");
    const std::string axes = rewriter.unique(base + "_last_axis");
    rewriter.add_initializer(int64_tensor(axes, {1}, {-1}));
    std::vector<onnx::NodeProto> nodes;
    nodes.push_back(make_node("Gather", {q_name, gather.input(1)}, {rows}, rows));
    nodes.push_back(make_node("Gather", {s_name, gather.input(1)}, {scales}, scales));
    nodes.push_back(make_node("Cast", {rows}, {rows_float}, rows_float));
    set_int(nodes.back(), "to", onnx::TensorProto::FLOAT);
    nodes.push_back(make_node("Unsqueeze", {scales, axes}, {scale_column}, scale_column));
    nodes.push_back(make_node("Mul", {rows_float, scale_column}, {gather.output(0)}, gather.name() + "_dq"));
    rewriter.replace(i, std::move(nodes));
    rewriter.drop_initializer_if_unused(base);
  }
  return tables;
}

}  // namespace servesim::models::quantize
