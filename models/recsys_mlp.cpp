// Recommendation scorer in the DLRM mould (Naumov et al., "Deep Learning Recommendation Model for
// Personalization and Recommendation Systems", 2019): a bottom MLP on dense features, one embedding table
// per sparse feature, concatenation, a top MLP and a sigmoid click probability. Tables dominate the size.
#include <cmath>

#include "core/input_error.hpp"
#include "models/model_architectures.hpp"

namespace servesim::models {
namespace {

struct RecsysShape {
  std::int64_t tables, rows, dim, hidden1, hidden2;
};
constexpr std::int64_t kDenseFeatures = 13;

RecsysShape recsys_preset(const std::string& size) {
  if (size == "small") return {8, 4000, 32, 256, 128};      // ~1.1 M parameters
  if (size == "base") return {26, 20000, 64, 512, 256};     // ~34 M parameters
  if (size == "large") return {26, 500000, 64, 1024, 512};  // ~833 M parameters, 3.3 GB: external data
  throw InputError("--size: expected small, base or large, got '" + size + "'");
}

std::string gemm(GraphBuilder& b, const std::string& x, std::int64_t in, std::int64_t out,
                 const std::string& hint) {
  // W[out,in] with transB=1, as PyTorch exports nn.Linear (OpenCV 4.6 reads only this layout).
  const std::string w = b.weight(hint + "_w", {out, in}, std::sqrt(6.0f / static_cast<float>(in)));
  const std::string bias = b.weight(hint + "_b", {out}, 0.01f);
  const std::string y = b.node("Gemm", {x, w, bias}, hint);
  b.attr("transB", std::int64_t{1});
  return y;
}

}  // namespace

std::string build_recsys_mlp(GraphBuilder& b, const std::string& size, double scale) {
  RecsysShape s = recsys_preset(size);
  s.rows = std::max<std::int64_t>(16, std::llround(static_cast<double>(s.rows) * scale));
  b.add_input("dense", onnx::TensorProto::FLOAT, {kBatchDim, kDenseFeatures});
  b.add_input("sparse_ids", onnx::TensorProto::INT64, {kBatchDim, s.tables});
  // Concat's inputs are listed one by one, so build the node by hand.
  std::vector<std::string> features{
      b.node("Relu", {gemm(b, "dense", kDenseFeatures, s.dim, "bottom")}, "bottom_relu")};
  for (std::int64_t t = 0; t < s.tables; ++t) {
    const std::string ids = b.node("Gather", {"sparse_ids", b.constant_ints("table_index", {}, {t})}, "ids");
    b.attr("axis", std::int64_t{1});
    const std::string table = b.weight("embedding_table", {s.rows, s.dim}, 0.05f);
    features.push_back(b.node("Gather", {table, ids}, "embedding"));  // [batch, dim]
  }
  b.node("Concat", {}, "features");
  for (const auto& f : features) b.last_node().add_input(f);
  b.attr("axis", std::int64_t{1});
  const std::string concat = b.last_node().output(0);
  std::string x = b.node("Relu", {gemm(b, concat, (s.tables + 1) * s.dim, s.hidden1, "top1")}, "top1_relu");
  x = b.node("Relu", {gemm(b, x, s.hidden1, s.hidden2, "top2")}, "top2_relu");
  b.node("Sigmoid", {gemm(b, x, s.hidden2, 1, "top3")}, "score");
  b.last_node().set_output(0, "score");
  b.add_output("score", onnx::TensorProto::FLOAT, {kBatchDim, 1});
  return "DLRM-style recommender, " + std::to_string(s.tables) + " tables x " + std::to_string(s.rows) +
         " rows x " + std::to_string(s.dim) + ", top MLP " + std::to_string(s.hidden1) + "-" +
         std::to_string(s.hidden2) + "-1";
}

}  // namespace servesim::models
