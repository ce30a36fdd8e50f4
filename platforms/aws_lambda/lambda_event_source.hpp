#pragma once
// What every event source mapping in front of a Lambda function shares (sqs_event_source.hpp,
// kinesis_event_source.hpp): it is the candidate's platform model, owns the function (a LambdaModel in event
// source mode, which bills, scales and fails as always) and passes on to it what the mapping does not change:
// the network, transfers, faults, cold starts and the latency source. A mapping implements the arrivals
// (messages or records), its own events and its outcome block.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "platforms/aws_lambda/lambda_model.hpp"
#include "sim/platform_model.hpp"

namespace servesim::platforms {

class LambdaEventSource : public sim::PlatformModel {
 public:
  explicit LambdaEventSource(std::unique_ptr<LambdaModel> function) : function_(std::move(function)) {}

  std::string platform() const override { return function_->platform(); }
  void build(sim::PlatformBuilder& builder) override { function_->build(builder); }
  void on_transfer_done(uint64_t tag, double t_s) override { function_->on_transfer_done(tag, t_s); }
  bool supports(sim::FaultSpec::Kind kind) const override { return function_->supports(kind); }
  void set_concurrency_cap(double t_s, uint32_t cap, int fault) override {
    function_->set_concurrency_cap(t_s, cap, fault);
  }
  std::vector<std::pair<std::string, uint64_t>> cold_start_sources() const override {
    return function_->cold_start_sources();
  }
  sim::ColdStartParts cold_start_parts() const override { return function_->cold_start_parts(); }
  std::string latency_source() const override { return function_->latency_source(); }
  sim::EventSourceOutcome event_source_outcome() const override { return outcome_; }
  bool consumes_event_source() const override { return true; }

 protected:
  std::unique_ptr<LambdaModel> function_;
  sim::EventSourceOutcome outcome_;
};

}  // namespace servesim::platforms
