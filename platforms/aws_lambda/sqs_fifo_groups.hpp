#pragma once
// The visible messages of an SQS FIFO queue, by message group (docs/events.md, "SQS FIFO queues"): a group's
// messages are received in the order they were sent, and none of a group is received while another of its
// messages is in flight or invisible after a failure ("no other consumer can process messages from that same
// group until the visibility timeout expires or the message is deleted", SQS developer guide). A receive
// takes as many messages of the group with the oldest message as it may, then fills up from the next groups,
// oldest first ("If fewer than 10 messages are available for the same message group ID, Amazon SQS may
// include messages from other message group IDs in the same batch").
//   SqsFifoGroups groups;
//   groups.push(message);              // sent
//   auto batch = groups.take(10);      // received: their groups are busy
//   groups.settle(message.group);      // deleted, dead-lettered or expired: one fewer busy message
//   groups.put_back(returning);        // visible again after a failure, in order, at their groups' front
#include <cstddef>
#include <cstdint>
#include <deque>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

namespace servesim::platforms {

// A message of an SQS queue, as the event source mapping sees it.
struct SqsMessage {
  uint64_t seq;  // position in the ledger (in send order)
  double sent_s;
  uint32_t receives;
  bool fails = false;      // a failing record: fails on every try
  bool processed = false;  // an earlier try processed it, and its batch failed for another message
  uint64_t group = 0;      // message group ID (FIFO queues)
};

class SqsFifoGroups {
 public:
  void push(const SqsMessage& m);
  // Up to n messages of the groups that are not busy, oldest group first; their groups become busy.
  std::vector<SqsMessage> take(size_t n);
  // A received message left the queue (deleted, dead-lettered, expired): its group may be received again once
  // none of its messages is in flight or invisible.
  void settle(uint64_t group);
  // Messages of failed batches visible again: back at the front of their groups, in send order.
  void put_back(std::vector<SqsMessage> messages);

  size_t ready_messages() const { return ready_messages_; }  // in groups that can be received now
  size_t waiting_messages() const { return waiting_messages_; }
  size_t groups_with_messages() const { return groups_with_messages_; }

 private:
  struct Group {
    std::deque<SqsMessage> visible;
    uint32_t busy = 0;  // messages in flight or invisible
  };
  void make_ready_if_idle(uint64_t id, Group& g);

  std::unordered_map<uint64_t, Group> groups_;
  std::set<std::pair<uint64_t, uint64_t>>
      ready_;  // (oldest message's seq, group) of idle groups with messages
  size_t ready_messages_ = 0;
  size_t waiting_messages_ = 0;
  size_t groups_with_messages_ = 0;  // groups with messages visible, in flight or invisible
};

}  // namespace servesim::platforms
