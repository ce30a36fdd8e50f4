// libFuzzer target: AWS Lambda CloudWatch logs, read as `servesim calibrate` reads them
// (calibrate::parse_lambda_log: the text export of aws logs tail, the JSON of filter-log-events, JSON Lines),
// then fitted (calibrate::fit_lambda) when they hold records. Nothing is simulated. An InputError is the
// expected answer to bad input; any other exception, a crash or a sanitizer report is a finding.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "calibrate/lambda_fit.hpp"
#include "calibrate/lambda_log.hpp"
#include "core/input_error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace servesim;
  try {
    const auto calls = calibrate::parse_lambda_log(
        std::string_view(reinterpret_cast<const char*>(data), size), "lambda.log");
    if (!calls.empty()) calibrate::fit_lambda(calls);
  } catch (const InputError&) {
  }
  return 0;
}
