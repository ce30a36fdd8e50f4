#pragma once
// Building blocks shared by the quantization modes of `servesim models quantize` (weight_quantizer.hpp): a
// graph rewriter that replaces nodes in place, tensor and node makers, symmetric per-channel weight
// quantization, BatchNormalization folding and int8 embedding tables read row by row. Internal to models/.
//
//   GraphRewriter rw(model);                    // indexes initializers and consumers
//   rw.replace(node_index, {new nodes...});     // the new nodes write the old node's outputs
//   rw.commit();                                // writes the new node list and initializers
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace servesim::models::quantize {

inline constexpr const char* kMicrosoftDomain = "com.microsoft";

std::vector<float> float_values(const onnx::TensorProto& tensor);
onnx::TensorProto float_tensor(const std::string& name, const std::vector<std::int64_t>& dims,
                               const std::vector<float>& values);
// int8, uint8 or int32 data from raw bytes (one char per 8-bit element, 4 per int32).
onnx::TensorProto raw_tensor(const std::string& name, std::int32_t data_type,
                             const std::vector<std::int64_t>& dims, std::string bytes);
onnx::TensorProto int32_tensor(const std::string& name, const std::vector<std::int64_t>& dims,
                               const std::vector<std::int32_t>& values);
onnx::TensorProto int64_tensor(const std::string& name, const std::vector<std::int64_t>& dims,
                               const std::vector<std::int64_t>& values);

onnx::NodeProto make_node(const std::string& op_type, std::initializer_list<std::string> inputs,
                          std::initializer_list<std::string> outputs, const std::string& name,
                          const std::string& domain = "");
void set_int(onnx::NodeProto& node, const std::string& name, std::int64_t value);
// The node's integer attribute, or `fallback` when absent.
std::int64_t int_attr(const onnx::NodeProto& node, const std::string& name, std::int64_t fallback);
float float_attr(const onnx::NodeProto& node, const std::string& name, float fallback);

// Symmetric quantization with one scale per slice along `axis`: scale = max|w| / q_max over the slice (1 for
// an all-zero slice), q = round(w / scale) clamped to [-q_max, q_max], zero point 0. The rounding error of
// each weight is at most scale / 2 = max|w| / (2 q_max).
struct ChannelQuantized {
  std::vector<float> scale;    // one per slice along the axis
  std::vector<std::int8_t> q;  // same layout as the float weight
};
ChannelQuantized quantize_per_channel(const std::vector<float>& w, const std::vector<std::int64_t>& dims,
                                      int axis, int q_max);

// Replaces nodes of a graph in place, keeping the order (a replacement writes the replaced node's outputs,
// so whatever read them still finds them produced before use).
class GraphRewriter {
 public:
  explicit GraphRewriter(onnx::ModelProto& model);

  // The float initializer of that name with at least `min_elements` elements, or null.
  const onnx::TensorProto* float_weight(const std::string& name, std::uint64_t min_elements) const;
  const onnx::TensorProto* initializer(const std::string& name) const;
  // Nodes reading the tensor (graph outputs count as one reader each, with node index -1).
  std::vector<int> consumers(const std::string& tensor) const;
  const onnx::NodeProto& node(int index) const { return graph_.node(index); }
  int node_count() const { return graph_.node_size(); }

  std::string unique(const std::string& hint);
  void add_initializer(onnx::TensorProto tensor);
  // Drops an initializer nobody reads any more (after its consumers were replaced).
  void drop_initializer_if_unused(const std::string& name);
  // Nodes to run where node `index` was (before it, when the node is kept).
  void insert_before(int index, onnx::NodeProto node);
  void replace(int index, std::vector<onnx::NodeProto> nodes);
  void remove(int index) { replace(index, {}); }
  // Declares the domain (version 1) the new nodes use, e.g. com.microsoft.
  void use_domain(const std::string& domain);
  void commit();

 private:
  onnx::ModelProto& model_;
  onnx::GraphProto& graph_;
  std::unordered_map<std::string, int> initializer_index_;
  std::unordered_map<std::string, std::vector<int>> consumers_;
  std::map<int, std::vector<onnx::NodeProto>> before_;
  std::map<int, std::vector<onnx::NodeProto>> replacement_;
  std::vector<onnx::TensorProto> added_;
  std::vector<std::string> dropped_;
  int counter_ = 0;
};

// Folds each BatchNormalization that reads a Conv's only output into the Conv's weight and bias (exact in
// real arithmetic: W' = W g / sqrt(v + eps) per output channel, b' = (b - m) g / sqrt(v + eps) + beta), so
// that the quantized Conv carries the scale. Returns how many were folded.
int fold_batch_norms(onnx::ModelProto& model);

// Embedding tables (a float initializer of >= min_elements read as input 0 of Gather on axis 0): int8 with
// one scale per row, and the Gather reads the int8 rows and their scales, which are then turned into float
// (Cast, Mul): only the rows looked up are dequantized, not the whole table at every call. Returns the
// number of tables and adds their parameter count to `parameters`.
int quantize_embedding_tables(GraphRewriter& rewriter, std::uint64_t min_elements, std::uint64_t& parameters);

}  // namespace servesim::models::quantize
