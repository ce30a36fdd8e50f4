#pragma once
// Reading and writing ONNX files (protobuf, optionally with ONNX "external data" files beside them). Every
// problem with a file the user gave is an InputError that names the file and what is wrong with it.
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <set>
#include <string>

namespace servesim::models {

// How read_onnx treats initializers stored as external data: check that the file and byte range exist, or
// also load the bytes into the tensors (needed before changing the weights).
enum class ExternalData { kCheck, kLoad };

struct OnnxFile {
  onnx::ModelProto model;
  std::string path;
  std::uint64_t file_bytes = 0;           // size of the .onnx file itself
  std::uint64_t external_data_bytes = 0;  // bytes of initializers stored in external-data files
};

// Refuses (InputError naming the file and the tensor) what no engine could read safely: a tensor whose dims
// and data type declare another size than the data the file holds for it (dims multiplied overflow-checked),
// and external data outside the model's folder (absolute locations, "..", symbolic links leading out) or in
// something other than a regular file (onnx_tensor_checks.hpp). With kLoad, the external data loaded may
// total at most load_budget_bytes (0: half of this machine's physical memory).
OnnxFile read_onnx(const std::string& path, ExternalData mode = ExternalData::kCheck,
                   std::uint64_t load_budget_bytes = 0);

struct WriteOptions {
  // Above this many initializer bytes, every initializer of at least 1 KiB goes to "<file>.data" (protobuf
  // cannot serialise a message over 2 GiB). Default 1.5 GiB.
  std::uint64_t external_above_bytes = 1536ull << 20;
};
// Writes the model and returns the bytes written (model file plus external data).
std::uint64_t write_onnx(onnx::ModelProto& model, const std::string& path, const WriteOptions& options = {});

// Bytes of one element of an ONNX TensorProto data type (0 for strings and undefined types).
std::uint64_t element_bytes(std::int32_t elem_type);
// "float32", "int64", ... (lower case, numpy-style).
std::string element_type_name(std::int32_t elem_type);
// Product of the dims of a tensor (1 for a scalar).
std::uint64_t element_count(const onnx::TensorProto& tensor);
// Operator types used by the main graph, as "Op" for the default domain and "domain:Op" otherwise.
std::set<std::string> operator_types(const onnx::ModelProto& model);

}  // namespace servesim::models
