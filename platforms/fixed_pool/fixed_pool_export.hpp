#pragma once
// fixed-pool's `servesim export` format: kubernetes (platforms/export.hpp).
#include <vector>

#include "platforms/export.hpp"

namespace servesim::platforms {

std::vector<ExportFormat> fixed_pool_export_formats();

}  // namespace servesim::platforms
