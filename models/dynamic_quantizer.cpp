// dynamic-int8: integer MatMul and Conv kernels with activations quantized at run time.
//
// For y = x W (+ b) with W constant, the graph computes
//   xq, sx, zx = DynamicQuantizeLinear(x)        uint8, sx = (max(x, 0) - min(x, 0)) / 255 for this call
//   acc = MatMulInteger(xq, Wq, zx)              int32, Wq int8 with one scale sw[n] per output column
//   y = Cast(acc, float) * (sx * sw) (+ b)       = sum_k (xq - zx) sx * Wq sw ~ x W
// (ConvInteger likewise, the scales per output channel broadcast as [1, M, 1, 1]). ONNX Runtime fuses the
// MatMul chain into its DynamicQuantizeMatMul kernel. BatchNormalization is folded into the Conv before.
#include <map>

#include "core/input_error.hpp"
#include "models/onnx_file.hpp"
#include "models/quantize_graph.hpp"
#include "models/quantize_modes.hpp"

namespace servesim::models::quantize {
namespace {

struct DynamicInput {
  std::string quantized, scale, zero_point;
};

class DynamicQuantizer {
 public:
  DynamicQuantizer(GraphRewriter& rewriter, const QuantizeOptions& options, QuantizeResult& result)
      : rw_(rewriter), options_(options), result_(result) {}

  void run() {
    for (int i = 0; i < rw_.node_count(); ++i) {
      const auto& node = rw_.node(i);
      if (node.op_type() == "MatMul")
        matmul(i);
      else if (node.op_type() == "Gemm")
        gemm(i);
      else if (node.op_type() == "Conv")
        conv(i);
    }
  }

 private:
  // One DynamicQuantizeLinear per activation, placed before its first quantized reader.
  const DynamicInput& quantized_input(const std::string& x, int reader) {
    auto it = inputs_.find(x);
    if (it != inputs_.end()) return it->second;
    DynamicInput in{rw_.unique(x + "_u8"), rw_.unique(x + "_scale"), rw_.unique(x + "_zero_point")};
    rw_.insert_before(reader, make_node("DynamicQuantizeLinear", {x}, {in.quantized, in.scale, in.zero_point},
                                        in.quantized));
    return inputs_.emplace(x, in).first->second;
  }

  // acc -> float -> times (sx * sw) -> `output` (sw shaped `scale_dims`).
  void rescale(std::vector<onnx::NodeProto>& nodes, const std::string& acc, const DynamicInput& in,
               const std::vector<float>& weight_scale, const std::vector<std::int64_t>& scale_dims,
               const std::string& output) {
    const std::string sw = rw_.unique(output + "_weight_scale");
    rw_.add_initializer(float_tensor(sw, scale_dims, weight_scale));
    const std::string acc_float = rw_.unique(output + "_acc_float"), s = rw_.unique(output + "_scale");
    nodes.push_back(make_node("Cast", {acc}, {acc_float}, acc_float));
    set_int(nodes.back(), "to", onnx::TensorProto::FLOAT);
    nodes.push_back(make_node("Mul", {in.scale, sw}, {s}, s));
    nodes.push_back(make_node("Mul", {acc_float, s}, {output}, output + "_rescale"));
  }

  void count(const onnx::TensorProto& weight) {
    ++result_.quantized_tensors;
    result_.quantized_parameters += element_count(weight);
  }

  // y = MatMulInteger(x, Wq[K, N]) rescaled; `w` is W[K, N] as floats.
  std::vector<onnx::NodeProto> integer_matmul(int index, const std::string& x, const std::vector<float>& w,
                                              std::int64_t k, std::int64_t n, const std::string& output) {
    const auto quantized = quantize_per_channel(w, {k, n}, 1, 127);
    const std::string wq = rw_.unique(output + "_weight_int8");
    rw_.add_initializer(
        raw_tensor(wq, onnx::TensorProto::INT8, {k, n}, std::string(quantized.q.begin(), quantized.q.end())));
    const DynamicInput& in = quantized_input(x, index);
    const std::string acc = rw_.unique(output + "_acc");
    std::vector<onnx::NodeProto> nodes;
    nodes.push_back(make_node("MatMulInteger", {in.quantized, wq, in.zero_point}, {acc}, acc));
    rescale(nodes, acc, in, quantized.scale, {n}, output);
    return nodes;
  }

  void matmul(int index) {
    const auto& node = rw_.node(index);
    const onnx::TensorProto* weight = rw_.float_weight(node.input(1), options_.min_elements);
    if (!weight || weight->dims_size() != 2) return;  // activation x activation (attention) stays float
    auto nodes = integer_matmul(index, node.input(0), float_values(*weight), weight->dims(0), weight->dims(1),
                                node.output(0));
    count(*weight);
    const std::string name = node.input(1);
    rw_.replace(index, std::move(nodes));
    rw_.drop_initializer_if_unused(name);
  }

  void gemm(int index) {
    const auto& node = rw_.node(index);
    const onnx::TensorProto* weight = rw_.float_weight(node.input(1), options_.min_elements);
    if (!weight || weight->dims_size() != 2 || int_attr(node, "transA", 0) != 0 ||
        float_attr(node, "alpha", 1.0f) != 1.0f || float_attr(node, "beta", 1.0f) != 1.0f)
      return;
    const bool trans_b = int_attr(node, "transB", 0) != 0;
    const std::int64_t k = trans_b ? weight->dims(1) : weight->dims(0);
    const std::int64_t n = trans_b ? weight->dims(0) : weight->dims(1);
    std::vector<float> w = float_values(*weight);
    if (trans_b) {  // W[N, K] -> W[K, N]
      std::vector<float> t(w.size());
      for (std::int64_t r = 0; r < n; ++r)
        for (std::int64_t c = 0; c < k; ++c)
          t[static_cast<std::size_t>(c * n + r)] = w[static_cast<std::size_t>(r * k + c)];
      w = std::move(t);
    }
    const bool has_bias = node.input_size() > 2 && !node.input(2).empty();
    const std::string product = has_bias ? rw_.unique(node.output(0) + "_product") : node.output(0);
    auto nodes = integer_matmul(index, node.input(0), w, k, n, product);
    if (has_bias)
      nodes.push_back(make_node("Add", {product, node.input(2)}, {node.output(0)}, product + "_bias"));
    count(*weight);
    const std::string name = node.input(1);
    rw_.replace(index, std::move(nodes));
    rw_.drop_initializer_if_unused(name);
  }

  void conv(int index) {
    const auto& node = rw_.node(index);
    const onnx::TensorProto* weight = rw_.float_weight(node.input(1), options_.min_elements);
    if (!weight || weight->dims_size() < 3) return;
    const bool has_bias = node.input_size() > 2 && !node.input(2).empty();
    const onnx::TensorProto* bias = has_bias ? rw_.initializer(node.input(2)) : nullptr;
    if (has_bias && (!bias || bias->data_type() != onnx::TensorProto::FLOAT)) return;  // a computed bias
    const std::vector<std::int64_t> dims(weight->dims().begin(), weight->dims().end());
    const auto quantized = quantize_per_channel(float_values(*weight), dims, 0, 127);
    const std::int64_t channels = dims[0];
    const std::string output = node.output(0);
    const std::string wq = rw_.unique(output + "_weight_int8");
    rw_.add_initializer(
        raw_tensor(wq, onnx::TensorProto::INT8, dims, std::string(quantized.q.begin(), quantized.q.end())));
    std::vector<std::int64_t> column(dims.size(), 1);  // [1, M, 1, 1] for a 2-D Conv
    column[1] = channels;
    const DynamicInput& in = quantized_input(node.input(0), index);
    const std::string acc = rw_.unique(output + "_acc");
    std::vector<onnx::NodeProto> nodes;
    nodes.push_back(make_node("ConvInteger", {in.quantized, wq, in.zero_point}, {acc}, acc));
    for (const auto& attribute : node.attribute()) *nodes.back().add_attribute() = attribute;
    const std::string scaled = has_bias ? rw_.unique(output + "_scaled") : output;
    rescale(nodes, acc, in, quantized.scale, column, scaled);
    if (has_bias) {
      const std::string b = rw_.unique(output + "_bias");
      rw_.add_initializer(float_tensor(b, column, float_values(*bias)));
      nodes.push_back(make_node("Add", {scaled, b}, {output}, b));
    }
    count(*weight);
    const std::string weight_name = node.input(1);
    const std::string bias_name = has_bias ? node.input(2) : "";
    rw_.replace(index, std::move(nodes));
    rw_.drop_initializer_if_unused(weight_name);
    if (!bias_name.empty()) rw_.drop_initializer_if_unused(bias_name);
  }

  GraphRewriter& rw_;
  const QuantizeOptions& options_;
  QuantizeResult& result_;
  std::map<std::string, DynamicInput> inputs_;
};

}  // namespace

void dynamic_int8(onnx::ModelProto& model, const std::string& path, const QuantizeOptions& options,
                  QuantizeResult& result) {
  result.folded_batch_norms = fold_batch_norms(model);
  GraphRewriter rewriter(model);
  DynamicQuantizer(rewriter, options, result).run();
  result.quantized_tensors +=
      quantize_embedding_tables(rewriter, options.min_elements, result.quantized_parameters);
  if (result.quantized_tensors == 0)
    throw input_error(path, "",
                      "no float Conv/Gemm/MatMul weight or Gather table of at least " +
                          std::to_string(options.min_elements) + " elements to quantize");
  rewriter.commit();
}

}  // namespace servesim::models::quantize
