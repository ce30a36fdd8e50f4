#pragma once
// Forwarding header, removed once platforms/ includes core/ directly: JsonFields, quote_number() and
// quote_json() moved to core/json_fields.hpp (namespace servesim::core).
#include "core/json_fields.hpp"

namespace servesim::sim {
using core::JsonFields;
using core::quote_json;
using core::quote_number;
}  // namespace servesim::sim
