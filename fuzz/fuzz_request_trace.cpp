// libFuzzer target: a request trace (CSV with a header, one row per request) streamed through
// sim::make_arrival_source and next(), as a run replays it.
//
// Input: byte 0 selects the options, the rest is the file.
//   bit 0  file name trace.csv.gz (else trace.csv; the bytes are written as they are)
//   bit 1  timestamp_column "ts" (else "TIMESTAMP")        bit 2  scale 2.5 (else 1)
//   bit 3  start_s 2.5                                     bit 4  duration_s 30 (else to the end)
//   bit 5  time_compression 10                             bit 6  key_column "id" (else none)
#include <cstddef>
#include <cstdint>

#include "core/input_error.hpp"
#include "fuzz/fuzz_input.hpp"
#include "sim/arrival_source.hpp"

namespace {
constexpr uint64_t kMaxArrivals = 200'000;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace servesim;
  if (size == 0) return 0;
  const uint8_t options = data[0];
  sim::WorkloadSpec spec;
  spec.kind = sim::WorkloadSpec::Kind::request_trace;
  spec.path = fuzz::scratch().write(options & 1 ? "trace.csv.gz" : "trace.csv", data + 1, size - 1);
  spec.timestamp_column = options & 2 ? "ts" : "TIMESTAMP";
  spec.scale = options & 4 ? 2.5 : 1.0;
  spec.start_s = options & 8 ? 2.5 : 0;
  spec.duration_s = options & 16 ? 30 : -1;
  spec.time_compression = options & 32 ? 10 : 1;
  if (options & 64) spec.key_column = "id";
  fuzz::stream_arrivals(spec, kMaxArrivals);
  return 0;
}
