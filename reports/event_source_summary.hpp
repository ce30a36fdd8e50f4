#pragma once
// summary.json's "event_source" block of a candidate (docs/events.md, docs/reports.md): what its queue or
// stream did, by type: an SQS queue or a Kinesis stream in front of Lambda, a Pub/Sub push subscription in
// front of Cloud Run. Every message ends served, dead-lettered (or discarded), expired, or is still there
// when a run limit stops the run.
//   if (r.event_source.present) c["event_source"] = event_source_summary(r.event_source, r.requests);
#include <nlohmann/json.hpp>

#include "sim/recorder.hpp"
#include "sim/run_result.hpp"

namespace servesim::reports {

nlohmann::ordered_json event_source_summary(const sim::EventSourceOutcome& e, const sim::Counters& q);

}  // namespace servesim::reports
