#include "models/onnx_file.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <unordered_set>

#include "core/atomic_file.hpp"
#include "core/input_error.hpp"
#include "core/input_file.hpp"
#include "models/host_info.hpp"
#include "models/onnx_tensor_checks.hpp"

namespace servesim::models {
namespace fs = std::filesystem;

namespace {

std::string read_all(const std::string& path) {
  const auto stream = core::open_input(path, "the file");  // refuses FIFOs, directories, NUL bytes
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

struct ExternalRange {
  fs::path file;
  std::uint64_t offset_bytes = 0;
  std::uint64_t length_bytes = 0;
};

// Where a tensor's external data lies: a file inside the model's folder and a byte range that fits in it and
// holds exactly the bytes the tensor declares.
ExternalRange external_range(const std::string& path, const std::string& label, const fs::path& dir,
                             const onnx::TensorProto& tensor, const DeclaredSize& size) {
  if (tensor.data_type() == onnx::TensorProto::STRING)
    throw input_error(path, label, "a string tensor cannot be stored as external data");
  ExternalRange range;
  const std::string location = external_field(tensor, "location");
  range.file = external_data_path(path, label, dir, location);
  const std::uint64_t file_bytes = fs::file_size(range.file);
  // The offsets are text in the protobuf: a value that is not a plain decimal is bad input, not a crash.
  auto parse_bytes = [&](const std::string& text, const char* field) -> std::uint64_t {
    const bool digits = !text.empty() && text.size() <= 19 &&
                        std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!digits)
      throw input_error(
          path, label,
          std::string("external data ") + field + " must be a whole number of bytes, got " + quoted(text));
    return std::stoull(text);
  };
  const std::string offset_text = external_field(tensor, "offset");
  const std::string length_text = external_field(tensor, "length");
  range.offset_bytes = offset_text.empty() ? 0 : parse_bytes(offset_text, "offset");
  range.length_bytes = length_text.empty() ? file_bytes - std::min(range.offset_bytes, file_bytes)
                                           : parse_bytes(length_text, "length");
  if (range.offset_bytes > file_bytes || range.length_bytes > file_bytes - range.offset_bytes)
    throw input_error(path, label,
                      "external data offset " + std::to_string(range.offset_bytes) + " + length " +
                          std::to_string(range.length_bytes) + " pass the end of " + quoted(location) + " (" +
                          std::to_string(file_bytes) + " bytes)");
  if (range.length_bytes != size.bytes)
    throw input_error(path, label,
                      "dims " + dims_text(dims_of(tensor)) + " declare " + std::to_string(size.bytes) +
                          " bytes of " + element_type_name(tensor.data_type()) +
                          ", but its external data is " + std::to_string(range.length_bytes) + " bytes");
  return range;
}

std::string read_range(const std::string& path, const std::string& label, const ExternalRange& range) {
  std::ifstream in(range.file, std::ios::binary);
  std::string bytes(range.length_bytes, '\0');
  in.seekg(static_cast<std::streamoff>(range.offset_bytes));
  in.read(bytes.data(), static_cast<std::streamsize>(range.length_bytes));
  if (static_cast<std::uint64_t>(in.gcount()) != range.length_bytes)
    throw input_error(path, label, "reading its external data failed");
  return bytes;
}

using TensorVisitor = std::function<void(onnx::TensorProto&, const std::string& label, bool is_initializer)>;

// Every tensor stored in the graph: initializers (is_initializer only in the main graph, whose initializers
// the readers use), sparse initializers' values and indices, and tensor attributes of nodes, in subgraphs
// too. An engine reads all of them.
void for_each_tensor(onnx::GraphProto& graph, bool is_main_graph, const TensorVisitor& visit) {
  for (auto& tensor : *graph.mutable_initializer())
    visit(tensor, tensor_label("initializer", tensor.name()), is_main_graph);
  for (auto& sparse : *graph.mutable_sparse_initializer()) {
    const std::string name = sparse.values().name();
    visit(*sparse.mutable_values(), tensor_label("sparse initializer", name) + " values", false);
    visit(*sparse.mutable_indices(), tensor_label("sparse initializer", name) + " indices", false);
  }
  for (auto& node : *graph.mutable_node())
    for (auto& attribute : *node.mutable_attribute()) {
      const std::string label = tensor_label("node", node.name()) + " (" + excerpt(node.op_type()) +
                                ") attribute " + quoted(attribute.name());
      if (attribute.has_t()) visit(*attribute.mutable_t(), label, false);
      for (auto& tensor : *attribute.mutable_tensors()) visit(tensor, label, false);
      if (attribute.has_sparse_tensor()) {
        visit(*attribute.mutable_sparse_tensor()->mutable_values(), label + " values", false);
        visit(*attribute.mutable_sparse_tensor()->mutable_indices(), label + " indices", false);
      }
      for (auto& sparse_tensor : *attribute.mutable_sparse_tensors()) {
        visit(*sparse_tensor.mutable_values(), label + " values", false);
        visit(*sparse_tensor.mutable_indices(), label + " indices", false);
      }
      if (attribute.has_g()) for_each_tensor(*attribute.mutable_g(), false, visit);
      for (auto& subgraph : *attribute.mutable_graphs()) for_each_tensor(subgraph, false, visit);
    }
}

}  // namespace

OnnxFile read_onnx(const std::string& path, ExternalData mode, std::uint64_t load_budget_bytes) {
  OnnxFile file;
  file.path = path;
  if (!fs::is_regular_file(path)) throw input_error(path, "", "no such ONNX file");
  const std::string bytes = read_all(path);
  file.file_bytes = bytes.size();
  if (!file.model.ParseFromString(bytes))
    throw input_error(path, "",
                      "not an ONNX model (protobuf parsing failed: the file is truncated or not ONNX)");
  check_structure(path, file.model);

  // Every tensor's declared size is checked against the data the file (or its external data) holds, before
  // anything reads it: a tensor that claims 100 GiB and holds 4 bytes is refused here, not by an allocation.
  const fs::path dir = fs::path(path).parent_path();
  if (load_budget_bytes == 0) load_budget_bytes = physical_memory_bytes() / 2;
  if (load_budget_bytes == 0) load_budget_bytes = UINT64_MAX;  // the machine's memory is unknown
  std::uint64_t loaded_bytes = 0;
  auto check = [&](onnx::TensorProto& tensor, const std::string& label, bool is_initializer) {
    const DeclaredSize size = declared_size(path, label, tensor);
    if (tensor.data_location() != onnx::TensorProto::EXTERNAL)
      return check_inline_data(path, label, tensor, size);
    const ExternalRange range = external_range(path, label, dir, tensor, size);
    if (!is_initializer) return;
    file.external_data_bytes += range.length_bytes;
    if (mode != ExternalData::kLoad) return;
    if (range.length_bytes > load_budget_bytes - std::min(loaded_bytes, load_budget_bytes))
      throw input_error(path, label,
                        "its " + std::to_string(range.length_bytes) +
                            " bytes of external data would bring the weights loaded to " +
                            std::to_string(loaded_bytes + range.length_bytes) +
                            " bytes, above the memory budget of " + std::to_string(load_budget_bytes) +
                            " bytes");
    loaded_bytes += range.length_bytes;
    tensor.set_raw_data(read_range(path, label, range));
    tensor.clear_external_data();
    tensor.set_data_location(onnx::TensorProto::DEFAULT);
  };
  for_each_tensor(*file.model.mutable_graph(), true, check);
  return file;
}

std::uint64_t write_onnx(onnx::ModelProto& model, const std::string& path, const WriteOptions& options) {
  std::uint64_t initializer_bytes = 0;
  for (const auto& tensor : model.graph().initializer()) initializer_bytes += tensor.raw_data().size();
  const fs::path data_path = fs::path(path).string() + ".data";
  std::uint64_t written = 0;
  // Both files are written under temporary names and renamed when complete (data first, then the model).
  const std::string data_tmp = core::temporary_path(data_path.string());
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
  const std::string tmp = core::temporary_path(path);
  std::uint64_t model_bytes = 0;
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw input_error(path, "", "cannot write the ONNX file");
    if (!model.SerializeToOstream(&out) || !out.flush())
      throw input_error(path, "", "serialising the ONNX model failed");
    model_bytes = static_cast<std::uint64_t>(out.tellp());
  }
  if (has_data) core::commit_file(data_tmp, data_path.string());
  core::commit_file(tmp, path);
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
