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
#include "sim/model_wrapper.hpp"
#include "sim/platform_model.hpp"

namespace servesim::platforms {

class LambdaEventSource : public sim::ModelWrapper<LambdaModel> {
 public:
  explicit LambdaEventSource(std::unique_ptr<LambdaModel> function) : ModelWrapper(std::move(function)) {}

  sim::EventSourceOutcome event_source_outcome() const override { return outcome_; }
  bool consumes_event_source() const override { return true; }

 protected:
  sim::EventSourceOutcome outcome_;
};

}  // namespace servesim::platforms
