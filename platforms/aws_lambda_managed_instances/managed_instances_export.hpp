#pragma once
// aws-lambda-managed-instances' `servesim export` format: sam (platforms/export.hpp).
#include <vector>

#include "platforms/export.hpp"

namespace servesim::platforms {

std::vector<ExportFormat> managed_instances_export_formats();

}  // namespace servesim::platforms
