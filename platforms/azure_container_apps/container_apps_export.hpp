#pragma once
// azure-container-apps's `servesim export` format: container-apps (platforms/export.hpp).
#include <vector>

#include "platforms/export.hpp"

namespace servesim::platforms {

std::vector<ExportFormat> container_apps_export_formats();

}  // namespace servesim::platforms
