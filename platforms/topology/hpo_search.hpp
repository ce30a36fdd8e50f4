#pragma once
// A hyperparameter search on a workflow topology ("search" on a candidate with "workflow",
// docs/workflows.md): a shorthand that expands into the workflow's stages and edges, so that the search runs
// on the workflow engine like any other workflow. No learning is modelled: the early-stopping rule states how
// many trials go on to the next rung, and the epochs each trial runs; the simulation gives the orchestration
// (map waves, concurrency limits, throttles and retries), the wall time and the bill.
//
// Rounds run one after another (a sequential, Bayesian-style search: round r + 1 is proposed once round r has
// ended); each round is one successive-halving bracket of its trials: rung i is a map of
// floor(n / eta^i) trials, each running the epochs its budget adds (resumed from its checkpoint), one task
// (one invocation) per epoch. One body stage, "trial" (one epoch of one trial), serves every rung, so every
// rung runs on the same function or pool. An optional "aggregate" task ends the search.
//
//   successive_halving(27, 3, 1, 27) == rungs of 27, 9, 3, 1 trials adding 1, 2, 6, 18 epochs
//   SearchExpansion s = read_search(top);  // top: the candidate's fields; s.stages, s.edges as if written
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace servesim::core {
class JsonFields;
}

namespace servesim::platforms {

struct SearchRung {
  uint64_t trials = 0;        // trials that run in the rung
  uint32_t epochs = 0;        // each trial's budget at the end of the rung [epochs]
  uint32_t epochs_added = 0;  // epochs each trial runs in the rung (from the previous rung's checkpoint)
};

// The rungs of one successive-halving bracket (Jamieson & Talwalkar 2016; Li et al., Hyperband, 2018):
// rung i keeps max(1, floor(trials / eta^i)) trials (the best 1/eta of the previous rung, by the stated rule)
// with a budget of min(min_epochs x eta^i, max_epochs) epochs; the last rung is the first to reach
// max_epochs. eta >= 2, 1 <= min_epochs <= max_epochs.
std::vector<SearchRung> successive_halving(uint64_t trials, uint32_t eta, uint32_t min_epochs,
                                           uint32_t max_epochs);

// The stages and edges a "search" expands into, and per stage the JSON pointer of the user's keys it was
// made from (errors in them name the search's keys: /candidates/0/search/trial/candidate/memory_mb).
struct SearchExpansion {
  nlohmann::json stages = nlohmann::json::array();
  nlohmann::json edges = nlohmann::json::array();
  std::vector<std::string> pointers;
};

// Reads the candidate's "search" (top: the candidate's fields) and expands it. Throws InputError for bad
// input: a search without a workflow, beside "stages" or "edges", or with a bad key of its own.
SearchExpansion read_search(core::JsonFields& top);

}  // namespace servesim::platforms
