// libFuzzer target: Cloud Run request logs and Application Insights request rows, read as `servesim
// calibrate` reads them (calibrate::parse_cloud_run_log: a JSON array, JSON Lines or entries.list of LogEntry
// objects; calibrate::parse_app_insights_log: CSV with a header, JSON rows, the query API's tables), the
// first byte choosing the reader; then read as invocations and fitted (calibrate::fit_instances) when they
// hold requests. Nothing is simulated. An InputError is the expected answer to bad input; any other
// exception, a crash or a sanitizer report is a finding.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "calibrate/instance_fit.hpp"
#include "calibrate/request_log.hpp"
#include "core/input_error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace servesim;
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    const calibrate::RequestLog log = (data[0] & 1) ? calibrate::parse_cloud_run_log(text, "run.json")
                                                    : calibrate::parse_app_insights_log(text, "requests.csv");
    calibrate::check_one_revision(log, "run.json");
    const auto calls = calibrate::as_invocations(log);
    if (!calls.empty()) calibrate::fit_instances(calls);
  } catch (const InputError&) {
  }
  return 0;
}
