#pragma once
// Forwarding header, removed once platforms/ includes core/ directly: the strict JSON reader moved to
// core/json_reader.hpp (namespace servesim::core).
#include "core/json_reader.hpp"

namespace servesim::sim {
using core::check_json;
using core::kMaxJsonDepth;
using core::parse_json;
using core::parse_ordered_json;
}  // namespace servesim::sim
