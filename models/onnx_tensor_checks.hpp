#pragma once
// Checks on the tensors of an ONNX file the user gave, made before anything is allocated for a tensor and
// before the file goes to an engine: the size its dims and data type declare (overflow-checked) against the
// bytes the file really holds for it, and where its external data lives (inside the model's folder only, as
// ONNX Runtime requires). Each failure is an InputError "<model>: <tensor>: <what is wrong>".
//
//   const DeclaredSize size = declared_size(path, tensor_label("initializer", t.name()), t);
//   check_inline_data(path, label, t, size);  // or external_data_path(...) for external data
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>

namespace servesim::models {

// `initializer "w"`: a kind of tensor and its name, quoted with excerpt().
std::string tensor_label(const std::string& kind, const std::string& name);
// `"text"`: user text quoted with excerpt() between double quotes.
std::string quoted(const std::string& text);
// "[2, 3, 4]"; at most 8 dims are written, then "...".
std::string dims_text(std::span<const std::int64_t> dims);
// A tensor's dims as a span (protobuf's RepeatedField is not a std::ranges range in protobuf 3.21).
inline std::span<const std::int64_t> dims_of(const onnx::TensorProto& tensor) {
  return {tensor.dims().data(), static_cast<std::size_t>(tensor.dims_size())};
}

// Elements times element_bytes, or nothing when a dim is negative or the product passes 2^64 - 1 (a zero
// dim makes 0, whatever the other dims are).
std::optional<std::uint64_t> checked_size(std::span<const std::int64_t> dims, std::uint64_t element_bytes);

struct DeclaredSize {
  std::uint64_t elements = 0;
  std::uint64_t bytes = 0;  // 0 for string tensors, whose elements have no fixed size
};
// What the tensor's dims and data type declare. Refuses negative dims, sizes over 2^64 - 1 bytes and data
// types that are not ONNX's (IR version 8).
DeclaredSize declared_size(const std::string& path, const std::string& label,
                           const onnx::TensorProto& tensor);

// A tensor stored in the model file: its raw_data, or else its typed field (float_data, int32_data, ...),
// must hold exactly the declared elements.
void check_inline_data(const std::string& path, const std::string& label, const onnx::TensorProto& tensor,
                       const DeclaredSize& size);

// The file an external-data location names, which must resolve inside model_dir: a relative path without
// ".." whose target (symbolic links followed) lies in the folder and is a regular file (not a FIFO, which
// would block the reader, nor a device).
std::filesystem::path external_data_path(const std::string& path, const std::string& label,
                                         const std::filesystem::path& model_dir, const std::string& location);

}  // namespace servesim::models
