#pragma once
// Whether ONNX Runtime (the onnxruntime-node package scripts/setup installs) can run here. In CI it must: a
// missing piece fails the test; elsewhere the test is skipped with a warning naming the piece.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <string>

#include "models/ort_engine.hpp"

namespace servesim::models::test {

inline bool ort_available() {
  const std::string missing = OrtEngine::missing_piece();
  if (missing.empty()) return true;
  if (std::getenv("CI")) FAIL("ONNX Runtime not available in CI: " << missing);
  WARN("ONNX Runtime not available, the run is skipped: " << missing);
  return false;
}

}  // namespace servesim::models::test
