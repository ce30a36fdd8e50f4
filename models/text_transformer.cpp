// DistilBERT-shaped encoder (Sanh et al., "DistilBERT, a distilled version of BERT", 2019): token and
// position embeddings, N layers of multi-head self-attention + feed-forward, each followed by a residual
// add and LayerNorm, then a classification head on the first token. LayerNorm is spelt out with
// ReduceMean/Sub/Mul/Sqrt/Div (opset 13 has no LayerNormalization; ORT fuses the pattern back) and the
// feed-forward activation is Relu (GELU's Erf is not in OpenCV 4.6); both change latency by a few percent.
#include <cmath>

#include "core/input_error.hpp"
#include "models/model_architectures.hpp"

namespace servesim::models {
namespace {

struct TransformerShape {
  std::int64_t vocab, hidden, layers, heads;
};
constexpr std::int64_t kSequence = 128;
constexpr std::int64_t kClasses = 2;

TransformerShape transformer_preset(const std::string& size) {
  if (size == "small") return {4096, 128, 2, 2};      // ~1 M parameters
  if (size == "base") return {30522, 768, 6, 12};     // DistilBERT-base, ~66 M parameters
  if (size == "large") return {30522, 1024, 24, 16};  // BERT-large shape, ~330 M parameters
  throw InputError("--size: expected small, base or large, got '" + size + "'");
}

}  // namespace

std::string layer_norm(GraphBuilder& b, const std::string& x, std::int64_t hidden) {
  const std::string mean = b.node("ReduceMean", {x}, "ln_mean");
  b.attr("axes", std::vector<std::int64_t>{-1});
  const std::string centred = b.node("Sub", {x, mean}, "ln_centred");
  const std::string var = b.node("ReduceMean", {b.node("Mul", {centred, centred}, "ln_sq")}, "ln_var");
  b.attr("axes", std::vector<std::int64_t>{-1});
  const std::string eps = b.constant_floats("ln_eps", {}, {1e-12f});
  const std::string std_dev = b.node("Sqrt", {b.node("Add", {var, eps}, "ln_var_eps")}, "ln_std");
  const std::string normed = b.node("Div", {centred, std_dev}, "ln_normed");
  const std::string gamma = b.weight_range("ln_gamma", {hidden}, 0.9f, 1.1f);
  const std::string beta = b.weight("ln_beta", {hidden}, 0.02f);
  return b.node("Add", {b.node("Mul", {normed, gamma}, "ln_scaled"), beta}, "ln_out");
}

std::string dense(GraphBuilder& b, const std::string& x, std::int64_t in, std::int64_t out,
                  const std::string& hint) {
  const std::string w = b.weight(hint + "_w", {in, out}, std::sqrt(3.0f / static_cast<float>(in)));
  const std::string bias = b.weight(hint + "_b", {out}, 0.02f);
  return b.node("Add", {b.node("MatMul", {x, w}, hint), bias}, hint + "_bias");
}

namespace {

// [batch, seq, hidden] -> [batch, heads, seq, head_dim], or [batch, heads, head_dim, seq] for keys.
std::string split_heads(GraphBuilder& b, const std::string& x, const TransformerShape& s, bool keys) {
  const std::string shape = b.constant_ints("heads_shape", {4}, {0, 0, s.heads, s.hidden / s.heads});
  const std::string y = b.node("Reshape", {x, shape}, "split_heads");
  const std::string t = b.node("Transpose", {y}, keys ? "keys_t" : "heads_t");
  b.attr("perm", keys ? std::vector<std::int64_t>{0, 2, 3, 1} : std::vector<std::int64_t>{0, 2, 1, 3});
  return t;
}

std::string encoder_layer(GraphBuilder& b, const std::string& x, const TransformerShape& s) {
  const std::string q = split_heads(b, dense(b, x, s.hidden, s.hidden, "q"), s, false);
  const std::string k = split_heads(b, dense(b, x, s.hidden, s.hidden, "k"), s, true);
  const std::string v = split_heads(b, dense(b, x, s.hidden, s.hidden, "v"), s, false);
  const float inv_sqrt = 1.0f / std::sqrt(static_cast<float>(s.hidden / s.heads));
  std::string scores = b.node("MatMul", {q, k}, "attn_scores");  // [batch, heads, seq, seq]
  scores = b.node("Mul", {scores, b.constant_floats("attn_scale", {}, {inv_sqrt})}, "attn_scaled");
  const std::string probs = b.node("Softmax", {scores}, "attn_probs");
  b.attr("axis", std::int64_t{-1});
  std::string context = b.node("MatMul", {probs, v}, "attn_context");  // [batch, heads, seq, head_dim]
  context = b.node("Transpose", {context}, "merge_heads_t");
  b.attr("perm", std::vector<std::int64_t>{0, 2, 1, 3});
  context =
      b.node("Reshape", {context, b.constant_ints("merge_shape", {3}, {0, 0, s.hidden})}, "merge_heads");
  const std::string attn_out = dense(b, context, s.hidden, s.hidden, "attn_out");
  const std::string h = layer_norm(b, b.node("Add", {x, attn_out}, "attn_residual"), s.hidden);
  const std::int64_t ffn = 4 * s.hidden;
  const std::string f =
      dense(b, b.node("Relu", {dense(b, h, s.hidden, ffn, "ffn_in")}, "ffn_relu"), ffn, s.hidden, "ffn_out");
  return layer_norm(b, b.node("Add", {h, f}, "ffn_residual"), s.hidden);
}

}  // namespace

std::string build_text_transformer(GraphBuilder& b, const std::string& size, double scale) {
  TransformerShape s = transformer_preset(size);
  const std::int64_t head_dim =
      std::max<std::int64_t>(8, std::llround(static_cast<double>(s.hidden / s.heads) * scale));
  s.hidden = head_dim * s.heads;
  b.add_input("input_ids", onnx::TensorProto::INT64, {kBatchDim, kSequence});
  const std::string tokens = b.weight("word_embeddings", {s.vocab, s.hidden}, 0.05f);
  const std::string positions = b.weight("position_embeddings", {kSequence, s.hidden}, 0.05f);
  std::string x = b.node("Gather", {tokens, "input_ids"}, "embed");  // [batch, seq, hidden]
  x = layer_norm(b, b.node("Add", {x, positions}, "embed_pos"), s.hidden);
  for (std::int64_t layer = 0; layer < s.layers; ++layer) x = encoder_layer(b, x, s);
  std::string first =
      b.node("Gather", {x, b.constant_ints("cls_index", {}, {0})}, "cls_token");  // [batch, hidden]
  b.attr("axis", std::int64_t{1});
  const std::string w =
      b.weight("classifier_w", {kClasses, s.hidden}, std::sqrt(3.0f / static_cast<float>(s.hidden)));
  const std::string bias = b.weight("classifier_b", {kClasses}, 0.02f);
  b.node("Gemm", {first, w, bias}, "classifier");
  b.attr("transB", std::int64_t{1});
  b.last_node().set_output(0, "logits");
  b.add_output("logits", onnx::TensorProto::FLOAT, {kBatchDim, kClasses});
  return "DistilBERT-shaped encoder, vocab " + std::to_string(s.vocab) + ", hidden " +
         std::to_string(s.hidden) + ", " + std::to_string(s.layers) + " layers, " + std::to_string(s.heads) +
         " heads, sequence " + std::to_string(kSequence) + " -> " + std::to_string(kClasses) + " classes";
}

}  // namespace servesim::models
