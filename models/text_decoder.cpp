// GPT-2-shaped decoder-only language model (Radford et al., "Language Models are Unsupervised Multitask
// Learners", 2019) with a KV cache as its inputs and outputs, so that one graph serves both phases of
// generation: prefill (n prompt tokens, empty past) and decode (n = 1 with the cache of the tokens so far).
//   inputs   input_ids [batch, sequence] int64
//            past_key_L, past_value_L [batch, heads, past_sequence, head_dim] float32, L = 0 .. layers - 1
//   outputs  logits [batch, sequence, vocab] float32
//            present_key_L, present_value_L [batch, heads, past_sequence + sequence, head_dim] float32
// Token i of the call sits at position past_sequence + i (learned position table) and attends to the past
// and to the call's tokens up to itself (causal mask). Layers are pre-LayerNorm (x + attn(LN x), then
// x + ffn(LN x)) with a final LayerNorm and an untied vocabulary projection. As in the encoder, LayerNorm is
// spelt out and the feed-forward activation is Relu instead of GELU (a few percent of latency).
#include <cmath>

#include "core/input_error.hpp"
#include "models/model_architectures.hpp"

namespace servesim::models {
namespace {

struct DecoderShape {
  std::int64_t vocab, hidden, layers, heads, positions;
};

DecoderShape decoder_preset(const std::string& size) {
  if (size == "small") return {4096, 256, 4, 4, 1024};      // ~5.5 M parameters: fast enough for CI
  if (size == "base") return {50257, 768, 12, 12, 1024};    // GPT-2 small shape, ~163 M (untied head)
  if (size == "large") return {50257, 1024, 24, 16, 1024};  // GPT-2 medium shape, ~406 M (untied head)
  throw InputError("--size: expected small, base or large, got '" + size + "'");
}

// [batch, seq, hidden] -> [batch, heads, seq, head_dim]
std::string split_heads(GraphBuilder& b, const std::string& x, const DecoderShape& s) {
  const std::string shape = b.constant_ints("heads_shape", {4}, {0, 0, s.heads, s.hidden / s.heads});
  const std::string t = b.node("Transpose", {b.node("Reshape", {x, shape}, "split_heads")}, "heads_t");
  b.attr("perm", std::vector<std::int64_t>{0, 2, 1, 3});
  return t;
}

// One layer; `mask` [sequence, total] is 0 where a query may attend and -1e9 where it may not.
std::string decoder_layer(GraphBuilder& b, const std::string& x, const std::string& mask,
                          const DecoderShape& s, std::int64_t layer) {
  const std::string id = std::to_string(layer);
  const std::string h = layer_norm(b, x, s.hidden);
  const std::string q = split_heads(b, dense(b, h, s.hidden, s.hidden, "q"), s);
  const std::string k = split_heads(b, dense(b, h, s.hidden, s.hidden, "k"), s);
  const std::string v = split_heads(b, dense(b, h, s.hidden, s.hidden, "v"), s);
  // The cache grows along the sequence axis: present = past ++ this call's keys/values.
  b.node("Concat", {"past_key_" + id, k}, "present_key");
  b.attr("axis", std::int64_t{2});
  b.last_node().set_output(0, "present_key_" + id);
  b.node("Concat", {"past_value_" + id, v}, "present_value");
  b.attr("axis", std::int64_t{2});
  b.last_node().set_output(0, "present_value_" + id);
  const std::string keys_t = b.node("Transpose", {"present_key_" + id}, "keys_t");
  b.attr("perm", std::vector<std::int64_t>{0, 1, 3, 2});
  const float inv_sqrt = 1.0f / std::sqrt(static_cast<float>(s.hidden / s.heads));
  std::string scores = b.node("MatMul", {q, keys_t}, "attn_scores");  // [batch, heads, seq, total]
  scores = b.node("Mul", {scores, b.constant_floats("attn_scale", {}, {inv_sqrt})}, "attn_scaled");
  scores = b.node("Add", {scores, mask}, "attn_masked");
  const std::string probs = b.node("Softmax", {scores}, "attn_probs");
  b.attr("axis", std::int64_t{-1});
  std::string context = b.node("MatMul", {probs, "present_value_" + id}, "attn_context");
  context = b.node("Transpose", {context}, "merge_heads_t");
  b.attr("perm", std::vector<std::int64_t>{0, 2, 1, 3});
  context =
      b.node("Reshape", {context, b.constant_ints("merge_shape", {3}, {0, 0, s.hidden})}, "merge_heads");
  const std::string after_attn =
      b.node("Add", {x, dense(b, context, s.hidden, s.hidden, "attn_out")}, "attn_residual");
  const std::int64_t ffn = 4 * s.hidden;
  const std::string f = dense(
      b, b.node("Relu", {dense(b, layer_norm(b, after_attn, s.hidden), s.hidden, ffn, "ffn_in")}, "ffn_relu"),
      ffn, s.hidden, "ffn_out");
  return b.node("Add", {after_attn, f}, "ffn_residual");
}

}  // namespace

std::string build_text_decoder(GraphBuilder& b, const std::string& size, double scale) {
  DecoderShape s = decoder_preset(size);
  const std::int64_t head_dim =
      std::max<std::int64_t>(8, std::llround(static_cast<double>(s.hidden / s.heads) * scale));
  s.hidden = head_dim * s.heads;
  b.add_input_dims("input_ids", onnx::TensorProto::INT64, {kBatchDim, "sequence"});
  for (std::int64_t layer = 0; layer < s.layers; ++layer)
    for (const char* kind : {"past_key_", "past_value_"})
      b.add_input_dims(kind + std::to_string(layer), onnx::TensorProto::FLOAT,
                       {kBatchDim, s.heads, "past_sequence", head_dim});

  // Positions past .. past + n - 1, from the shapes of input_ids and of the first layer's past keys.
  const std::string one = b.constant_ints("one", {}, {1});
  const std::string n = b.node("Gather", {b.node("Shape", {"input_ids"}, "ids_shape"), one}, "sequence");
  const std::string past =
      b.node("Gather", {b.node("Shape", {"past_key_0"}, "past_shape"), b.constant_ints("two", {}, {2})},
             "past_sequence");
  const std::string total = b.node("Add", {past, n}, "total_sequence");
  const std::string positions = b.node("Range", {past, total, one}, "positions");  // [seq]
  // Causal mask [seq, total]: key position j is hidden from the query at position i when j > i.
  const std::string key_positions =
      b.node("Range", {b.constant_ints("zero", {}, {0}), total, one}, "key_positions");  // [total]
  const std::string query_column = b.node(
      "Reshape", {positions, b.constant_ints("column_shape", {2}, {-1, 1})}, "query_positions");  // [seq, 1]
  const std::string mask =
      b.node("Where",
             {b.node("Greater", {key_positions, query_column}, "future"),
              b.constant_floats("masked", {}, {-1e9f}), b.constant_floats("open", {}, {0.0f})},
             "causal_mask");

  const std::string tokens = b.weight("word_embeddings", {s.vocab, s.hidden}, 0.05f);
  const std::string position_table = b.weight("position_embeddings", {s.positions, s.hidden}, 0.05f);
  std::string x = b.node("Gather", {tokens, "input_ids"}, "embed");  // [batch, seq, hidden]
  x = b.node("Add", {x, b.node("Gather", {position_table, positions}, "embed_positions")}, "embed_sum");
  for (std::int64_t layer = 0; layer < s.layers; ++layer) x = decoder_layer(b, x, mask, s, layer);
  x = layer_norm(b, x, s.hidden);
  const std::string head =
      b.weight("lm_head_w", {s.hidden, s.vocab}, std::sqrt(3.0f / static_cast<float>(s.hidden)));
  b.node("MatMul", {x, head}, "lm_head");
  b.last_node().set_output(0, "logits");

  b.add_output_dims("logits", onnx::TensorProto::FLOAT, {kBatchDim, "sequence", s.vocab});
  for (std::int64_t layer = 0; layer < s.layers; ++layer)
    for (const char* kind : {"present_key_", "present_value_"})
      b.add_output_dims(kind + std::to_string(layer), onnx::TensorProto::FLOAT,
                        {kBatchDim, s.heads, "total_sequence", head_dim});
  return "GPT-2-shaped decoder with KV cache, vocab " + std::to_string(s.vocab) + ", hidden " +
         std::to_string(s.hidden) + ", " + std::to_string(s.layers) + " layers, " + std::to_string(s.heads) +
         " heads, positions " + std::to_string(s.positions);
}

}  // namespace servesim::models
