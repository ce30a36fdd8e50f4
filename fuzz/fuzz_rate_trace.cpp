// libFuzzer target: a rate trace (requests per second, whitespace-separated) streamed through
// sim::make_arrival_source and next(), as a run replays it.
//
// Input: byte 0 selects the options, the rest is the file.
//   bits 0-1  file name: 0 trace.txt, 1 trace.txt.gz, 2 trace.txt.bz2 (the bytes are written as they are, so
//   a
//             compressed seed must carry real gzip/bzip2 data), 3 trace.txt
//   bits 2-3  gaps: 0 keep, 1 skip, 2 fill, 3 keep          bit 4  scale 2.5 (else 1)
//   bit 5     start_s 3                                     bit 6  duration_s 20 (else to the end)
//   bit 7     time_compression 60
// gap_min_s is 3, so that short zero runs are gaps. At most kMaxArrivals arrivals are drawn per input (a
// valid trace may ask for 10^7 per second; that is slow, not wrong).
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
  static const char* const kNames[] = {"trace.txt", "trace.txt.gz", "trace.txt.bz2", "trace.txt"};
  static const sim::GapPolicy kGaps[] = {sim::GapPolicy::keep, sim::GapPolicy::skip, sim::GapPolicy::fill,
                                         sim::GapPolicy::keep};
  sim::WorkloadSpec spec;
  spec.kind = sim::WorkloadSpec::Kind::rate_trace;
  spec.path = fuzz::scratch().write(kNames[options & 3], data + 1, size - 1);
  spec.gaps = kGaps[(options >> 2) & 3];
  spec.gap_min_s = 3;
  spec.scale = options & 0x10 ? 2.5 : 1.0;
  spec.start_s = options & 0x20 ? 3 : 0;
  spec.duration_s = options & 0x40 ? 20 : -1;
  spec.time_compression = options & 0x80 ? 60 : 1;
  fuzz::stream_arrivals(spec, kMaxArrivals);
  return 0;
}
