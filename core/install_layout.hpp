#pragma once
// Where an installed ServeSim keeps its data: <prefix>/share/servesim (scenarios, catalogue, the ONNX Runtime
// bridge; cmake/ServesimPackaging.cmake), found relative to the binary that runs this code (the servesim or
// servesim-gui executable, or the Python module's shared object), so that an installed tree works from any
// prefix, e.g. a .deb unpacked with dpkg -x. A build-tree binary has none and uses the source tree's files.
//
//   const std::string share = core::installed_data_dir();  // "" when not running from an installed tree
//   if (!share.empty()) bridge = share + "/ort_bridge";
#include <string>

namespace servesim::core {

// The folder of the binary that holds this code: the executable, or the shared object it is linked into
// ("" when it cannot be told).
std::string binary_dir();

// <prefix>/share/servesim for the first folder above binary_dir() (at most four levels up: bin/ of the
// programs, lib/python3/dist-packages/servesim/ of the module) that has share/servesim/; "" when none has.
std::string installed_data_dir();

}  // namespace servesim::core
