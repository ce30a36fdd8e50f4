#include "platforms/topology/wait_spec.hpp"

#include <cmath>

#include "core/input_error.hpp"
#include "core/json_fields.hpp"
#include "platforms/topology/topology_spec.hpp"
#include "sim/utc_time.hpp"
#include "sim/workload.hpp"

namespace servesim::platforms {

void parse_wait(core::JsonFields& f, StageSpec& s, const sim::WorkloadSpec& workload) {
  for (const char* key : {"catch", "retry", "timeout_s"})
    if (f.has(key)) throw f.error(key, "not used on a wait (it runs no task and does not fail)");
  if (f.has("timestamp") && (f.has("seconds") || f.has("delay")))
    throw f.error("timestamp", "expected either timestamp or " +
                                   std::string(f.has("seconds") ? "seconds" : "delay") +
                                   " on a wait, got both");
  if (f.has("seconds") && f.has("delay"))
    throw f.error("delay", "expected either seconds or delay on a wait, got both");
  if (!f.has("seconds") && !f.has("delay") && !f.has("timestamp"))
    throw f.error("seconds",
                  "missing (the wait: \"seconds\": N, or \"delay\": a distribution as service.warm, or "
                  "\"timestamp\": an ISO 8601 UTC time)");
  if (f.has("seconds")) {
    s.wait_seconds_s = f.number("seconds", 0.0, 0.0, 99999999.0);
  } else if (f.has("delay")) {
    s.wait_delay = sim::Distribution::from_json(f.child("delay"), f.file(), f.pointer("delay"));
  } else {
    const nlohmann::json& stamp = f.child("timestamp");
    double epoch_s = 0;
    if (!stamp.is_string() || !sim::parse_utc_time(stamp.get<std::string>(), epoch_s))
      throw f.error("timestamp", "expected an ISO 8601 UTC time (e.g. \"2024-08-18T17:33:00Z\"), got " +
                                     core::quote_json(stamp));
    if (!workload.has_start_utc)
      throw f.error("timestamp",
                    "expected a workload with start_utc (the UTC time the run starts) for an absolute wait, "
                    "got none");
    // Step Functions "considers the time value up to seconds and truncates milliseconds".
    s.wait_until_s = std::floor(epoch_s) - workload.start_utc_s;
    s.wait_until_timestamp = true;
  }
}

void check_wait(const StageSpec& s, const WorkflowSpec& engine, const std::string& file) {
  if (s.wait_delay || s.wait_until_timestamp || engine.engine == WorkflowSpec::Engine::durable_functions)
    return;
  if (s.wait_seconds_s > engine.max_duration_s)
    throw input_error(file, s.pointer + "/seconds",
                      "expected 0.." + core::quote_number(engine.max_duration_s) + " on " +
                          WorkflowSpec::engine_name(engine.engine) +
                          " (the longest wait is the execution's maximum duration), got " +
                          core::quote_number(s.wait_seconds_s));
}

}  // namespace servesim::platforms
