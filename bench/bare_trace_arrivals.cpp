#include "bare_trace_arrivals.hpp"

#include <boost/iostreams/filter/bzip2.hpp>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace servesim::bench {

BareTraceArrivals::BareTraceArrivals(const std::string& bz2_path, uint64_t seed, double duration_s)
    : file_(bz2_path, std::ios::binary),
      rng_(sim::Rng::derive(seed, 2)),  // ServeSim's placement stream
      end_second_(duration_s < 0 ? std::numeric_limits<uint64_t>::max() : static_cast<uint64_t>(duration_s)) {
  if (!file_) throw std::runtime_error(bz2_path + ": cannot open file");
  in_.push(boost::iostreams::bzip2_decompressor());
  in_.push(file_);
}

bool BareTraceArrivals::place_next_second() {
  uint64_t rate = 0;
  do {
    if (second_ >= end_second_ || !(in_ >> rate)) return false;
    ++second_;
  } while (rate == 0);
  if (spacing_.size() < rate) spacing_.resize(rate);
  double sum = 0;
  for (uint64_t i = 0; i < rate; ++i) spacing_[i] = sum -= std::log(rng_.uniform_open0());
  sum -= std::log(rng_.uniform_open0());
  base_s_ = static_cast<double>(second_ - 1);
  unit_s_ = 1.0 / sum;
  pos_ = 0;
  count_ = rate;
  return true;
}

}  // namespace servesim::bench
