#pragma once
// A FIFO of waiting requests in a ring buffer that only grows (no allocation per request once warm).
#include <cstddef>
#include <memory>
#include <vector>

#include "sim/arrival_source.hpp"

namespace servesim::platforms {

struct WaitingRequest {
  double arrival_s;      // when the client sent it (latency and timeout are measured from here)
  double enqueue_s;      // when it entered this queue (the batcher's max queue delay is measured from here)
  uint32_t attempt = 0;  // the client's attempt number (0 = first)
  uint32_t input_tokens = 0, output_tokens = 0;  // a language model's request (service.llm), else 0
  std::shared_ptr<const sim::RequestPrefix> prefix =
      nullptr;  // its prompt's prefix blocks (prefix caching), else null
};

class RequestRing {
 public:
  bool empty() const { return count_ == 0; }
  size_t size() const { return count_; }
  const WaitingRequest& front() const { return buf_[head_]; }
  void push_back(const WaitingRequest& r) {
    if (count_ == buf_.size()) grow();
    buf_[(head_ + count_) & (buf_.size() - 1)] = r;
    ++count_;
  }
  void pop_front() {
    head_ = (head_ + 1) & (buf_.size() - 1);
    --count_;
  }
  void clear() { head_ = count_ = 0; }

 private:
  void grow() {
    std::vector<WaitingRequest> bigger(buf_.empty() ? 16 : buf_.size() * 2);
    for (size_t i = 0; i < count_; ++i) bigger[i] = buf_[(head_ + i) & (buf_.size() - 1)];
    buf_.swap(bigger);
    head_ = 0;
  }
  std::vector<WaitingRequest> buf_;  // size is a power of two
  size_t head_ = 0, count_ = 0;
};

}  // namespace servesim::platforms
