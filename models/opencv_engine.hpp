#pragma once
// OpenCV's DNN module (CPU backend), in-process: the fallback engine. Integer inputs are fed as float
// blobs, as OpenCV's ONNX importer expects. Peak RSS is this process's high-water mark, reset when the
// engine is created (Linux /proc/self/clear_refs).
#include <memory>
#include <set>

#include "models/inference_engine.hpp"

namespace servesim::models {

class OpenCvEngine : public InferenceEngine {
 public:
  OpenCvEngine();
  ~OpenCvEngine() override;
  std::string name() const override { return "opencv-dnn"; }
  std::string version() const override;
  double load(const std::string& model_path, const LoadOptions& options) override;
  RunTimes run(const RunRequest& request) override;
  double peak_rss_mb() override;

 private:
  struct Net;
  std::unique_ptr<Net> net_;
  std::string model_path_;
  std::set<std::string> operator_types_;
};

}  // namespace servesim::models
