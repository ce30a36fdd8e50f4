#pragma once
// Forwarding header, removed once platforms/ includes core/ directly: atomic file writing moved to
// core/atomic_file.hpp (namespace servesim::core).
#include "core/atomic_file.hpp"

namespace servesim::sim {
using core::commit_file;
using core::is_process_gone;
using core::temporary_owner;
using core::temporary_path;
using core::write_file_atomic;
}  // namespace servesim::sim
