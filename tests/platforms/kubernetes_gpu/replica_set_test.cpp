// The ReplicaSet's deletion order on scale-down, case by case from kubernetes/kubernetes
// pkg/controller/controller_utils.go (ActivePods): unscheduled before scheduled, not running before running,
// not ready before ready, then the most recently ready (or created) first.
#include "platforms/kubernetes_gpu/replica_set.hpp"

#include <catch2/catch.hpp>

using servesim::platforms::deleted_before;
using servesim::platforms::is_deletion_candidate;
using servesim::platforms::PodPhase;

TEST_CASE("platforms::ReplicaSet: which pod a scale-down deletes first") {
  SECTION("a pod without a node before one bound to a node being provisioned") {
    CHECK(deleted_before({PodPhase::pending, 5}, {PodPhase::reserved, 50}));
    CHECK_FALSE(deleted_before({PodPhase::reserved, 50}, {PodPhase::pending, 5}));
  }
  SECTION("a starting pod before a ready one, however old") {
    CHECK(deleted_before({PodPhase::starting, 1}, {PodPhase::ready, 100}));
    CHECK(deleted_before({PodPhase::reserved, 1}, {PodPhase::starting, 100}));
  }
  SECTION("among ready pods, the one ready most recently") {
    // Ready since 120 s and since 30 s: the 120 s one has served least long and goes first.
    CHECK(deleted_before({PodPhase::ready, 120}, {PodPhase::ready, 30}));
    CHECK_FALSE(deleted_before({PodPhase::ready, 30}, {PodPhase::ready, 120}));
  }
  SECTION("a full tie deletes neither first (the caller keeps the one it saw first)") {
    CHECK_FALSE(deleted_before({PodPhase::ready, 60}, {PodPhase::ready, 60}));
  }
  SECTION("terminating and gone pods are not candidates") {
    CHECK(is_deletion_candidate(PodPhase::pending));
    CHECK(is_deletion_candidate(PodPhase::ready));
    CHECK_FALSE(is_deletion_candidate(PodPhase::terminating));
    CHECK_FALSE(is_deletion_candidate(PodPhase::gone));
  }
}
