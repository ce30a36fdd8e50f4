#pragma once
// servesim calibrate for a vLLM deployment on Kubernetes (--platform kubernetes-gpu): reads its Prometheus
// data (calibrate/prometheus_scrape.hpp), fits a kubernetes-gpu scenario serving the model token by token on
// the first part of the scrapes (calibrate/prometheus_fit.hpp, llm_fit.hpp), replays the rest through it and
// compares TTFT, TPOT, end-to-end latency and running requests. Writes, into one output folder:
//   rate.txt         requests per second, each scrape interval's finished requests spread over its seconds
//   scenario.json    the fitted scenario (fitted values and sample sizes in its description)
//   validation.json  observed vs simulated over the held-out scrapes
//   validation.html  the same as a page
//
//   calibrate::CalibrateOptions options;
//   options.logs = {"vllm.prom"};
//   options.platform = platforms::kKubernetesGpuPlatform;
//   options.out_dir = "out/calibrated-vllm";
//   const calibrate::CalibrateOutcome outcome = calibrate::calibrate_vllm(options);
#include "calibrate/calibration.hpp"

namespace servesim::calibrate {

// Throws InputError (file, line or pointer, what was expected; --model or --gpu when the data does not name
// them) before writing anything.
CalibrateOutcome calibrate_vllm(const CalibrateOptions& options);

}  // namespace servesim::calibrate
