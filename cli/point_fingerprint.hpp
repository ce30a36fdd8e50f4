#pragma once
// What a sweep point is made from, by content: a resumed sweep reuses a finished point only when its
// fingerprint is unchanged. The fingerprint is the SHA-256 of the point's patched scenario and of every file
// that scenario reads: the workload's trace and the model section's ONNX model or saved profile. A trace
// edited between two runs of the same sweep therefore reruns its points instead of mixing old and new rows.
//
// Usage:
//   PointFingerprints prints;
//   const std::string print = prints.of(sweep, patched(sweep, sweep.point(i)));
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "app/sweep_file.hpp"

namespace servesim::cli {

class PointFingerprints {
 public:
  std::string of(const app::Sweep& sweep, const nlohmann::json& patched_scenario);

 private:
  // Each file is read once per process (a sweep's points usually share one trace).
  const std::string& file_hash(const std::string& path);
  std::map<std::string, std::string> file_hashes_;
};

}  // namespace servesim::cli
