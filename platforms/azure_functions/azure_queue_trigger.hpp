#pragma once
// The Azure Storage queue trigger in front of an Azure Functions app whose events are async (client
// invocation "async"): every arrival is a message put to the Storage queue, and the function's instances
// fetch it from there (docs/events.md, "Azure Storage queue -> Azure Functions"). Microsoft's documented
// rules, with our approximations marked:
// - polling: 100 ms after a poll that found messages, about 200 ms after an empty one, the interval then
//   growing (doubling: estimated, without the random jitter) up to maxPollingInterval; one poller for the app
//   (approximation: each instance polls on its own in Azure);
// - batches: each listener (one per instance the scale controller allows) fetches batchSize messages at a
//   poll when its messages in process have fallen to newBatchThreshold, so it runs at most batchSize +
//   newBatchThreshold; while every listener is busy, one fetches as soon as its count falls to the threshold.
//   The fleet does not say which listener a finished message came from: it is taken from the listener with
//   the most in process (approximation; exact for one listener);
// - target-based scaling: every queue_scale_interval_s (10 s, unconfirmed) the scale controller wants
//   ceil(queue length / batchSize) instances and may add queue_scale_step_instances at a time (4); below that
//   it scales in at once (estimated). The fleet starts one instance per listener and routes the fetched
//   messages to the least loaded of them (batchSize + newBatchThreshold slots each); after a scale-in,
//   instances go when idle for idle_timeout_s (approximation: Azure's listener is its instance).
// Failed messages come back through the client (use_queue_redelivery) and wait in the queue again.
// With queue_trigger "service-bus" the queue is a Service Bus queue read by the extension's message pump: no
// polling (a receive link is open: a message is taken the moment a listener has a free call), each listener
// runs at most maxConcurrentCalls messages and takes one as soon as one ends, target-based scaling wants
// ceil(queue length / maxConcurrentCalls) instances, and Service Bus bills its operations (a send per
// message, a receive and a complete or abandon per delivery) and its base charge per hour.
//   auto model = std::make_unique<AzureQueueTrigger>(std::make_unique<AzureFunctionsModel>(params, sc));
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "platforms/azure_functions/azure_functions_model.hpp"
#include "sim/model_wrapper.hpp"
#include "sim/platform_model.hpp"

namespace servesim::platforms {

class AzureQueueTrigger : public sim::ModelWrapper<AzureFunctionsModel> {
 public:
  explicit AzureQueueTrigger(std::unique_ptr<AzureFunctionsModel> function);

  void start(sim::ModelContext& ctx) override;
  void on_arrival(double t_s, double origin_s, uint32_t attempt) override;
  double next_event_s() const override;
  void handle_next_event() override;
  void on_transfer_done(uint64_t tag, double t_s) override;
  bool has_work() const override { return inner_->has_work() || !visible_.empty(); }
  void finish(double t_end_s) override;

  // For tests: the instances the scale controller allows (listening instances) and the messages fetched and
  // still in process.
  uint32_t listeners() const { return listeners_; }
  uint64_t in_process() const;

 private:
  struct Message {
    double visible_s;  // put (or put back after a failure) at
    double origin_s;
    uint32_t attempt;
  };
  // The first poll at or after t_s of the empty-queue back-off that began with a poll at idle_first_poll_s_.
  double idle_poll_at_or_after(double t_s) const;
  void poll(double t_s);
  void scale(double t_s);
  // A message fetched earlier has left the fleet.
  void message_left();
  bool has_room(uint32_t listener) const {
    return p_.service_bus ? in_process_[listener] < p_.service_bus_max_concurrent_calls
                          : in_process_[listener] <= p_.queue_new_batch_threshold;
  }
  // Messages per instance that target-based scaling aims for.
  uint32_t target_per_instance() const {
    return p_.service_bus ? p_.service_bus_max_concurrent_calls : p_.queue_batch_size;
  }
  void bill_operations(uint64_t n) {
    rec_->add_cost(cost_operations_, static_cast<double>(n) * p_.service_bus_usd_per_operation);
  }
  bool any_room() const;
  double next_scale_s() const;
  void report_queue(double t_s);

  AzureFunctionsParams p_;
  sim::Recorder* rec_ = nullptr;
  std::deque<Message> visible_;
  // Messages in process per listener: [0, listeners_) listen, the others were scaled in and drain.
  std::vector<uint32_t> in_process_;
  uint32_t base_listeners_ = 1, listeners_ = 1;
  double now_s_ = 0;
  double next_poll_s_ = kNever;    // a poll while messages wait (kNever: idle, or waiting for room)
  bool waiting_for_room_ = false;  // messages wait and every listener is busy
  double idle_first_poll_s_ = 0;   // the queue is idle: its empty polls began then
  int64_t last_scale_tick_ = 0;    // the last scale decision, in queue_scale_interval_s from t = 0
  int cost_operations_ = -1, cost_base_ = -1;  // Service Bus only
};

}  // namespace servesim::platforms
