#include "models/model_inspector.hpp"

#include <cstdio>
#include <sstream>
#include <unordered_set>

#include "models/flop_counter.hpp"
#include "models/onnx_file.hpp"

namespace servesim::models {
namespace {

TensorInfo tensor_info(const onnx::ValueInfoProto& value) {
  TensorInfo info{value.name(), element_type_name(value.type().tensor_type().elem_type()), {}};
  for (const auto& dim : value.type().tensor_type().shape().dim())
    info.dims.push_back(dim.has_dim_value() ? std::to_string(dim.dim_value())
                                            : (dim.dim_param().empty() ? "?" : dim.dim_param()));
  return info;
}

std::string human_bytes(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int unit = 0;
  while (bytes >= 1024 && unit < 4) bytes /= 1024, ++unit;
  char text[32];
  std::snprintf(text, sizeof text, unit ? "%.2f %s" : "%.0f %s", bytes, units[unit]);
  return text;
}

std::string shape_text(const TensorInfo& t) {
  std::string text = t.name + " " + t.elem_type + "[";
  for (std::size_t i = 0; i < t.dims.size(); ++i) text += (i ? "," : "") + t.dims[i];
  return text + "]";
}

}  // namespace

ModelInfo inspect_model(const std::string& path) {
  const OnnxFile file = read_onnx(path, ExternalData::kCheck);
  const auto& model = file.model;
  ModelInfo info;
  info.path = path;
  info.file_bytes = file.file_bytes;
  info.external_data_bytes = file.external_data_bytes;
  info.ir_version = model.ir_version();
  info.producer =
      model.producer_name() + (model.producer_version().empty() ? "" : " " + model.producer_version());
  for (const auto& opset : model.opset_import()) info.opsets[opset.domain()] = opset.version();
  std::unordered_set<std::string> initializer_names;
  for (const auto& init : model.graph().initializer()) {
    initializer_names.insert(init.name());
    const std::uint64_t count = element_count(init);
    info.parameter_count += count;
    const std::uint64_t bytes = count * element_bytes(init.data_type());
    info.initializer_bytes += bytes;
    info.initializer_bytes_by_type[element_type_name(init.data_type())] += bytes;
  }
  for (const auto& input : model.graph().input())
    if (!initializer_names.count(input.name())) info.inputs.push_back(tensor_info(input));
  for (const auto& output : model.graph().output()) info.outputs.push_back(tensor_info(output));
  for (const auto& node : model.graph().node()) {
    const bool standard = node.domain().empty() || node.domain() == "ai.onnx";
    ++info.operator_counts[standard ? node.op_type() : node.domain() + ":" + node.op_type()];
    ++info.node_count;
  }
  const FlopCount flops = count_flops(model, 1);
  info.flops_per_inference = flops.flops;
  info.flops_by_operator = flops.by_operator;
  info.uncounted_nodes = flops.uncounted_nodes;
  return info;
}

nlohmann::json to_json(const ModelInfo& info) {
  auto tensors = [](const std::vector<TensorInfo>& list) {
    nlohmann::json array = nlohmann::json::array();
    for (const auto& t : list)
      array.push_back({{"name", t.name}, {"elem_type", t.elem_type}, {"dims", t.dims}});
    return array;
  };
  nlohmann::json opsets = nlohmann::json::object();
  for (const auto& [domain, version] : info.opsets) opsets[domain.empty() ? "ai.onnx" : domain] = version;
  return {{"path", info.path},
          {"file_bytes", info.file_bytes},
          {"external_data_bytes", info.external_data_bytes},
          {"ir_version", info.ir_version},
          {"producer", info.producer},
          {"opsets", opsets},
          {"parameter_count", info.parameter_count},
          {"initializer_bytes", info.initializer_bytes},
          {"initializer_bytes_by_type", info.initializer_bytes_by_type},
          {"inputs", tensors(info.inputs)},
          {"outputs", tensors(info.outputs)},
          {"node_count", info.node_count},
          {"operator_counts", info.operator_counts},
          {"flops_per_inference", info.flops_per_inference},
          {"flops_by_operator", info.flops_by_operator},
          {"flops_convention", "2 x multiply-accumulates of Conv/ConvTranspose/Gemm/MatMul at batch 1"},
          {"uncounted_nodes", info.uncounted_nodes}};
}

std::string to_text(const ModelInfo& info) {
  std::ostringstream out;
  out << info.path << "\n";
  out << "  file size          " << human_bytes(static_cast<double>(info.file_bytes)) << " ("
      << info.file_bytes << " bytes)\n";
  if (info.external_data_bytes)
    out << "  external data      " << human_bytes(static_cast<double>(info.external_data_bytes)) << " ("
        << info.external_data_bytes << " bytes)\n";
  out << "  IR version         " << info.ir_version
      << (info.producer.empty() ? "" : ", produced by " + info.producer) << "\n  opsets            ";
  for (const auto& [domain, version] : info.opsets)
    out << " " << (domain.empty() ? "ai.onnx" : domain) << "=" << version;
  out << "\n  parameters         " << info.parameter_count << "\n  initializer bytes  "
      << human_bytes(static_cast<double>(info.initializer_bytes)) << " (";
  bool first = true;
  for (const auto& [type, bytes] : info.initializer_bytes_by_type)
    out << (first ? "" : ", ") << type << " " << bytes, first = false;
  out << ")\n  inputs\n";
  for (const auto& t : info.inputs) out << "    " << shape_text(t) << "\n";
  out << "  outputs\n";
  for (const auto& t : info.outputs) out << "    " << shape_text(t) << "\n";
  char flops[64];
  std::snprintf(flops, sizeof flops, "%.4g", info.flops_per_inference);
  out << "  FLOPs/inference    " << flops << " at batch 1 (2 x MACs of Conv/Gemm/MatMul)";
  if (info.uncounted_nodes) out << "; " << info.uncounted_nodes << " nodes with unknown shapes not counted";
  out << "\n  operators (" << info.node_count << " nodes)\n";
  for (const auto& [op, count] : info.operator_counts) out << "    " << op << " " << count << "\n";
  return out.str();
}

}  // namespace servesim::models
