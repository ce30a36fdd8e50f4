#pragma once
// A platform model in front of another one: an event source in front of the function or service it feeds
// (SQS or Kinesis before Lambda, Pub/Sub push before Cloud Run, the Storage queue trigger before Azure
// Functions; docs/events.md). It passes on to the inner model everything it does not change itself (the
// network, transfers, faults, cold starts, the latency source, levers, token-level serving); a wrapper
// implements the arrivals, its own events and its outcome.
//   class SqsEventSource : public sim::ModelWrapper<LambdaModel> { ... inner_->invoke(t_s, id, n); ... };
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "sim/platform_model.hpp"

namespace servesim::sim {

template <class Inner>
class ModelWrapper : public PlatformModel {
 public:
  explicit ModelWrapper(std::unique_ptr<Inner> inner) : inner_(std::move(inner)) {}

  std::string platform() const override { return inner_->platform(); }
  void build(PlatformBuilder& builder) override { inner_->build(builder); }
  void on_transfer_done(uint64_t tag, double t_s) override { inner_->on_transfer_done(tag, t_s); }
  bool supports(FaultSpec::Kind kind) const override { return inner_->supports(kind); }
  void set_concurrency_cap(double t_s, uint32_t cap, int fault) override {
    inner_->set_concurrency_cap(t_s, cap, fault);
  }
  std::string latency_source() const override { return inner_->latency_source(); }
  std::vector<std::pair<std::string, uint64_t>> cold_start_sources() const override {
    return inner_->cold_start_sources();
  }
  ColdStartParts cold_start_parts() const override { return inner_->cold_start_parts(); }
  std::vector<std::pair<std::string, double>> lever_outcome() const override {
    return inner_->lever_outcome();
  }
  LlmOutcome llm_outcome() const override { return inner_->llm_outcome(); }
  bool token_level() const override { return inner_->token_level(); }

 protected:
  std::unique_ptr<Inner> inner_;
};

}  // namespace servesim::sim
