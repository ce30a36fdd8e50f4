#include "models/flop_counter.hpp"

#include <onnx/shape_inference/implementation.h>

#include <algorithm>
#include <numeric>
#include <unordered_map>
#include <vector>

namespace servesim::models {
namespace {

using Shape = std::vector<std::int64_t>;  // -1: unknown

// A copy of the model without the weight bytes (shape inference needs only their types and dims, plus the
// small integer tensors that Reshape and friends read).
onnx::ModelProto skeleton(const onnx::ModelProto& model, std::int64_t batch_size) {
  onnx::ModelProto skel;
  skel.set_ir_version(model.ir_version());
  *skel.mutable_opset_import() = model.opset_import();
  const auto& graph = model.graph();
  auto* g = skel.mutable_graph();
  // ONNX 1.12's Conv and ConvTranspose shape inference takes a missing kernel_shape from the weight's dims
  // and then indexes per-axis vectors sized by the input's rank with it, unchecked: a weight whose rank
  // differs from the input's reads out of bounds (a null read, found by fuzz_onnx_inspect). Such nodes get
  // kernel_shape from their weight initializer, so that a mismatch is a clean shape-inference error; one
  // whose weight is computed at run time is left out of the copy (its outputs' shapes stay unknown: uncounted
  // downstream).
  std::unordered_map<std::string, const onnx::TensorProto*> initializers;
  for (const auto& init : graph.initializer()) initializers[init.name()] = &init;
  for (const auto& node : graph.node()) {
    const bool is_conv = node.op_type() == "Conv" || node.op_type() == "ConvTranspose";
    const bool has_kernel =
        std::any_of(node.attribute().begin(), node.attribute().end(),
                    [](const onnx::AttributeProto& a) { return a.name() == "kernel_shape"; });
    if (!is_conv || has_kernel || node.input_size() < 2) {
      *g->add_node() = node;
      continue;
    }
    const auto weight = initializers.find(node.input(1));
    if (weight == initializers.end() || weight->second->dims_size() < 2) continue;
    auto* copy = g->add_node();
    *copy = node;
    auto* kernel = copy->add_attribute();
    kernel->set_name("kernel_shape");
    kernel->set_type(onnx::AttributeProto::INTS);
    for (int i = 2; i < weight->second->dims_size(); ++i) kernel->add_ints(weight->second->dims(i));
  }
  *g->mutable_input() = graph.input();
  *g->mutable_output() = graph.output();
  for (const auto& init : graph.initializer()) {
    auto* t = g->add_initializer();
    t->set_name(init.name());
    t->set_data_type(init.data_type());
    *t->mutable_dims() = init.dims();
    const bool is_int =
        init.data_type() == onnx::TensorProto::INT64 || init.data_type() == onnx::TensorProto::INT32;
    if (is_int && init.data_location() != onnx::TensorProto::EXTERNAL && init.ByteSizeLong() < (1 << 20)) {
      if (init.has_raw_data()) t->set_raw_data(init.raw_data());
      *t->mutable_int64_data() = init.int64_data();
      *t->mutable_int32_data() = init.int32_data();
    }
  }
  for (auto& input : *g->mutable_input()) {
    auto* shape = input.mutable_type()->mutable_tensor_type()->mutable_shape();
    for (int i = 0; i < shape->dim_size(); ++i) {
      auto* dim = shape->mutable_dim(i);
      if (!dim->has_dim_value()) dim->set_dim_value(i == 0 ? batch_size : 1);
    }
  }
  for (auto& output : *g->mutable_output()) output.mutable_type()->mutable_tensor_type()->clear_shape();
  return skel;
}

Shape shape_of(const onnx::ValueInfoProto& info) {
  Shape shape;
  if (!info.type().tensor_type().has_shape()) return shape;
  for (const auto& dim : info.type().tensor_type().shape().dim())
    shape.push_back(dim.has_dim_value() ? dim.dim_value() : -1);
  return shape;
}

double product(const Shape& shape, std::size_t from = 0) {
  double p = 1;
  for (std::size_t i = from; i < shape.size(); ++i) p *= static_cast<double>(shape[i]);
  return p;
}

bool known(const Shape& shape) {
  return !shape.empty() && std::all_of(shape.begin(), shape.end(), [](auto d) { return d >= 0; });
}

std::int64_t int_attribute(const onnx::NodeProto& node, const std::string& name, std::int64_t fallback) {
  for (const auto& attr : node.attribute())
    if (attr.name() == name) return attr.i();
  return fallback;
}

}  // namespace

FlopCount count_flops(const onnx::ModelProto& model, std::int64_t batch_size) {
  onnx::ModelProto skel = skeleton(model, batch_size);
  try {
    onnx::shape_inference::InferShapes(skel);
  } catch (const std::exception&) {
    // Partial shapes are still useful; nodes without shapes are reported as uncounted.
  }
  std::unordered_map<std::string, Shape> shapes;
  const auto& g = skel.graph();
  for (const auto& info : g.input()) shapes[info.name()] = shape_of(info);
  for (const auto& info : g.value_info()) shapes[info.name()] = shape_of(info);
  for (const auto& info : g.output()) shapes[info.name()] = shape_of(info);
  for (const auto& init : g.initializer())
    shapes[init.name()] = Shape(init.dims().begin(), init.dims().end());
  auto lookup = [&](const std::string& name) {
    auto it = shapes.find(name);
    return it == shapes.end() ? Shape{} : it->second;
  };

  FlopCount count;
  for (const auto& node : model.graph().node()) {  // the model's: the copy may leave some out
    const std::string& op = node.op_type();
    double flops = -1;
    if (node.output_size() < 1) continue;  // nothing computed (a malformed node)
    if ((op == "Conv" || op == "ConvTranspose") && node.input_size() >= 2) {
      const Shape w = lookup(node.input(1));
      const Shape xy = lookup(op == "Conv" ? node.output(0) : node.input(0));
      // Conv: every output element takes (C/group) x kernel MACs; ConvTranspose: every input element
      // scatters into (M/group) x kernel outputs. Both are prod(W[1:]) per element.
      if (known(w) && known(xy)) flops = 2 * product(xy) * product(w, 1);
    } else if (op == "Gemm" && node.input_size() >= 2) {
      const Shape a = lookup(node.input(0));
      const Shape y = lookup(node.output(0));
      if (known(a) && a.size() == 2 && known(y)) {
        const double k = static_cast<double>(int_attribute(node, "transA", 0) ? a[0] : a[1]);
        flops = 2 * product(y) * k;
      }
    } else if (op == "MatMul" && node.input_size() >= 2) {
      const Shape a = lookup(node.input(0));
      const Shape y = lookup(node.output(0));
      if (known(a) && (known(y) || a.size() == 1)) flops = 2 * (y.empty() ? 1.0 : product(y)) * a.back();
    } else {
      continue;
    }
    if (flops < 0) {
      ++count.uncounted_nodes;
      continue;
    }
    count.flops += flops;
    count.by_operator[op] += flops;
  }
  return count;
}

}  // namespace servesim::models
