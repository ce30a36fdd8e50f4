// Fingerprints of sweep points (cli/point_fingerprint.hpp).
#include "cli/point_fingerprint.hpp"

#include <filesystem>
#include <vector>

#include "core/input_error.hpp"
#include "reports/sha256.hpp"
#include "sim/scenario.hpp"

namespace servesim::cli {
namespace fs = std::filesystem;

namespace {

// The files a scenario reads, resolved as its readers resolve them; none when it is invalid (the point then
// fails the same way whatever the files hold).
std::vector<std::string> input_files(const app::Sweep& sweep, const nlohmann::json& doc) {
  std::vector<std::string> files;
  std::string base_dir = fs::path(sweep.base_path).parent_path().string();
  if (base_dir.empty()) base_dir = ".";
  try {
    const sim::Scenario sc = sim::parse_scenario(doc, sweep.base_path, base_dir);
    using Kind = sim::WorkloadSpec::Kind;
    if (sc.workload.kind == Kind::rate_trace || sc.workload.kind == Kind::request_trace)
      files.push_back(sc.workload.path);
    if (sc.model.is_object())
      for (const char* key : {"onnx", "profile", "gpu_profile"})
        if (sc.model.contains(key) && sc.model[key].is_string()) {
          fs::path path = sc.model[key].get<std::string>();
          if (path.is_relative()) path = fs::path(base_dir) / path;
          files.push_back(path.lexically_normal().string());
        }
  } catch (const InputError&) {
  }
  return files;
}

}  // namespace

const std::string& PointFingerprints::file_hash(const std::string& path) {
  auto it = file_hashes_.find(path);
  if (it != file_hashes_.end()) return it->second;
  std::string hash;
  try {
    hash = reports::sha256_file_hex(path);
  } catch (const InputError&) {
    hash = "unreadable";  // the point reports the file itself
  }
  return file_hashes_.emplace(path, hash).first->second;
}

std::string PointFingerprints::of(const app::Sweep& sweep, const nlohmann::json& patched_scenario) {
  std::string text = patched_scenario.dump();
  for (const std::string& path : input_files(sweep, patched_scenario))
    text += "\n" + path + " " + file_hash(path);
  return reports::sha256_hex(text);
}

}  // namespace servesim::cli
