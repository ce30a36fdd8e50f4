// libFuzzer target: a sweep file, read as `servesim sweep` reads it before running anything
// (app::load_sweep: JSON syntax, keys, the base scenario it names, every swept pointer against the base),
// then the first few points patched into the base (app::patched) and checked as `servesim sweep` checks each
// point before it runs it (sim::parse_scenario, platforms::make_candidates). Nothing is simulated. An
// InputError is the expected answer to bad input; any other exception, a crash or a sanitizer report is a
// finding.
//
// The input is written to <scratch>/sweep.json next to a fixed base scenario, <scratch>/base.json (every
// platform, a rate-trace workload), which the seeds name as "base": "base.json".
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <fstream>

#include "app/sweep_file.hpp"
#include "core/input_error.hpp"
#include "fuzz/fuzz_input.hpp"
#include "platforms/model_factory.hpp"
#include "sim/scenario.hpp"

namespace {

constexpr const char* kBase = R"({
  "name": "fuzz-base", "seed": 7,
  "workload": {"type": "rate_trace", "path": "trace.txt", "scale": 2, "start_s": 0, "duration_s": 60},
  "service": {"warm": {"type": "lognormal", "mean_ms": 40, "p99_ms": 90},
              "cold_start": {"runtime_init": {"type": "constant", "value_ms": 300}, "model_size_mb": 100}},
  "slo": {"p99_ms": 500, "timeout_s": 30},
  "client": {"max_retries": 2},
  "metrics": {"interval_s": 60},
  "candidates": [
    {"name": "lambda", "platform": "aws-lambda", "memory_mb": 1024},
    {"name": "run", "platform": "gcp-cloud-run", "vcpu": 2, "memory_gib": 4, "concurrency": 8},
    {"name": "flex", "platform": "azure-functions", "plan": "flex"},
    {"name": "k8s", "platform": "kubernetes-gpu", "min_replicas": 1, "max_replicas": 4},
    {"name": "pool", "platform": "fixed-pool", "servers": 2}
  ]
})";

constexpr size_t kPointsChecked = 4;  // bounds the time per input (a grid may have a million points)

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace servesim;
  static const bool written = [] {
    fuzz::scratch().write("base.json", reinterpret_cast<const uint8_t*>(kBase),
                          std::char_traits<char>::length(kBase));
    return true;
  }();
  (void)written;
  const std::string path = fuzz::scratch().write("sweep.json", data, size);
  try {
    const app::Sweep sweep = app::load_sweep(path);
    for (size_t i = 0; i < std::min(sweep.size(), kPointsChecked); ++i) {
      const nlohmann::json doc = app::patched(sweep, sweep.point(i));  // as `servesim sweep` does, unguarded
      try {
        const sim::Scenario scenario = sim::parse_scenario(doc, sweep.base_path, fuzz::scratch().path());
        platforms::make_candidates(scenario);
      } catch (const InputError&) {
        // The point is reported with its error; the sweep goes on.
      }
    }
  } catch (const InputError&) {
  }
  return 0;
}
