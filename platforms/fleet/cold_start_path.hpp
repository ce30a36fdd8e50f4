#pragma once
// What one cold start fetches, from where, and at what rate: the model's packaging
// (service.cold_start.source) on one platform. Each platform checks its documented limits for the source
// where its settings are read (a deployment that cannot exist is refused there, naming the limit and the
// options) and fills a ColdStartPath; its model then fetches `fetch_bytes` once per cold start over a store
// link of these bandwidths (a SimGrid transfer, max-min shared with the other cold starts), between the
// runtime init and the model load, and reports where the time went (sim::ColdStartParts).
//
//   ColdStartPath path = model_store_path(scenario.service, 85e6, 88e9);  // no source: today's download
#include <string>

#include "sim/scenario.hpp"

namespace servesim::platforms {

struct ColdStartPath {
  sim::ServiceSpec::ModelSource source = sim::ServiceSpec::ModelSource::unset;
  double fetch_bytes = 0;                 // bytes one cold start fetches (0: nothing, e.g. no model)
  bool fetch_is_pull = false;             // a package or image pull (else a model download)
  double per_connection_bytes_per_s = 0;  // ceiling of one cold start's fetch
  double shared_bytes_per_s = 0;          // what all concurrent fetches share (max-min fair)
  double restore_s = -1;    // >= 0: a snapshot restore replaces init, fetch and load (SnapStart)
  double allocation_s = 0;  // fixed start before the runtime init (GPU instance start)

  // A package or container image pulled at the store's rates: `bytes` per cold start.
  void pull(double bytes) {
    fetch_bytes = bytes;
    fetch_is_pull = true;
  }
};

// No source given: the model downloaded from the platform's model store, as before sources existed.
ColdStartPath model_store_path(const sim::ServiceSpec& service, double per_connection_bytes_per_s,
                               double shared_bytes_per_s);

// "20,000 MB", "250 MB", "10,240 MB": whole megabytes with thousands separators, for refusals.
std::string format_mb(double mb);

}  // namespace servesim::platforms
