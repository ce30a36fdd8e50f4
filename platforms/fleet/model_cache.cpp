#include "platforms/fleet/model_cache.hpp"

#include <algorithm>

namespace servesim::platforms {

ModelCache::ModelCache(const sim::ServiceSpec& service)
    : layers_(service.cache_layers), size_mb_(service.model_size_mb) {
  if (service.cache_workers == 0 || service.model_size_mb <= 0) return;
  used_s_.assign(service.cache_workers, -1e300);
  counts_.assign(layers_.size() + 1, 0);
}

size_t ModelCache::lookup(double t_s, sim::Rng& rng) {
  const size_t n = used_s_.size();
  const size_t w = std::min(n - 1, static_cast<size_t>(rng.uniform() * static_cast<double>(n)));
  const double idle_s = t_s - used_s_[w];
  used_s_[w] = t_s;
  size_t layer = 0;
  while (layer < layers_.size() && idle_s > layers_[layer].ttl_s) ++layer;
  ++counts_[layer];
  return layer;
}

std::vector<std::pair<std::string, uint64_t>> ModelCache::sources() const {
  std::vector<std::pair<std::string, uint64_t>> out;
  for (size_t k = 0; k < counts_.size(); ++k)
    out.emplace_back(k < layers_.size() ? layers_[k].name : "store", counts_[k]);
  return out;
}

}  // namespace servesim::platforms
