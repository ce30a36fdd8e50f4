#pragma once
// The phases of a pod of a Deployment and the ReplicaSet's deletion order when it scales down, as in
// kubernetes/kubernetes pkg/controller/controller_utils.go (ActivePods' Less): unscheduled before scheduled,
// then pending before running, not ready before ready, then the pod ready (or, not ready, created) most
// recently first. Terminating and gone pods are not candidates.
//
//   deleted_before({PodPhase::starting, 30.0}, {PodPhase::ready, 10.0});   // true: not ready goes first
#include <cstdint>

namespace servesim::platforms {

enum class PodPhase : uint8_t {
  pending,      // no node yet (waits for the provisioner)
  reserved,     // bound to a node that is still being provisioned
  starting,     // on a ready node: container start and model load
  ready,        // a Service endpoint
  terminating,  // draining for the grace period, still holding its GPU
  gone          // the slot is free
};

// A pod as the deletion order sees it: its phase, and since when it has been ready (ready pods) or since its
// creation (the others) [s].
struct DeletionCandidate {
  PodPhase phase;
  double since_s;
};

constexpr bool is_deletion_candidate(PodPhase phase) {
  return phase == PodPhase::pending || phase == PodPhase::reserved || phase == PodPhase::starting ||
         phase == PodPhase::ready;
}

// Whether the ReplicaSet deletes `a` before `b` (both candidates). On a full tie neither goes first: the
// caller keeps the pod it saw first.
constexpr bool deleted_before(const DeletionCandidate& a, const DeletionCandidate& b) {
  // The phases are declared in deletion order: pending, reserved (unscheduled or not yet running), starting
  // (not ready), ready.
  if (a.phase != b.phase) return static_cast<uint8_t>(a.phase) < static_cast<uint8_t>(b.phase);
  return a.since_s > b.since_s;
}

}  // namespace servesim::platforms
