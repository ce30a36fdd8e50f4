#include "models/onnx_tensor_checks.hpp"

#include "core/input_error.hpp"
#include "models/onnx_file.hpp"

namespace servesim::models {
namespace fs = std::filesystem;

namespace {

// The typed field that holds a tensor's values when it has no raw_data, and how many values one element
// takes there (complex numbers take two).
struct TypedField {
  const char* name;
  int values_size;
  std::uint64_t values_per_element;
};

TypedField typed_field(const onnx::TensorProto& t) {
  using T = onnx::TensorProto;
  switch (t.data_type()) {
    case T::FLOAT:
      return {"float_data", t.float_data_size(), 1};
    case T::COMPLEX64:
      return {"float_data", t.float_data_size(), 2};
    case T::DOUBLE:
      return {"double_data", t.double_data_size(), 1};
    case T::COMPLEX128:
      return {"double_data", t.double_data_size(), 2};
    case T::INT64:
      return {"int64_data", t.int64_data_size(), 1};
    case T::UINT32:
    case T::UINT64:
      return {"uint64_data", t.uint64_data_size(), 1};
    case T::STRING:
      return {"string_data", t.string_data_size(), 1};
    default:  // int32, int16, int8, uint16, uint8, bool, float16, bfloat16
      return {"int32_data", t.int32_data_size(), 1};
  }
}

// `dims [2, 3] declare 6 float32 elements (24 bytes)`
std::string declaration(const onnx::TensorProto& tensor, const DeclaredSize& size) {
  std::string text = "dims " + dims_text(dims_of(tensor)) + " declare " + std::to_string(size.elements) +
                     " " + element_type_name(tensor.data_type()) + " elements";
  if (tensor.data_type() != onnx::TensorProto::STRING) text += " (" + std::to_string(size.bytes) + " bytes)";
  return text;
}

// Whether `file` lies strictly below `dir`, comparing whole path components (so "/m/data" is not inside
// "/m/dat"). Both are canonical.
bool is_inside(const fs::path& file, const fs::path& dir) {
  auto part = file.begin();
  for (const auto& dir_part : dir) {
    if (part == file.end() || *part != dir_part) return false;
    ++part;
  }
  return part != file.end();
}

}  // namespace

std::string quoted(const std::string& text) {
  return "\"" + excerpt(text) + "\"";
}

std::string tensor_label(const std::string& kind, const std::string& name) {
  return kind + " " + quoted(name);
}

std::string dims_text(std::span<const std::int64_t> dims) {
  std::string text = "[";
  for (std::size_t i = 0; i < dims.size(); ++i) {
    if (i == 8) {
      text += ", ...";
      break;
    }
    text += (i ? ", " : "") + std::to_string(dims[i]);
  }
  return text + "]";
}

std::optional<std::uint64_t> checked_size(std::span<const std::int64_t> dims, std::uint64_t element_bytes) {
  for (const auto dim : dims)
    if (dim < 0) return std::nullopt;
  for (const auto dim : dims)
    if (dim == 0) return 0;
  std::uint64_t size = element_bytes;
  for (const auto dim : dims)
    if (__builtin_mul_overflow(size, static_cast<std::uint64_t>(dim), &size)) return std::nullopt;
  return size;
}

DeclaredSize declared_size(const std::string& path, const std::string& label,
                           const onnx::TensorProto& tensor) {
  const auto type = tensor.data_type();
  const bool is_string = type == onnx::TensorProto::STRING;
  const std::uint64_t element_size = element_bytes(type);
  if (element_size == 0 && !is_string)
    throw input_error(path, label, "unknown data type " + std::to_string(type));
  for (const auto dim : tensor.dims())
    if (dim < 0)
      throw input_error(path, label, "dims " + dims_text(dims_of(tensor)) + " have a negative dim");
  const auto elements = checked_size(dims_of(tensor), 1);
  const auto bytes = checked_size(dims_of(tensor), is_string ? 1 : element_size);
  if (!elements || !bytes)
    throw input_error(path, label,
                      "dims " + dims_text(dims_of(tensor)) + " declare more than 2^64 - 1 bytes of " +
                          element_type_name(type));
  return {*elements, is_string ? 0 : *bytes};
}

void check_inline_data(const std::string& path, const std::string& label, const onnx::TensorProto& tensor,
                       const DeclaredSize& size) {
  if (tensor.has_raw_data()) {
    if (tensor.data_type() == onnx::TensorProto::STRING)
      throw input_error(path, label, "a string tensor cannot hold raw data");
    if (tensor.raw_data().size() != size.bytes)
      throw input_error(path, label,
                        declaration(tensor, size) + ", but its raw data is " +
                            std::to_string(tensor.raw_data().size()) + " bytes");
    return;
  }
  const TypedField field = typed_field(tensor);
  // values_per_element is 1 or 2, and elements * 2 cannot overflow: the declared bytes of a complex tensor
  // (8 or 16 per element) did not.
  const std::uint64_t expected = size.elements * field.values_per_element;
  if (static_cast<std::uint64_t>(field.values_size) == expected) return;
  if (field.values_size == 0)
    throw input_error(path, label, declaration(tensor, size) + ", but the file holds no data for it");
  throw input_error(path, label,
                    declaration(tensor, size) + ", but it has " + std::to_string(field.values_size) + " " +
                        field.name + " values");
}

fs::path external_data_path(const std::string& path, const std::string& label, const fs::path& model_dir,
                            const std::string& location) {
  const std::string named = "external data location " + quoted(location);
  if (location.empty()) throw input_error(path, label, "external data has no location");
  if (location.find('\0') != std::string::npos) throw input_error(path, label, named + " is not a file name");
  const fs::path relative(location);
  bool escapes = relative.has_root_path();
  for (const auto& part : relative) escapes = escapes || part == "..";
  if (escapes) throw input_error(path, label, named + " is outside the model's folder");

  const fs::path dir = model_dir.empty() ? fs::path(".") : model_dir;
  const fs::path data_path = dir / relative;
  std::error_code error;
  const fs::file_status status = fs::status(data_path, error);  // follows symbolic links
  if (!fs::exists(status)) throw input_error(path, label, named + " does not exist in the model's folder");
  const fs::path real_path = fs::canonical(data_path, error);
  std::error_code dir_error;
  const fs::path real_dir = fs::canonical(dir, dir_error);
  if (error || dir_error)
    throw input_error(path, label, named + " cannot be resolved: " + (error ? error : dir_error).message());
  if (!is_inside(real_path, real_dir))
    throw input_error(path, label,
                      named + " resolves to " + quoted(real_path.string()) + ", outside the model's folder");
  if (!fs::is_regular_file(status)) throw input_error(path, label, named + " is not a regular file");
  return real_path;
}

}  // namespace servesim::models
