#pragma once
// `servesim inspect`: what an ONNX file holds — size, parameters, weight bytes by data type, opsets,
// inputs/outputs, operator histogram and FLOPs per inference (see flop_counter.hpp for the convention).
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace servesim::models {

struct TensorInfo {
  std::string name;
  std::string elem_type;          // "float32", "int64", ...
  std::vector<std::string> dims;  // "224" or a symbolic name such as "batch" ("?" when unknown)
};

struct ModelInfo {
  std::string path;
  std::uint64_t file_bytes = 0;           // the .onnx file
  std::uint64_t external_data_bytes = 0;  // weights in external-data files
  std::int64_t ir_version = 0;
  std::string producer;
  std::map<std::string, std::int64_t> opsets;  // domain ("" = ai.onnx) -> version
  std::uint64_t parameter_count = 0;           // elements of all initializers
  std::uint64_t initializer_bytes = 0;
  std::map<std::string, std::uint64_t> initializer_bytes_by_type;
  std::vector<TensorInfo> inputs, outputs;  // graph inputs exclude initializers
  std::map<std::string, int> operator_counts;
  std::uint64_t node_count = 0;
  double flops_per_inference = 0;  // at batch size 1
  std::map<std::string, double> flops_by_operator;
  int uncounted_nodes = 0;
};

ModelInfo inspect_model(const std::string& path);
nlohmann::json to_json(const ModelInfo& info);
std::string to_text(const ModelInfo& info);

}  // namespace servesim::models
