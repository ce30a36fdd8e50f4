#pragma once
// A Kubernetes Service's ready endpoints: the pods that receive requests, taken in turn (round robin, as
// kube-proxy's IPVS `rr` mode does; docs/models/kubernetes-gpu.md, Serving). A pod joins when it becomes
// ready and leaves when it starts terminating or is lost; leaving swaps the last endpoint into its place, so
// both cost O(1) and the turn order changes only where a pod left.
//
//   ServiceEndpoints endpoints;
//   endpoints.add(4);
//   endpoints.add(9);
//   endpoints.next();   // 4, then 9, then 4 ...
#include <cstddef>
#include <cstdint>
#include <vector>

namespace servesim::platforms {

class ServiceEndpoints {
 public:
  bool empty() const { return pods_.empty(); }
  size_t size() const { return pods_.size(); }
  // The ready pods, in turn order.
  const std::vector<uint32_t>& pods() const { return pods_; }

  void add(uint32_t pod) {
    if (pod >= position_.size()) position_.resize(pod + 1, 0);
    position_[pod] = static_cast<uint32_t>(pods_.size());
    pods_.push_back(pod);
  }
  // `pod` must be an endpoint.
  void remove(uint32_t pod) {
    const uint32_t last = pods_.back();
    pods_[position_[pod]] = last;
    position_[last] = position_[pod];
    pods_.pop_back();
  }
  // The pod whose turn it is (needs !empty()).
  uint32_t next() { return pods_[take_turn() % pods_.size()]; }
  // This request's position in the turn order (a router that chooses by other rules starts its scan there).
  uint64_t take_turn() { return cursor_++; }

 private:
  std::vector<uint32_t> pods_;
  std::vector<uint32_t> position_;  // per pod id: its index in pods_ (meaningful while it is an endpoint)
  uint64_t cursor_ = 0;             // round-robin cursor, never reset
};

}  // namespace servesim::platforms
