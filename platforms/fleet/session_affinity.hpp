#pragma once
// Session affinity of a fleet (Cloud Run "session affinity", Container Apps "sticky sessions";
// docs/topology.md, "Session affinity"): the instance that last answered each session, identified by its slot
// and its ready period (life), so that an instance removed or restarted since is known to be gone. The fleet
// asks for a session's home when it places a request and tells the home when an instance answers one; a
// session moves with every answer from another instance (the affinity cookie is set on the response).
//   SessionAffinity affinity;
//   affinity.answered(/*session=*/7, /*instance=*/2, /*life=*/1);
//   affinity.home(7);   // {2, 1}
#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace servesim::platforms {

class SessionAffinity {
 public:
  struct Home {
    uint32_t instance, life;
  };
  // Why a placement with a known session went where it went.
  enum class Outcome : uint8_t {
    hit,        // to the session's instance
    first,      // the session had no instance yet (its first request, or none answered so far)
    gone,       // its instance was removed, crashed or restarted since (another ready period)
    full,       // its instance had no free concurrency slot
    scaled_in,  // its instance is draining for the autoscaler (standby): it takes no new sessions' traffic
  };

  // The session's instance, or nullptr before any answer.
  const Home* home(uint64_t session) const {
    const auto it = homes_.find(session);
    return it == homes_.end() ? nullptr : &it->second;
  }
  void answered(uint64_t session, uint32_t instance, uint32_t life) {
    homes_[session] = Home{instance, life};
  }
  void count(Outcome outcome) { ++counts_[static_cast<size_t>(outcome)]; }
  uint64_t counted(Outcome outcome) const { return counts_[static_cast<size_t>(outcome)]; }
  // For summary.json "levers": affinity_hits and the misses by cause.
  std::vector<std::pair<std::string, double>> outcome() const {
    static const char* const names[] = {"affinity_hits", "affinity_misses_first", "affinity_misses_gone",
                                        "affinity_misses_full", "affinity_misses_scaled_in"};
    std::vector<std::pair<std::string, double>> out;
    for (size_t k = 0; k < 5; ++k) out.emplace_back(names[k], static_cast<double>(counts_[k]));
    return out;
  }

 private:
  std::unordered_map<uint64_t, Home> homes_;  // looked up only, never iterated (determinism)
  uint64_t counts_[5] = {0, 0, 0, 0, 0};
};

}  // namespace servesim::platforms
