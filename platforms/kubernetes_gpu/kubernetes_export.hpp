#pragma once
// kubernetes-gpu's `servesim export` format: kubernetes (platforms/export.hpp).
#include <vector>

#include "platforms/export.hpp"

namespace servesim::platforms {

std::vector<ExportFormat> kubernetes_export_formats();

}  // namespace servesim::platforms
