#pragma once
// servesim calibrate: reads a platform's per-invocation logs, fits a scenario on the first part of them (by
// time), replays the rest through the simulator and compares. Writes, into one output folder that appears
// whole or not at all (reports::OutputDir):
//   requests.csv     one row per logged invocation: its arrival [s from the first]
//   scenario.json    the fitted scenario (`servesim run` accepts it), fitted values and sample sizes in its
//                    description
//   validation.json  observed vs simulated over the held-out window, with 95% intervals and errors
//   validation.html  the same as a self-contained page
// docs/calibrate.md explains the method.
//
//   calibrate::CalibrateOptions options;
//   options.logs = {"lambda.log"};
//   options.out_dir = "out/calibrated";
//   const calibrate::CalibrateOutcome outcome = calibrate::calibrate(options);
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "calibrate/lambda_log.hpp"

namespace servesim::reports {
class OutputDir;
}

namespace servesim::calibrate {

struct CalibrateOptions {
  std::vector<std::string> logs;
  std::string platform;  // the platform the logs come from (calibrated_platforms(); "": told from the file)
  std::string out_dir;
  double train_fraction = 0.7;  // of the logs' time span, from its start
  uint64_t seed = 1;
  uint32_t replications = 10;  // simulated runs with seeds seed .. seed + replications - 1
  uint32_t bootstrap = 1000;   // resamples of the observed window
  std::string architecture = "x86_64";
  // kubernetes-gpu (vLLM's Prometheus metrics): the served model (a service.llm preset, or a served name
  // that starts with one) and the GPU (a catalogue GPU, or a product name), when the metrics' labels do not
  // say.
  std::string model, gpu;
  uint32_t tensor_parallel = 1;  // GPUs one replica spans (vLLM --tensor-parallel-size; not in the metrics)
  // Cloud Run request logs: what an entry's timestamp marks, the request's "start" (taken as its arrival) or
  // its "end" (arrival = timestamp - httpRequest.latency). Google's reference does not say (unconfirmed).
  std::string timestamp_at = "start";
  bool force = false;
};

struct CalibrateOutcome {
  std::string out_dir;
  nlohmann::ordered_json validation;  // validation.json
  double max_abs_error_pct = 0;       // over the compared figures with an observed value > 0
};

// The end of every calibration: sets outcome.validation's "metrics" and "max_abs_error_pct", writes
// validation.json and validation.html (with the fitted `scenario`) into `dir`, commits it and records where.
void finish_validation(reports::OutputDir& dir, CalibrateOutcome& outcome, nlohmann::ordered_json metrics,
                       const nlohmann::ordered_json& scenario);

// The platform whose logs `file` looks like ("" when none is recognised); throws InputError when it cannot
// be read. What `calibrate` uses when --platform is not given.
std::string platform_of_log(const std::string& file);
// Whether logs of `platform` come from GPU replicas whose GPU and tensor parallelism calibrate may need to be
// told (--gpu, --tensor-parallel: vLLM's Prometheus metrics).
bool takes_gpu_options(const std::string& platform);

// The platforms whose logs calibrate reads.
const std::vector<std::string>& calibrated_platforms();

// Throws InputError (file, line or pointer, what was expected) for bad logs or options, before writing.
CalibrateOutcome calibrate(const CalibrateOptions& options);

// The split of the logs (sorted by arrival) at `train_fraction` of their span, in whole seconds from the
// first arrival: the training part is every invocation that arrived before it. Throws InputError when fewer
// than kMinValidation invocations arrived after the split.
constexpr size_t kMinValidation = 10;
struct Split {
  double origin_s = 0;  // the first arrival [s since 1970]
  double split_s = 0;   // [s from origin]
  double end_s = 0;     // the last arrival [s from origin]
  std::vector<LambdaInvocation> train, test;
  // Requests the logs show throttled (calibrate/request_log.hpp, is_throttled), by arrival [s since 1970]:
  // before the split, and in the validation window. They do not move the split, which the served requests
  // set; throttled arrivals before the first served one or after the last are outside it (counted only).
  std::vector<double> throttled_train_s, throttled_test_s;
  size_t throttled_outside = 0;
};
Split split_by_time(std::vector<LambdaInvocation> calls, double train_fraction, const std::string& file);
// Puts each throttled arrival [s since 1970] on its side of `split`, compared in microseconds from the
// origin as requests.csv writes it (as split_by_time does).
void add_throttled(Split& split, std::vector<double> arrivals_s);

}  // namespace servesim::calibrate
