// libFuzzer target: a request trace (CSV with a header, or JSON Lines; one row per request) streamed
// through sim::make_arrival_source and next(), as a run replays it.
//
// Input: byte 0 selects the options, the rest is the file.
//   bit 0  file name trace.csv.gz (else trace.csv; the bytes are written as they are)
//   bit 1  timestamp_column "ts" (else "TIMESTAMP")        bit 2  scale 2.5 (else 1)
//   bit 3  start_s 2.5                                     bit 4  duration_s 30 (else to the end)
//   bit 5  time_compression 10                             bit 6  key_column "id" (else none)
//   bit 7  JSON Lines as Mooncake writes them: trace.jsonl(.gz), timestamp_column "timestamp" ("ts" with
//          bit 1) in milliseconds, token columns "input_length" and "output_length"; CSV: token columns
//          "in" and "out" with bit 6
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
  const bool is_jsonl = options & 128;
  const char* name = is_jsonl ? (options & 1 ? "trace.jsonl.gz" : "trace.jsonl")
                              : (options & 1 ? "trace.csv.gz" : "trace.csv");
  spec.path = fuzz::scratch().write(name, data + 1, size - 1);
  spec.timestamp_column = options & 2 ? "ts" : "TIMESTAMP";
  if (is_jsonl) {
    spec.format = sim::TraceFormat::jsonl;
    spec.timestamp_unit = sim::TimestampUnit::milliseconds;
    if (!(options & 2)) spec.timestamp_column = "timestamp";
    spec.input_tokens_column = "input_length";
    spec.output_tokens_column = "output_length";
  } else if (options & 64) {
    spec.input_tokens_column = "in";
    spec.output_tokens_column = "out";
  }
  spec.scale = options & 4 ? 2.5 : 1.0;
  spec.start_s = options & 8 ? 2.5 : 0;
  spec.duration_s = options & 16 ? 30 : -1;
  spec.time_compression = options & 32 ? 10 : 1;
  if (options & 64) spec.key_column = "id";
  fuzz::stream_arrivals(spec, kMaxArrivals);
  return 0;
}
