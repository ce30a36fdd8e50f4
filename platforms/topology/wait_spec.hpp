#pragma once
// A workflow's wait stage (a Step Functions Wait state, a Durable Functions durable timer;
// docs/workflows.md): how long it waits ("seconds", a drawn "delay", or until an absolute "timestamp") and
// its limits on the engine. Private to the topology platform.
//
//   parse_wait(fields, stage, scenario.workload);   // in parse_topology, for a stage of kind "wait"
//   check_wait(stage, *topo.workflow, file);         // once the engine is known
#include <string>

namespace servesim::core {
class JsonFields;
}
namespace servesim::sim {
struct WorkloadSpec;
}

namespace servesim::platforms {

struct StageSpec;
struct WorkflowSpec;

// "seconds" (Wait Seconds, 0..99,999,999), "delay" (a distribution as service.warm) or "timestamp" (Wait
// Timestamp, ISO 8601, read to whole seconds as Step Functions does; needs the workload's start_utc). A Wait
// does not fail: no catch, retry or timeout. Throws InputError with the pointer.
void parse_wait(core::JsonFields& f, StageSpec& s, const sim::WorkloadSpec& workload);
// A fixed wait against its engine: Step Functions allows at most a year (Standard) or five minutes
// (Express), its executions' longest duration.
void check_wait(const StageSpec& s, const WorkflowSpec& engine, const std::string& file);

}  // namespace servesim::platforms
