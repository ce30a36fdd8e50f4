#include "models/graph_builder.hpp"

#include <cstring>

namespace servesim::models {
namespace {

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

void set_dims(onnx::ValueInfoProto* value, std::int32_t elem_type, const std::vector<std::int64_t>& dims) {
  auto* tensor = value->mutable_type()->mutable_tensor_type();
  tensor->set_elem_type(elem_type);
  auto* shape = tensor->mutable_shape();
  for (const auto d : dims) {
    auto* dim = shape->add_dim();
    if (d == kBatchDim)
      dim->set_dim_param("batch");
    else
      dim->set_dim_value(d);
  }
}

void set_dims(onnx::ValueInfoProto* value, std::int32_t elem_type, const std::vector<Dim>& dims) {
  auto* tensor = value->mutable_type()->mutable_tensor_type();
  tensor->set_elem_type(elem_type);
  auto* shape = tensor->mutable_shape();
  for (const auto& d : dims) {
    auto* dim = shape->add_dim();
    if (!d.param.empty())
      dim->set_dim_param(d.param);
    else if (d.value == kBatchDim)
      dim->set_dim_param("batch");
    else
      dim->set_dim_value(d.value);
  }
}

}  // namespace

GraphBuilder::GraphBuilder(std::string graph_name, std::uint64_t seed, bool fill_weights)
    : rng_state_(seed), fill_weights_(fill_weights) {
  graph_.set_name(std::move(graph_name));
}

std::string GraphBuilder::unique(const std::string& hint) {
  return hint + "_" + std::to_string(counter_++);
}

void GraphBuilder::add_input(const std::string& name, std::int32_t elem_type,
                             const std::vector<std::int64_t>& dims) {
  auto* input = graph_.add_input();
  input->set_name(name);
  set_dims(input, elem_type, dims);
}

void GraphBuilder::add_output(const std::string& name, std::int32_t elem_type,
                              const std::vector<std::int64_t>& dims) {
  auto* output = graph_.add_output();
  output->set_name(name);
  set_dims(output, elem_type, dims);
}

void GraphBuilder::add_input_dims(const std::string& name, std::int32_t elem_type,
                                  const std::vector<Dim>& dims) {
  auto* input = graph_.add_input();
  input->set_name(name);
  set_dims(input, elem_type, dims);
}

void GraphBuilder::add_output_dims(const std::string& name, std::int32_t elem_type,
                                   const std::vector<Dim>& dims) {
  auto* output = graph_.add_output();
  output->set_name(name);
  set_dims(output, elem_type, dims);
}

onnx::TensorProto* GraphBuilder::add_initializer(const std::string& name, std::int32_t type,
                                                 const std::vector<std::int64_t>& dims) {
  auto* tensor = graph_.add_initializer();
  tensor->set_name(name);
  tensor->set_data_type(type);
  for (const auto d : dims) tensor->add_dims(d);
  return tensor;
}

std::string GraphBuilder::weight(const std::string& hint, const std::vector<std::int64_t>& dims,
                                 float bound_abs) {
  return weight_range(hint, dims, -bound_abs, bound_abs);
}

std::string GraphBuilder::weight_range(const std::string& hint, const std::vector<std::int64_t>& dims,
                                       float low, float high) {
  const std::string name = unique(hint);
  auto* tensor = add_initializer(name, onnx::TensorProto::FLOAT, dims);
  std::uint64_t count = 1;
  for (const auto d : dims) count *= static_cast<std::uint64_t>(d);
  parameter_count_ += count;
  if (!fill_weights_) return name;
  std::string bytes(count * sizeof(float), '\0');
  auto* out = reinterpret_cast<float*>(bytes.data());
  const float span = high - low;
  for (std::uint64_t i = 0; i < count; i += 2) {
    const std::uint64_t r = splitmix64(rng_state_);  // two 24-bit uniforms per draw
    out[i] = low + span * static_cast<float>(r & 0xFFFFFF) * (1.0f / 16777216.0f);
    if (i + 1 < count)
      out[i + 1] = low + span * static_cast<float>((r >> 32) & 0xFFFFFF) * (1.0f / 16777216.0f);
  }
  tensor->set_raw_data(std::move(bytes));
  return name;
}

std::string GraphBuilder::constant_floats(const std::string& hint, const std::vector<std::int64_t>& dims,
                                          const std::vector<float>& values) {
  const std::string name = unique(hint);
  auto* tensor = add_initializer(name, onnx::TensorProto::FLOAT, dims);
  parameter_count_ += values.size();
  if (fill_weights_)
    tensor->set_raw_data(std::string(reinterpret_cast<const char*>(values.data()), values.size() * 4));
  return name;
}

std::string GraphBuilder::constant_ints(const std::string& hint, const std::vector<std::int64_t>& dims,
                                        const std::vector<std::int64_t>& values) {
  const std::string name = unique(hint);
  auto* tensor = add_initializer(name, onnx::TensorProto::INT64, dims);
  parameter_count_ += values.size();
  for (const auto v : values) tensor->add_int64_data(v);  // always filled: shape inference reads these
  return name;
}

std::string GraphBuilder::node(const std::string& op_type, std::initializer_list<std::string> inputs,
                               const std::string& hint) {
  last_ = graph_.add_node();
  last_->set_op_type(op_type);
  const std::string output = unique(hint.empty() ? op_type : hint);
  last_->set_name(output);
  for (const auto& input : inputs) last_->add_input(input);
  last_->add_output(output);
  return output;
}

void GraphBuilder::attr(const std::string& name, std::int64_t value) {
  auto* a = last_->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(value);
}

void GraphBuilder::attr(const std::string& name, float value) {
  auto* a = last_->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(value);
}

void GraphBuilder::attr(const std::string& name, const std::vector<std::int64_t>& values) {
  auto* a = last_->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (const auto v : values) a->add_ints(v);
}

onnx::ModelProto GraphBuilder::finish(std::int64_t opset, const std::string& doc) {
  onnx::ModelProto model;
  model.set_ir_version(8);  // ONNX 1.12 reads IR 8; ORT and OpenCV accept it
  model.set_producer_name("servesim");
  model.set_producer_version("0.1");
  model.set_doc_string(doc);
  auto* op = model.add_opset_import();
  op->set_domain("");
  op->set_version(opset);
  *model.mutable_graph() = std::move(graph_);
  return model;
}

}  // namespace servesim::models
