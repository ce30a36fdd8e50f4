#include "models/ort_engine.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/input_error.hpp"
#include "core/install_layout.hpp"
#include "models/onnx_file.hpp"

namespace servesim::models {
namespace fs = std::filesystem;
namespace {

constexpr double kTimeoutS = 900;  // a load or a batch of runs of a multi-GB model can take minutes

std::string first_line(const std::string& text) {
  return text.substr(0, text.find('\n'));
}

std::string node_program() {
  const char* env = std::getenv("SERVESIM_NODE");
  return env && *env ? env : "node";
}

bool on_path(const std::string& program) {
  if (program.find('/') != std::string::npos) return access(program.c_str(), X_OK) == 0;
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    const std::size_t end = std::min(dirs.find(':', start), dirs.size());
    const fs::path candidate = fs::path(dirs.substr(start, end - start)) / program;
    if (access(candidate.c_str(), X_OK) == 0) return true;
    start = end + 1;
  }
  return false;
}

nlohmann::json parse_reply(const std::string& line) {
  try {
    return nlohmann::json::parse(line);
  } catch (const std::exception&) {
    throw std::runtime_error("the ONNX Runtime bridge answered something that is not JSON: " +
                             line.substr(0, 200));
  }
}

}  // namespace

std::string OrtEngine::bridge_dir() {
  const char* env = std::getenv("SERVESIM_ORT_BRIDGE_DIR");
  if (env && *env) return env;
  // An installed tree's share/servesim/ort_bridge once its npm package is installed there (docs/install.md),
  // else the source tree's, else the installed one (whose missing package missing_piece() then names).
  const std::string share = core::installed_data_dir();
  const auto has_package = [](const std::string& dir) {
    return fs::exists(fs::path(dir) / "node_modules" / "onnxruntime-node" / "package.json");
  };
  if (!share.empty() && has_package(share + "/ort_bridge")) return share + "/ort_bridge";
  if (share.empty() || has_package(SERVESIM_ORT_BRIDGE_DIR)) return SERVESIM_ORT_BRIDGE_DIR;
  return share + "/ort_bridge";
}

std::string OrtEngine::missing_piece() {
  const std::string dir = bridge_dir();
  if (!on_path(node_program()))
    return "Node.js ('" + node_program() + "') not found on PATH (apt-get install nodejs)";
  if (!fs::exists(fs::path(dir) / "bridge.js")) return "the bridge script " + dir + "/bridge.js is missing";
  if (!fs::exists(fs::path(dir) / "node_modules" / "onnxruntime-node" / "package.json"))
    return "the npm package onnxruntime-node is not installed in " + dir + " (cd " + dir +
           " && ONNXRUNTIME_NODE_INSTALL=skip npm ci)";
  return "";
}

OrtEngine::OrtEngine() {
  const std::string dir = bridge_dir();
  const std::string log =
      (fs::temp_directory_path() / ("servesim-ort-bridge-" + std::to_string(getpid()) + ".log")).string();
  bridge_ = std::make_unique<ChildProcess>(std::vector<std::string>{node_program(), dir + "/bridge.js"}, log);
  const auto reply = parse_reply(request(R"({"op":"hello"})", 60));
  if (!reply.value("ok", false)) throw std::runtime_error(reply.value("error", "bridge hello failed"));
  version_ = reply.value("version", "unknown");
}

std::string OrtEngine::request(const std::string& json_line, double timeout_s) {
  bridge_->write_line(json_line);
  return bridge_->read_line(timeout_s);
}

double OrtEngine::load(const std::string& model_path, const LoadOptions& options) {
  model_path_ = model_path;
  operator_types_ = operator_types(read_onnx(model_path).model);
  nlohmann::json req{{"op", "load"},
                     {"model", fs::absolute(model_path).string()},
                     {"intra_threads", options.intra_threads},
                     {"inter_threads", 1},
                     {"optimization", options.optimize ? "all" : "disabled"}};
  if (!options.save_optimized_path.empty()) req["optimized_model_path"] = options.save_optimized_path;
  if (options.provider != "cpu") req["provider"] = options.provider;
  const auto reply = parse_reply(request(req.dump(), kTimeoutS));
  if (!reply.value("ok", false) && options.provider != "cpu")
    throw InputError("--provider " + options.provider + ": ONNX Runtime " + version_ +
                     " could not create a " + options.provider + " session (" +
                     first_line(reply.value("error", "unknown error")) +
                     "); onnxruntime-node ships its CUDA and TensorRT providers separately: install them "
                     "with `cd models/ort_bridge && ONNXRUNTIME_NODE_INSTALL=cuda12 npm ci` (downloads from "
                     "NuGet; this project's set-up skips them) on a machine with the NVIDIA driver, CUDA 12 "
                     "and cuDNN 9");
  if (!reply.value("ok", false))
    throw_engine_failure(model_path, "onnxruntime " + version_, operator_types_,
                         reply.value("error", "unknown error"));
  return reply.at("load_s").get<double>();
}

RunTimes OrtEngine::run(const RunRequest& request_in) {
  check_input_sizes(model_path_, request_in.inputs);
  nlohmann::json inputs = nlohmann::json::array();
  for (const auto& spec : request_in.inputs) {
    inputs.push_back({{"name", spec.name},
                      {"elem_type", spec.elem_type},
                      {"dims", spec.dims},
                      {"int_high", spec.int_high},
                      {"seed", spec.seed}});
    if (!spec.values.empty()) inputs.back()["values"] = spec.values;
  }
  const nlohmann::json req{{"op", "run"},
                           {"inputs", inputs},
                           {"warmup", request_in.warmup},
                           {"min_reps", request_in.min_reps},
                           {"max_reps", request_in.max_reps},
                           {"max_s", request_in.max_s},
                           {"return_values", request_in.return_values},
                           {"return_ranges", request_in.return_ranges}};
  const auto reply = parse_reply(request(req.dump(), kTimeoutS));
  if (!reply.value("ok", false))
    throw_engine_failure(model_path_, "onnxruntime " + version_, operator_types_,
                         reply.value("error", "unknown error"));
  RunTimes result;
  result.times_s = reply.at("times_s").get<std::vector<double>>();
  for (const auto& out : reply.at("outputs")) {
    OutputTensor tensor{
        out.at("name").get<std::string>(), out.at("dims").get<std::vector<std::int64_t>>(), {}};
    if (out.contains("values")) tensor.values = out.at("values").get<std::vector<float>>();
    if (out.contains("min")) {
      tensor.min_value = out.at("min").get<float>();
      tensor.max_value = out.at("max").get<float>();
    }
    result.outputs.push_back(std::move(tensor));
  }
  return result;
}

double OrtEngine::peak_rss_mb() {
  const auto reply = parse_reply(request(R"({"op":"rss"})", 60));
  return reply.value("peak_rss_mb", 0.0);
}

}  // namespace servesim::models
