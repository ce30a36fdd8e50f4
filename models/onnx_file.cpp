#include "models/onnx_file.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <unordered_set>

#include "sim/atomic_file.hpp"
#include "sim/input_error.hpp"
#include "sim/input_file.hpp"

namespace servesim::models {
namespace fs = std::filesystem;

namespace {

std::string read_all(const std::string& path) {
  const auto stream = open_input(path, "the file");  // refuses FIFOs, directories, NUL bytes
  std::istream& in = *stream;
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return bytes;
}

std::string external_field(const onnx::TensorProto& tensor, const std::string& key) {
  for (const auto& entry : tensor.external_data())
    if (entry.key() == key) return entry.value();
  return "";
}

// Every node input must be a graph input, an initializer or an earlier node's output; a truncated file that
// still parses as protobuf fails here.
void check_structure(const std::string& path, const onnx::ModelProto& model) {
  if (model.ir_version() <= 0 || !model.has_graph() || model.opset_import_size() == 0 ||
      model.graph().output_size() == 0)
    throw input_error(path, "", "not an ONNX model (no IR version, opset or graph outputs)");
  const auto& graph = model.graph();
  std::unordered_set<std::string> known;
  for (const auto& input : graph.input()) known.insert(input.name());
  for (const auto& init : graph.initializer()) known.insert(init.name());
  for (const auto& node : graph.node()) {
    for (const auto& name : node.input())
      if (!name.empty() && !known.count(name))
        throw input_error(path, "",
                          "truncated or corrupt ONNX model: input '" + name + "' of node '" + node.name() +
                              "' (" + node.op_type() + ") is never produced");
    for (const auto& name : node.output()) known.insert(name);
  }
  for (const auto& output : graph.output())
    if (!known.count(output.name()))
      throw input_error(
          path, "",
          "truncated or corrupt ONNX model: graph output '" + output.name() + "' is never produced");
}

}  // namespace

OnnxFile read_onnx(const std::string& path, ExternalData mode) {
  OnnxFile file;
  file.path = path;
  if (!fs::is_regular_file(path)) throw input_error(path, "", "no such ONNX file");
  const std::string bytes = read_all(path);
  file.file_bytes = bytes.size();
  if (!file.model.ParseFromString(bytes))
    throw input_error(path, "",
                      "not an ONNX model (protobuf parsing failed: the file is truncated or not ONNX)");
  check_structure(path, file.model);

  const fs::path dir = fs::path(path).parent_path();
  for (auto& tensor : *file.model.mutable_graph()->mutable_initializer()) {
    if (tensor.data_location() != onnx::TensorProto::EXTERNAL) continue;
    const std::string location = external_field(tensor, "location");
    const fs::path data_path = dir / location;
    if (location.empty() || !fs::is_regular_file(data_path))
      throw input_error(path, "",
                        "initializer '" + tensor.name() + "' is stored in external-data file '" +
                            data_path.string() + "', which does not exist");
    const std::uint64_t data_bytes = fs::file_size(data_path);
    const std::string offset_text = external_field(tensor, "offset");
    const std::string length_text = external_field(tensor, "length");
    // The offsets are text in the protobuf: a value that is not a plain decimal is bad input, not a crash.
    auto parse_bytes = [&](const std::string& text, const char* field) -> std::uint64_t {
      const bool digits = !text.empty() && text.size() <= 19 &&
                          std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
      if (!digits)
        throw input_error(path, "",
                          "initializer '" + tensor.name() + "': external-data " + field +
                              " must be a whole number of bytes, got '" + text.substr(0, 40) + "'");
      return std::stoull(text);
    };
    const std::uint64_t offset = offset_text.empty() ? 0 : parse_bytes(offset_text, "offset");
    const std::uint64_t length =
        length_text.empty() ? data_bytes - std::min(offset, data_bytes) : parse_bytes(length_text, "length");
    if (offset > data_bytes || length > data_bytes - offset)
      throw input_error(path, "",
                        "external-data file '" + data_path.string() + "' has " + std::to_string(data_bytes) +
                            " bytes, but initializer '" + tensor.name() + "' needs bytes up to " +
                            std::to_string(offset + length));
    file.external_data_bytes += length;
    if (mode == ExternalData::kLoad) {
      std::ifstream in(data_path, std::ios::binary);
      std::string raw(length, '\0');
      in.seekg(static_cast<std::streamoff>(offset));
      in.read(raw.data(), static_cast<std::streamsize>(length));
      tensor.set_raw_data(std::move(raw));
      tensor.clear_external_data();
      tensor.set_data_location(onnx::TensorProto::DEFAULT);
    }
  }
  return file;
}

std::uint64_t write_onnx(onnx::ModelProto& model, const std::string& path, const WriteOptions& options) {
  std::uint64_t initializer_bytes = 0;
  for (const auto& tensor : model.graph().initializer()) initializer_bytes += tensor.raw_data().size();
  const fs::path data_path = fs::path(path).string() + ".data";
  std::uint64_t written = 0;
  // Both files are written under temporary names and renamed when complete (data first, then the model).
  const std::string data_tmp = sim::temporary_path(data_path.string());
  bool has_data = false;
  if (initializer_bytes > options.external_above_bytes) {
    has_data = true;
    std::ofstream data(data_tmp, std::ios::binary | std::ios::trunc);
    if (!data) throw input_error(data_path.string(), "", "cannot write the external-data file");
    for (auto& tensor : *model.mutable_graph()->mutable_initializer()) {
      if (tensor.raw_data().size() < 1024) continue;
      const std::uint64_t length = tensor.raw_data().size();
      data.write(tensor.raw_data().data(), static_cast<std::streamsize>(length));
      tensor.clear_raw_data();
      tensor.set_data_location(onnx::TensorProto::EXTERNAL);
      tensor.clear_external_data();
      auto add = [&](const std::string& key, const std::string& value) {
        auto* entry = tensor.add_external_data();
        entry->set_key(key);
        entry->set_value(value);
      };
      add("location", data_path.filename().string());
      add("offset", std::to_string(written));
      add("length", std::to_string(length));
      written += length;
    }
    if (!data.flush()) throw input_error(data_path.string(), "", "writing the external-data file failed");
  } else {
    std::error_code ignored;
    fs::remove(data_path, ignored);  // a stale one from an earlier, larger model
  }
  const std::string tmp = sim::temporary_path(path);
  std::uint64_t model_bytes = 0;
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw input_error(path, "", "cannot write the ONNX file");
    if (!model.SerializeToOstream(&out) || !out.flush())
      throw input_error(path, "", "serialising the ONNX model failed");
    model_bytes = static_cast<std::uint64_t>(out.tellp());
  }
  if (has_data) sim::commit_file(data_tmp, data_path.string());
  sim::commit_file(tmp, path);
  return written + model_bytes;
}

std::uint64_t element_bytes(std::int32_t elem_type) {
  using T = onnx::TensorProto;
  switch (elem_type) {
    case T::FLOAT:
    case T::INT32:
    case T::UINT32:
      return 4;
    case T::DOUBLE:
    case T::INT64:
    case T::UINT64:
    case T::COMPLEX64:
      return 8;
    case T::FLOAT16:
    case T::BFLOAT16:
    case T::INT16:
    case T::UINT16:
      return 2;
    case T::INT8:
    case T::UINT8:
    case T::BOOL:
      return 1;
    case T::COMPLEX128:
      return 16;
    default:
      return 0;
  }
}

std::string element_type_name(std::int32_t elem_type) {
  using T = onnx::TensorProto;
  switch (elem_type) {
    case T::FLOAT:
      return "float32";
    case T::DOUBLE:
      return "float64";
    case T::FLOAT16:
      return "float16";
    case T::BFLOAT16:
      return "bfloat16";
    case T::INT8:
      return "int8";
    case T::UINT8:
      return "uint8";
    case T::INT16:
      return "int16";
    case T::UINT16:
      return "uint16";
    case T::INT32:
      return "int32";
    case T::UINT32:
      return "uint32";
    case T::INT64:
      return "int64";
    case T::UINT64:
      return "uint64";
    case T::BOOL:
      return "bool";
    case T::STRING:
      return "string";
    case T::COMPLEX64:
      return "complex64";
    case T::COMPLEX128:
      return "complex128";
    default:
      return "undefined";
  }
}

std::uint64_t element_count(const onnx::TensorProto& tensor) {
  std::uint64_t count = 1;
  for (const auto dim : tensor.dims()) count *= static_cast<std::uint64_t>(std::max<std::int64_t>(dim, 0));
  return count;
}

std::set<std::string> operator_types(const onnx::ModelProto& model) {
  std::set<std::string> types;
  for (const auto& node : model.graph().node())
    types.insert(node.domain().empty() || node.domain() == "ai.onnx" ? node.op_type()
                                                                     : node.domain() + ":" + node.op_type());
  return types;
}

}  // namespace servesim::models
