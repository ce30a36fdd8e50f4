// make_arrival_source and count_arrivals: dispatch on the workload kind. The sources live in
// rate_trace_source.cpp, request_trace_source.cpp and synthetic_source.cpp.
#include "sim/arrival_source.hpp"

#include <algorithm>

#include "core/interrupt.hpp"
#include "sim/rate_trace_source.hpp"
#include "sim/request_trace_source.hpp"
#include "sim/synthetic_source.hpp"

namespace servesim::sim {

namespace {

// workload.sessions: each arrival of the wrapped source belongs to a session drawn uniformly from
// 0..sessions-1 by a stream of its own (the arrival times are those of the source, whatever the sessions).
class SessionKeySource final : public ArrivalSource {
 public:
  SessionKeySource(std::unique_ptr<ArrivalSource> source, uint64_t sessions, uint64_t seed)
      : source_(std::move(source)), sessions_(sessions), rng_(Rng::derive(seed, kSessionStream)) {}
  bool next(double& t_s) override {
    if (!source_->next(t_s)) return false;
    key_ = std::min(sessions_ - 1, static_cast<uint64_t>(rng_.uniform() * static_cast<double>(sessions_)));
    return true;
  }
  double duration_s() const override { return source_->duration_s(); }
  uint64_t key() const override { return key_; }
  RequestTokens tokens() const override { return source_->tokens(); }

 private:
  static constexpr uint64_t kSessionStream = 0x5e55;  // the sessions' own random stream
  std::unique_ptr<ArrivalSource> source_;
  uint64_t sessions_;
  Rng rng_;
  uint64_t key_ = kNoKey;
};

std::unique_ptr<ArrivalSource> make_plain_source(const WorkloadSpec& spec, uint64_t seed) {
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

}  // namespace

std::unique_ptr<ArrivalSource> make_arrival_source(const WorkloadSpec& spec, uint64_t seed) {
  auto source = make_plain_source(spec, seed);
  if (spec.sessions == 0) return source;
  return std::make_unique<SessionKeySource>(std::move(source), spec.sessions, seed);
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
