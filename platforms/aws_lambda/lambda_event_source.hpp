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
#include "sim/client.hpp"
#include "sim/model_wrapper.hpp"
#include "sim/platform_model.hpp"
#include "sim/recorder.hpp"
#include "sim/timed_queue.hpp"

namespace servesim::platforms {

class LambdaEventSource : public sim::ModelWrapper<LambdaModel> {
 public:
  explicit LambdaEventSource(std::unique_ptr<LambdaModel> function) : ModelWrapper(std::move(function)) {}

  sim::EventSourceOutcome event_source_outcome() const override { return outcome_; }
  bool consumes_event_source() const override { return true; }

 protected:
  // A send or put that a service limit refused at t_s (counted in put_throttles): the producer retries it
  // with the client's policy (`held` keeps `item` until then) or gives it up (counted throttled).
  template <class Held>
  void refused(sim::Client& client, sim::Recorder& rec, sim::TimedQueue<Held>& held, double t_s,
               double origin_s, uint32_t attempt, Held item) {
    ++outcome_.put_throttles;
    double retry_at_s = 0;
    switch (client.throttled(t_s, origin_s, attempt, retry_at_s, {})) {
      case sim::Client::Throttle::retry:
        held.push(retry_at_s, std::move(item));
        break;
      case sim::Client::Throttle::throttled:
        rec.throttled(t_s, origin_s);
        break;
      case sim::Client::Throttle::queued:  // an async producer's own queue re-offers it
        break;
    }
  }

  sim::EventSourceOutcome outcome_;
};

}  // namespace servesim::platforms
