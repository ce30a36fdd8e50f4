#pragma once
// The workflow engine of a topology candidate with "workflow" (docs/workflows.md), private to
// topology_model.cpp: each arrival is one execution that walks the stages as a Step Functions or Durable
// Functions workflow would. A model stage is a task: each attempt is sent to the stage's platform model with
// its own origin (so the platform's timeouts are per attempt), and a failed attempt (crash, platform
// timeout, throttle, or the task's timeout_s) is retried per the stage's RetryPolicy; the execution fails
// when a task's retries run out. A wait stage delays the execution without a task. A map stage fans out to
// its items (each a chain of tasks, waits and choices from its body stage), at most max_concurrency at once,
// and goes on once all have ended (fan-in); a parallel's branches hold tasks, waits, choices and maps. The
// engine bills transitions (Standard), requests and GB-s (Express) or storage transactions (Durable
// Functions) on the candidate's recorder.
//
// Completions are matched to attempts by TaskDriver::take_sent (the attempt of that stage sent nearest the
// answer's origin). Defined in topology_workflow.cpp (executions and the engine's bill), workflow_tasks.cpp
// (tasks, retries, timeouts and the timers) and workflow_states.cpp (Map, Choice, Parallel, Wait and Catch).
#include <cstdint>
#include <map>
#include <set>
#include <vector>

#include "platforms/topology/topology_task_driver.hpp"

namespace servesim::platforms {

class TopologyModel::Workflow final : public TopologyModel::TaskDriver {
 public:
  Workflow(TopologyModel& owner, const TopologySpec& spec);

  void start(sim::Recorder& recorder) override;  // registers the engine's cost categories
  void arrival(double t_s, double origin_s) override;
  void task_served(size_t k, double t_s, double latency_s) override;
  void task_failed(size_t k, double t_s, Outcome outcome, double origin_s) override;
  double next_event_s() const override { return timers_.empty() ? kNever : timers_.begin()->t_s; }
  void handle_next_event() override;
  bool has_work() const override { return !timers_.empty(); }
  sim::WorkflowOutcome outcome() const;

 private:
  struct Execution {
    double origin_s = 0, start_s = 0;
    uint32_t generation = 0;
    uint32_t outstanding = 0;  // its tasks not yet ended (sent, or waiting for a retry)
    bool done = false, live = false;
    uint64_t deadline_seq = 0;  // its max-duration timer (0: none)
    // The parallel it is in (kNone: none) and its branches still running.
    uint32_t parallel_stage = kNone;
    uint32_t branches_left = 0;
    uint32_t waits_pending = 0;   // its waits inside map items or branches still timing
    uint32_t wait_stage = kNone;  // the wait it is in (kNone: none), its timer and when it ends
    uint64_t wait_seq = 0;
    double wait_until_s = 0;
    // Raised when it leaves a map or a parallel through a catch: the tasks still running there are stale.
    uint32_t scope = 0;
  };
  struct Task {
    uint32_t execution = 0, stage = 0;
    uint32_t retries = 0;        // retries made
    uint32_t generation = 0;     // of the attempt in flight (a timer of an older attempt is stale)
    uint32_t map_run = kNone;    // the map run whose item it is (kNone: not an item)
    bool in_branch = false;      // a task of a parallel's branch
    bool is_wait = false;        // a wait stage inside a map's item or a branch: a timer, not a platform call
    uint32_t scope = 0;          // its execution's scope when it was created
    bool express_child = false;  // in a Distributed Map's EXPRESS child (billed by duration)
    double transition_usd = 0;   // the price of one of its transitions (0: not billed per transition)
    uint32_t tasks_left = 0;     // in a map: tasks of the body its item runs after this one (tasks_per_item)
    double item_start_s = 0;     // in a map: when its item (child execution) started
    bool abandoned = false;      // an attempt stopped by timeout_s, still running on its platform
    bool live = false;
    double sent_s = 0;
    uint64_t timeout_seq = 0;  // its timeout timer (a wait: its end's; 0: none)
    double timeout_at_s = 0;
  };
  // One run of a map state: at the top level, or inside a parallel's branch (in_branch: its fan-in goes on
  // along the branch). Freed once it is closed (fan-in, failure, or its execution or scope ended) and none of
  // its items runs.
  struct MapRun {
    uint32_t execution = 0, execution_generation = 0, stage = 0;
    uint32_t generation = 0;
    bool live = false;
    bool open = false;       // still fanning out or waiting for its items
    bool in_branch = false;  // a map inside a parallel's branch
    uint32_t scope = 0;      // its execution's scope when it was entered
    uint64_t items = 0, started = 0, ended = 0, failed = 0;
    uint32_t in_flight = 0;  // items started and not ended (stale ones included)
    double entered_s = 0;
  };
  struct Timer {
    double t_s;
    uint64_t seq;  // order of creation: ties are handled first-come
    // wait: an execution's top-level Wait; item_wait: a Wait inside a map's item or a branch (a Task).
    enum class Kind : uint8_t { retry, timeout, deadline, wait, item_wait } kind;
    uint32_t id, generation;
    bool operator<(const Timer& o) const { return t_s < o.t_s || (t_s == o.t_s && seq < o.seq); }
  };

  uint32_t new_execution(double origin_s, double t_s);
  uint32_t new_task(uint32_t e, uint32_t stage, uint32_t map_run, bool in_branch = false);
  void enter(uint32_t e, size_t k, double t_s);
  // A Map state entered at the top level or, in_branch, as a state of a parallel's branch.
  void enter_map(uint32_t e, size_t k, double t_s, bool in_branch);
  // Choice states met inside a map's item: from stage k, each split entered picks its next stage (one
  // transition each at usd_each); returns the first stage that is not a split.
  size_t through_choices(size_t k, double t_s, double usd_each);
  void enter_parallel(uint32_t e, size_t k, double t_s);
  // A Wait state (Durable Functions: a durable timer): the execution goes on after the stage's time.
  void enter_wait(uint32_t e, size_t k, double t_s);
  void enter_branch(uint32_t e, size_t k, double t_s);
  // The time a wait stage k entered at t_s waits (seconds, a draw, or until its timestamp), counted in its
  // outcome and, on Durable Functions, billed as timers.
  double wait_for(size_t k, double t_s);
  // Starts task `id` at its stage: a platform call (send), or, for a wait stage, its timer.
  void begin(uint32_t id, double t_s);
  // State k of a parallel's branch (a task, a wait or a map) ended: the branch goes on, ends, or (not ok)
  // fails the parallel.
  void branch_state_ended(uint32_t e, size_t k, double t_s, bool ok, Outcome outcome);
  // State k failed: its catch takes the execution on, else the execution fails.
  void state_failed(uint32_t e, size_t k, double t_s, Outcome outcome);
  void start_item(uint32_t r, double t_s);
  void fill_map(uint32_t r, double t_s);
  void after_map(uint32_t r, double t_s);
  // Map run r is over (open false); its slot is freed once no item of it runs.
  void close_run(uint32_t r);
  void send(uint32_t id, double t_s);
  uint32_t take(size_t k, double origin_s);
  void attempt_failed(uint32_t id, double t_s, Outcome outcome);
  void task_ended(uint32_t id, double t_s, bool ok, Outcome outcome);
  void complete(uint32_t e, double t_s);
  void fail(uint32_t e, double t_s, Outcome outcome);
  void bill_end(uint32_t e, double t_s);
  void release(uint32_t e);
  // n state transitions, counted, and billed at usd_each (a Standard parent's or STANDARD child's price; 0
  // for the states of an Express parent or an EXPRESS child, or on Durable Functions).
  void transitions(uint64_t n, double usd_each);
  // An Express execution's duration from start_s to t_s, rounded up to 100 ms, at memory_mb rounded up to
  // 64 MB chunks: counted in billed_gb_s, billed under `category`.
  void bill_express(int category, double start_s, double t_s, double memory_mb, double price_usd_per_gb_s);
  uint64_t add_timer(double t_s, Timer::Kind kind, uint32_t id, uint32_t generation);
  void drop_timer(double t_s, uint64_t seq);

  TopologyModel& owner_;
  const TopologySpec& spec_;
  const WorkflowSpec& engine_;
  sim::Recorder* rec_ = nullptr;
  int cost_transitions_ = -1, cost_requests_ = -1, cost_duration_ = -1, cost_transactions_ = -1;
  int cost_child_requests_ = -1, cost_child_duration_ = -1;  // Distributed Maps' Express children
  std::vector<Execution> executions_;
  std::vector<uint32_t> free_executions_;
  std::vector<Task> tasks_;
  std::vector<uint32_t> free_tasks_;
  std::vector<MapRun> runs_;
  std::vector<uint32_t> free_runs_;
  std::vector<std::multimap<double, uint32_t>> sent_;  // per stage: attempts in flight by the time sent
  std::set<Timer> timers_;
  uint64_t timer_seq_ = 0;
  // Set while a platform's answer is handled (task_served, task_failed): sends then wait for a timer.
  bool in_platform_callback_ = false;
  struct CallbackScope {
    bool& flag;
    bool saved;
    explicit CallbackScope(bool& f) : flag(f), saved(f) { flag = true; }
    ~CallbackScope() { flag = saved; }
    CallbackScope(const CallbackScope&) = delete;
    CallbackScope& operator=(const CallbackScope&) = delete;
  };
  sim::WorkflowOutcome out_;
};

}  // namespace servesim::platforms
