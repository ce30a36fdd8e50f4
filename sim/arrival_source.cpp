// make_arrival_source and count_arrivals: dispatch on the workload kind. The sources live in
// rate_trace_source.cpp, request_trace_source.cpp and synthetic_source.cpp.
#include "sim/arrival_source.hpp"

#include "core/interrupt.hpp"
#include "sim/rate_trace_source.hpp"
#include "sim/request_trace_source.hpp"
#include "sim/synthetic_source.hpp"

namespace servesim::sim {

std::unique_ptr<ArrivalSource> make_arrival_source(const WorkloadSpec& spec, uint64_t seed) {
  switch (spec.kind) {
    case WorkloadSpec::Kind::rate_trace:
      return std::make_unique<RateTraceSource>(spec, seed);
    case WorkloadSpec::Kind::request_trace:
      return std::make_unique<RequestTraceSource>(spec, seed);
    case WorkloadSpec::Kind::poisson:
    case WorkloadSpec::Kind::diurnal:
    case WorkloadSpec::Kind::spike:
      break;
  }
  return std::make_unique<SyntheticSource>(spec, seed);
}

uint64_t count_arrivals(const WorkloadSpec& spec, uint64_t seed) {
  if (spec.kind == WorkloadSpec::Kind::rate_trace) {
    // Counts do not depend on where arrivals fall within their second: skip the placement.
    return RateTraceSource(spec, seed).count_remaining();
  }
  auto source = make_arrival_source(spec, seed);
  uint64_t count = 0;
  double t_s = 0;
  while (source->next(t_s))
    if (++count % 65536 == 0) core::throw_if_interrupted();  // a long trace read up front stops on SIGINT too
  return count;
}

}  // namespace servesim::sim
