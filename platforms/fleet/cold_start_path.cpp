#include "platforms/fleet/cold_start_path.hpp"

#include <cmath>

namespace servesim::platforms {

ColdStartPath model_store_path(const sim::ServiceSpec& service, double per_connection_bytes_per_s,
                               double shared_bytes_per_s) {
  ColdStartPath path;
  path.source = service.model_source;
  path.fetch_bytes = service.model_size_mb * 1e6;
  path.per_connection_bytes_per_s = per_connection_bytes_per_s;
  path.shared_bytes_per_s = shared_bytes_per_s;
  return path;
}

std::string format_mb(double mb) {
  const std::string digits = std::to_string(static_cast<long long>(std::ceil(mb - 1e-9)));
  std::string out;
  for (size_t k = 0; k < digits.size(); ++k) {
    if (k > 0 && (digits.size() - k) % 3 == 0) out += ',';
    out += digits[k];
  }
  return out + " MB";
}

}  // namespace servesim::platforms
