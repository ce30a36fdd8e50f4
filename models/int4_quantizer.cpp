// int4: weight-only 4-bit MatMul/Gemm weights through ONNX Runtime's com.microsoft MatMulNBits.
//
// For W[K, N] each output column n is cut into blocks of `block_size` consecutive k (the last one padded
// with zeros); a block keeps one float scale s = max|w| / 7 and codes q = clamp(round(w / s), -8, 7) + 8 in
// [0, 15], two per byte, the first in the low nibble. MatMulNBits's default zero point for 4 bits is 8, so
// it reads w ~ (q - 8) s. B is stored as [N, blocks, block_size / 2] bytes, scales as [N * blocks].
// Activations and the arithmetic stay float (accuracy_level 0): the kernel dequantizes blocks as it goes.
#include <algorithm>
#include <cmath>

#include "core/input_error.hpp"
#include "models/onnx_file.hpp"
#include "models/quantize_graph.hpp"
#include "models/quantize_modes.hpp"

namespace servesim::models::quantize {
namespace {

struct PackedInt4 {
  std::string bytes;          // [N, blocks, block_size / 2]
  std::vector<float> scales;  // [N * blocks]
};

// `w_nk` holds W transposed: row n is output column n, K values long.
PackedInt4 pack_int4(const std::vector<float>& w_nk, std::int64_t n, std::int64_t k, int block_size) {
  const std::int64_t blocks = (k + block_size - 1) / block_size;
  PackedInt4 packed;
  packed.bytes.assign(static_cast<std::size_t>(n * blocks * block_size / 2), '\0');
  packed.scales.assign(static_cast<std::size_t>(n * blocks), 1.0f);
  for (std::int64_t row = 0; row < n; ++row)
    for (std::int64_t b = 0; b < blocks; ++b) {
      const std::int64_t begin = b * block_size, end = std::min(k, begin + block_size);
      float max_abs = 0;
      for (std::int64_t i = begin; i < end; ++i)
        max_abs = std::max(max_abs, std::fabs(w_nk[static_cast<std::size_t>(row * k + i)]));
      const float scale = max_abs > 0 ? max_abs / 7.0f : 1.0f;
      packed.scales[static_cast<std::size_t>(row * blocks + b)] = scale;
      for (std::int64_t i = 0; i < block_size; ++i) {
        const float w = begin + i < end ? w_nk[static_cast<std::size_t>(row * k + begin + i)] : 0.0f;
        const auto code = static_cast<unsigned>(std::clamp(std::nearbyint(w / scale), -8.0f, 7.0f) + 8.0f);
        auto& byte = packed.bytes[static_cast<std::size_t>((row * blocks + b) * block_size / 2 + i / 2)];
        byte = static_cast<char>(static_cast<unsigned char>(byte) | (i % 2 ? code << 4 : code));
      }
    }
  return packed;
}

}  // namespace

void int4_weights(onnx::ModelProto& model, const std::string& path, const QuantizeOptions& options,
                  QuantizeResult& result) {
  if (options.int4_block_size != 32 && options.int4_block_size != 128)
    throw InputError("--block-size: expected 32 or 128, got " + std::to_string(options.int4_block_size));
  GraphRewriter rw(model);
  for (int index = 0; index < rw.node_count(); ++index) {
    const auto& node = rw.node(index);
    const bool is_gemm = node.op_type() == "Gemm";
    if (node.op_type() != "MatMul" && !is_gemm) continue;
    const onnx::TensorProto* weight = rw.float_weight(node.input(1), options.min_elements);
    if (!weight || weight->dims_size() != 2) continue;
    if (is_gemm && (int_attr(node, "transA", 0) != 0 || float_attr(node, "alpha", 1.0f) != 1.0f ||
                    float_attr(node, "beta", 1.0f) != 1.0f))
      continue;
    const bool trans_b = is_gemm && int_attr(node, "transB", 0) != 0;
    const std::int64_t k = trans_b ? weight->dims(1) : weight->dims(0);
    const std::int64_t n = trans_b ? weight->dims(0) : weight->dims(1);
    std::vector<float> w = float_values(*weight);
    if (!trans_b) {  // W[K, N] -> [N, K]
      std::vector<float> t(w.size());
      for (std::int64_t r = 0; r < k; ++r)
        for (std::int64_t c = 0; c < n; ++c)
          t[static_cast<std::size_t>(c * k + r)] = w[static_cast<std::size_t>(r * n + c)];
      w = std::move(t);
    }
    const PackedInt4 packed = pack_int4(w, n, k, options.int4_block_size);
    const std::int64_t blocks = (k + options.int4_block_size - 1) / options.int4_block_size;
    const std::string output = node.output(0);
    const std::string b_name = rw.unique(output + "_int4"), s_name = rw.unique(output + "_int4_scale");
    rw.add_initializer(
        raw_tensor(b_name, onnx::TensorProto::UINT8, {n, blocks, options.int4_block_size / 2}, packed.bytes));
    rw.add_initializer(float_tensor(s_name, {n * blocks}, packed.scales));
    const bool has_bias = is_gemm && node.input_size() > 2 && !node.input(2).empty();
    const std::string product = has_bias ? rw.unique(output + "_product") : output;
    std::vector<onnx::NodeProto> nodes;
    nodes.push_back(
        make_node("MatMulNBits", {node.input(0), b_name, s_name}, {product}, product, kMicrosoftDomain));
    set_int(nodes.back(), "K", k);
    set_int(nodes.back(), "N", n);
    set_int(nodes.back(), "bits", 4);
    set_int(nodes.back(), "block_size", options.int4_block_size);
    if (has_bias) nodes.push_back(make_node("Add", {product, node.input(2)}, {output}, product + "_bias"));
    ++result.quantized_tensors;
    result.quantized_parameters += element_count(*weight);
    const std::string weight_name = node.input(1);
    rw.replace(index, std::move(nodes));
    rw.drop_initializer_if_unused(weight_name);
  }
  if (result.quantized_tensors > 0) rw.use_domain(kMicrosoftDomain);
  result.quantized_tensors +=
      quantize_embedding_tables(rw, options.min_elements, result.quantized_parameters);
  if (result.quantized_tensors == 0)
    throw input_error(path, "",
                      "no float MatMul/Gemm weight or Gather table of at least " +
                          std::to_string(options.min_elements) + " elements to quantize");
  rw.commit();
}

}  // namespace servesim::models::quantize
