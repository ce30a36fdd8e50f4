#pragma once
// Arrivals of a requests-per-second trace for the bare-loop baselines, in plain C++: the same times, to the
// last bit, as ServeSim's rate-trace replay at scale 1 with gaps kept (sim/rate_trace_source.hpp): within
// second s the n arrivals are s + (normalised cumulative sums of n + 1 exponential spacings), drawn from the
// same derived random stream. The trace is read with `in >> rate` through Boost's bzip2 filter.
#include <boost/iostreams/filtering_stream.hpp>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "sim/rng.hpp"

namespace servesim::bench {

class BareTraceArrivals {
 public:
  // duration_s < 0: the whole trace.
  BareTraceArrivals(const std::string& bz2_path, uint64_t seed, double duration_s);
  // The next arrival time [s]; false at the end of the trace (or of the window).
  bool next(double& t_s) {
    if (pos_ == count_ && !place_next_second()) return false;
    double t = base_s_ + spacing_[pos_++] * unit_s_;
    if (t < last_s_) t = last_s_;
    last_s_ = t;
    t_s = t;
    return true;
  }

 private:
  bool place_next_second();

  std::ifstream file_;
  boost::iostreams::filtering_istream in_;
  sim::Rng rng_;
  uint64_t second_ = 0, end_second_;
  std::vector<double> spacing_;
  uint64_t pos_ = 0, count_ = 0;
  double base_s_ = 0, unit_s_ = 0, last_s_ = 0;
};

}  // namespace servesim::bench
