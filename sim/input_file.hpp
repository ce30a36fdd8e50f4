#pragma once
// Forwarding header, removed once platforms/ includes core/ directly: open_input() moved to
// core/input_file.hpp (namespace servesim::core).
#include "core/input_file.hpp"

namespace servesim {
using core::open_input;
}  // namespace servesim
