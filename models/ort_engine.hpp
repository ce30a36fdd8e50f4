#pragma once
// ONNX Runtime (CPU execution provider) through the Node.js bridge in models/ort_bridge/ (onnxruntime-node
// from npm), run as a subprocess that speaks JSON lines. The bridge directory is SERVESIM_ORT_BRIDGE_DIR,
// else an installed tree's share/servesim/ort_bridge when its npm package is there, else the source tree's
// models/ort_bridge; node is SERVESIM_NODE or `node` on PATH.
#include <memory>
#include <set>

#include "models/child_process.hpp"
#include "models/inference_engine.hpp"

namespace servesim::models {

class OrtEngine : public InferenceEngine {
 public:
  OrtEngine();  // starts the bridge; throws std::runtime_error if it does not answer
  // What stops the ORT engine from working ("node not found on PATH", ...), or "" when all is present.
  static std::string missing_piece();
  static std::string bridge_dir();

  std::string name() const override { return "onnxruntime"; }
  std::string version() const override { return version_; }
  double load(const std::string& model_path, const LoadOptions& options) override;
  RunTimes run(const RunRequest& request) override;
  double peak_rss_mb() override;

 private:
  std::string request(const std::string& json_line, double timeout_s);
  std::unique_ptr<ChildProcess> bridge_;
  std::string version_;
  std::string model_path_;
  std::set<std::string> operator_types_;
};

}  // namespace servesim::models
