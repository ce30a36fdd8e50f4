#pragma once
// aws-lambda's `servesim export` formats: sam and cloudformation (platforms/export.hpp).
#include <vector>

#include "platforms/export.hpp"

namespace servesim::platforms {

std::vector<ExportFormat> lambda_export_formats();

}  // namespace servesim::platforms
