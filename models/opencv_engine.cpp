#include "models/opencv_engine.hpp"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <opencv2/core/utility.hpp>
#include <opencv2/core/utils/logger.hpp>
#include <opencv2/dnn.hpp>

#include "models/onnx_file.hpp"

namespace servesim::models {
namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

struct OpenCvEngine::Net {
  cv::dnn::Net net;
  std::vector<std::string> outputs;
};

OpenCvEngine::OpenCvEngine() : net_(std::make_unique<Net>()) {
  cv::utils::logging::setLogLevel(
      cv::utils::logging::LOG_LEVEL_SILENT);  // errors reach the user as InputError
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";  // resets VmHWM, the peak RSS, so that it counts from here
}

OpenCvEngine::~OpenCvEngine() = default;

std::string OpenCvEngine::version() const {
  return CV_VERSION;
}

double OpenCvEngine::load(const std::string& model_path, const LoadOptions& options) {
  model_path_ = model_path;
  operator_types_ = operator_types(read_onnx(model_path).model);
  cv::setNumThreads(options.intra_threads);
  const auto start = Clock::now();
  try {
    net_->net = cv::dnn::readNetFromONNX(model_path);
    net_->net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    net_->net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
  } catch (const cv::Exception& e) {
    throw_engine_failure(model_path, "opencv-dnn " + version(), operator_types_, e.what());
  }
  const double load_s = since(start);
  net_->outputs = net_->net.getUnconnectedOutLayersNames();
  return load_s;
}

RunTimes OpenCvEngine::run(const RunRequest& request) {
  check_input_sizes(model_path_, request.inputs);
  RunTimes result;
  std::vector<cv::Mat> outs;
  try {
    for (const auto& spec : request.inputs) {
      const std::vector<float> values = input_values(spec);
      std::vector<int> dims(spec.dims.begin(), spec.dims.end());
      cv::Mat blob(static_cast<int>(dims.size()), dims.data(), CV_32F);
      std::copy(values.begin(), values.end(), blob.ptr<float>());
      net_->net.setInput(blob, spec.name);
    }
    for (int i = 0; i < request.warmup; ++i) net_->net.forward(outs, net_->outputs);
    const auto begin = Clock::now();
    const int max_reps = std::max(request.min_reps, request.max_reps);
    while (static_cast<int>(result.times_s.size()) < max_reps) {
      const auto start = Clock::now();
      net_->net.forward(outs, net_->outputs);
      result.times_s.push_back(since(start));
      if (static_cast<int>(result.times_s.size()) >= request.min_reps && request.max_s > 0 &&
          since(begin) >= request.max_s)
        break;
    }
  } catch (const cv::Exception& e) {
    throw_engine_failure(model_path_, "opencv-dnn " + version(), operator_types_, e.what());
  }
  for (std::size_t i = 0; i < outs.size(); ++i) {
    OutputTensor tensor;
    tensor.name = i < net_->outputs.size() ? net_->outputs[i] : "output" + std::to_string(i);
    for (int d = 0; d < outs[i].dims; ++d) tensor.dims.push_back(outs[i].size[d]);
    if (request.return_values || request.return_ranges) {
      cv::Mat flat;
      outs[i].convertTo(flat, CV_32F);
      const float* begin = flat.ptr<float>();
      const float* end = begin + flat.total();
      if (request.return_values) tensor.values.assign(begin, end);
      if (request.return_ranges && begin != end) {
        tensor.min_value = *std::min_element(begin, end);
        tensor.max_value = *std::max_element(begin, end);
      }
    }
    result.outputs.push_back(std::move(tensor));
  }
  return result;
}

double OpenCvEngine::peak_rss_mb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;  // kB
  return 0;
}

}  // namespace servesim::models
