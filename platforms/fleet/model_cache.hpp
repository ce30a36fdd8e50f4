#pragma once
// The layered model cache of a platform's worker hosts (scenario service.cold_start.cache): memory, then
// local disk, then the object store. A cold start lands on one of `workers` hosts, uniformly at random; the
// model is in a layer of that host if the host last used it at most the layer's ttl_s ago (a faster layer has
// the shorter ttl), and is read from there at the layer's rate instead of being fetched from the store. The
// hit ratios emerge from how often cold starts come back to a host, not from a parameter.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "sim/rng.hpp"
#include "sim/scenario.hpp"

namespace servesim::platforms {

class ModelCache {
 public:
  explicit ModelCache(const sim::ServiceSpec& service);
  bool enabled() const { return !used_s_.empty(); }
  // A cold start at t_s: the layer it reads the model from (index into the scenario's layers), or
  // layers() when it must fetch it from the store. The host now holds the model in every layer.
  size_t lookup(double t_s, sim::Rng& rng);
  size_t layers() const { return layers_.size(); }
  // Time to read the model from `layer` [s].
  double read_s(size_t layer) const { return size_mb_ / layers_[layer].mb_per_s; }
  // Cold starts per source, the layers' names then "store".
  std::vector<std::pair<std::string, uint64_t>> sources() const;

 private:
  std::vector<sim::ServiceSpec::CacheLayer> layers_;
  double size_mb_;
  std::vector<double> used_s_;  // per worker host: when it last used the model
  std::vector<uint64_t> counts_;
};

}  // namespace servesim::platforms
