// libFuzzer target: Prometheus data of a vLLM deployment, read as `servesim calibrate --platform
// kubernetes-gpu` reads it (calibrate::parse_prometheus: text-exposition scrapes after `# servesim-scrape`
// lines or with millisecond timestamps, or a query_range JSON answer, told by the first non-blank byte), then
// merged (finish_prometheus) and fitted (calibrate::VllmMetrics: counter increases, histogram quantiles,
// replicas, the rate trace) when it holds the metrics the fit needs. Nothing is simulated. An InputError is
// the expected answer to bad input; any other exception, a crash or a sanitizer report is a finding.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "calibrate/llm_fit.hpp"
#include "calibrate/prometheus_fit.hpp"
#include "calibrate/prometheus_scrape.hpp"
#include "core/input_error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace servesim;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    calibrate::PromData prom;
    calibrate::parse_prometheus(text, "vllm.prom", prom);
    calibrate::finish_prometheus(prom);
    const calibrate::VllmMetrics metrics(prom, "vllm.prom");
    const auto& scrapes = metrics.scrapes();
    if (scrapes.size() < 2) return 0;
    const calibrate::VllmWindow w = metrics.window(scrapes.front(), scrapes.back());
    for (const double q : {0.5, 0.99}) {
      w.e2e.quantile(q);
      w.ttft.quantile(q);
      w.tpot.quantile(q);
    }
    // The rate trace has one line per second of the span: only for spans a run could replay here.
    if (scrapes.back() - scrapes.front() < 1e5)
      calibrate::rate_trace_text(scrapes, metrics.requests_per_interval());
  } catch (const InputError&) {
  }
  return 0;
}
