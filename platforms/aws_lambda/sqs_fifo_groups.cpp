#include "platforms/aws_lambda/sqs_fifo_groups.hpp"

#include <algorithm>

namespace servesim::platforms {

void SqsFifoGroups::make_ready_if_idle(uint64_t id, Group& g) {
  if (g.busy > 0 || g.visible.empty()) return;
  ready_.emplace(g.visible.front().seq, id);
  ready_messages_ += g.visible.size();
}

void SqsFifoGroups::push(const SqsMessage& m) {
  Group& g = groups_[m.group];
  if (g.busy == 0 && g.visible.empty()) ++groups_with_messages_;
  ++waiting_messages_;
  if (g.busy == 0 && !g.visible.empty()) {
    // Idle and ready: one more message ready (its place in ready_ is its oldest message's, unchanged).
    g.visible.push_back(m);
    ++ready_messages_;
    return;
  }
  g.visible.push_back(m);
  make_ready_if_idle(m.group, g);
}

std::vector<SqsMessage> SqsFifoGroups::take(size_t n) {
  std::vector<SqsMessage> batch;
  while (batch.size() < n && !ready_.empty()) {
    const uint64_t id = ready_.begin()->second;
    ready_.erase(ready_.begin());
    Group& g = groups_[id];
    ready_messages_ -= g.visible.size();
    while (batch.size() < n && !g.visible.empty()) {
      batch.push_back(g.visible.front());
      g.visible.pop_front();
      --waiting_messages_;
      ++g.busy;
    }
    // The group's other messages wait until these are settled or visible again.
  }
  return batch;
}

void SqsFifoGroups::settle(uint64_t group) {
  Group& g = groups_[group];
  --g.busy;
  if (g.busy == 0 && g.visible.empty()) {
    --groups_with_messages_;
    groups_.erase(group);
    return;
  }
  make_ready_if_idle(group, g);
}

void SqsFifoGroups::put_back(std::vector<SqsMessage> messages) {
  // Newest first onto each group's front, so each group ends in send order.
  std::sort(messages.begin(), messages.end(),
            [](const SqsMessage& a, const SqsMessage& b) { return a.seq > b.seq; });
  for (const SqsMessage& m : messages) {
    Group& g = groups_[m.group];
    g.visible.push_front(m);
    ++waiting_messages_;
    --g.busy;
  }
  for (const SqsMessage& m : messages) {
    Group& g = groups_[m.group];
    if (g.busy == 0 && !g.visible.empty() && g.visible.front().seq == m.seq) make_ready_if_idle(m.group, g);
  }
}

}  // namespace servesim::platforms
