#pragma once
// A small helper to build ONNX graphs node by node with seeded random weights. In dry-run mode weights get
// their dims but no bytes, so that a generator can size a model (count its parameters) without filling it.
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace servesim::models {

inline constexpr std::int64_t kBatchDim = -1;  // a dim given as kBatchDim becomes the symbolic "batch"

// A dim of a graph input or output: a fixed size, or a symbolic one named by `param` ("sequence", ...).
struct Dim {
  std::int64_t value = 0;
  std::string param;
  Dim(std::int64_t v) : value(v) {}  // NOLINT(google-explicit-constructor): {1, "sequence"} lists
  Dim(const char* p) : param(p) {}   // NOLINT(google-explicit-constructor)
};

class GraphBuilder {
 public:
  GraphBuilder(std::string graph_name, std::uint64_t seed, bool fill_weights);

  void add_input(const std::string& name, std::int32_t elem_type, const std::vector<std::int64_t>& dims);
  void add_output(const std::string& name, std::int32_t elem_type, const std::vector<std::int64_t>& dims);
  // The same with named symbolic dims (kBatchDim still means "batch").
  void add_input_dims(const std::string& name, std::int32_t elem_type, const std::vector<Dim>& dims);
  void add_output_dims(const std::string& name, std::int32_t elem_type, const std::vector<Dim>& dims);

  // float32 weight drawn uniformly from [-bound_abs, bound_abs] (He/Glorot-style bound chosen by the caller).
  std::string weight(const std::string& hint, const std::vector<std::int64_t>& dims, float bound_abs);
  // float32 weight drawn uniformly from [low, high].
  std::string weight_range(const std::string& hint, const std::vector<std::int64_t>& dims, float low,
                           float high);
  std::string constant_floats(const std::string& hint, const std::vector<std::int64_t>& dims,
                              const std::vector<float>& values);
  std::string constant_ints(const std::string& hint, const std::vector<std::int64_t>& dims,
                            const std::vector<std::int64_t>& values);

  // Adds a node with one output and returns that output's name; set attributes on last_node().
  std::string node(const std::string& op_type, std::initializer_list<std::string> inputs,
                   const std::string& hint = "");
  onnx::NodeProto& last_node() { return *last_; }
  void attr(const std::string& name, std::int64_t value);
  void attr(const std::string& name, float value);
  void attr(const std::string& name, const std::vector<std::int64_t>& values);

  std::uint64_t parameter_count() const { return parameter_count_; }
  // Finishes the model with the given default-domain opset.
  onnx::ModelProto finish(std::int64_t opset, const std::string& doc);

 private:
  std::string unique(const std::string& hint);
  onnx::TensorProto* add_initializer(const std::string& name, std::int32_t type,
                                     const std::vector<std::int64_t>& dims);

  onnx::GraphProto graph_;
  onnx::NodeProto* last_ = nullptr;
  std::uint64_t rng_state_;
  bool fill_weights_;
  std::uint64_t parameter_count_ = 0;
  int counter_ = 0;
};

}  // namespace servesim::models
