#pragma once
// Items that come due at a time, taken earliest first; items due at the same time come out in the order
// they were put in (so a run never depends on how the heap breaks ties). Used for what an event source holds
// until later: a Kinesis producer's refused puts until their retry, Pub/Sub's nacked messages until their
// backoff ends.
//   sim::TimedQueue<Message> backoff;
//   backoff.push(t_s + delay_s, message);
//   while (backoff.next_s() <= now_s) ready.push_back(backoff.pop());
#include <cstdint>
#include <limits>
#include <queue>
#include <utility>
#include <vector>

namespace servesim::sim {

template <class T>
class TimedQueue {
 public:
  void push(double due_s, T item) { heap_.push(Entry{due_s, next_order_++, std::move(item)}); }
  bool empty() const { return heap_.empty(); }
  // When the earliest item comes due (infinity when there is none).
  double next_s() const {
    return heap_.empty() ? std::numeric_limits<double>::infinity() : heap_.top().due_s;
  }
  // Takes the earliest item out (the queue must not be empty).
  T pop() {
    T item = heap_.top().item;
    heap_.pop();
    return item;
  }

 private:
  struct Entry {
    double due_s;
    uint64_t order;
    T item;
  };
  struct Later {
    bool operator()(const Entry& a, const Entry& b) const {
      return a.due_s != b.due_s ? a.due_s > b.due_s : a.order > b.order;
    }
  };
  std::priority_queue<Entry, std::vector<Entry>, Later> heap_;
  uint64_t next_order_ = 0;
};

}  // namespace servesim::sim
