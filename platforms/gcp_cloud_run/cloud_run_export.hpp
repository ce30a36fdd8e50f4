#pragma once
// gcp-cloud-run's `servesim export` format: cloud-run (platforms/export.hpp).
#include <vector>

#include "platforms/export.hpp"

namespace servesim::platforms {

std::vector<ExportFormat> cloud_run_export_formats();

}  // namespace servesim::platforms
