#include "sim/candidate_replay.hpp"

#include <algorithm>
#include <limits>
#include <simgrid/s4u/Link.hpp>

#include "core/interrupt.hpp"

namespace servesim::sim {

namespace {
constexpr double kNoEvent = std::numeric_limits<double>::infinity();
}  // namespace

Progress::Progress(const RunOptions& options, size_t candidates)
    : callback_(options.on_progress),
      now_s_(candidates, 0.0),
      total_s_(candidates, 0.0),
      last_(std::chrono::steady_clock::now()) {}

void Progress::update(size_t i, double now_s) {
  now_s_[i] = now_s;
  const auto t = std::chrono::steady_clock::now();
  if (t - last_ < std::chrono::milliseconds(200)) return;
  last_ = t;
  double done = 0, total = 0;
  for (size_t k = 0; k < now_s_.size(); ++k) {
    done += now_s_[k];
    total = (total < 0 || total_s_[k] < 0) ? -1.0 : total + total_s_[k];
  }
  callback_(done, total);
}

CandidateResult collect_result(const std::string& name, double end_s, const Recorder& recorder,
                               const Client& client, const PlatformModel& model,
                               const std::vector<size_t>& windows) {
  CandidateResult result;
  result.name = name;
  result.platform = model.platform();
  result.requests = recorder.totals();
  result.latency = recorder.latency();
  result.instances_mean = recorder.instances_mean();
  result.instances_peak = recorder.instances_peak();
  result.busy_instance_seconds = recorder.busy_instance_seconds();
  result.cost_usd = recorder.costs();
  result.cost_total_usd = recorder.cost_total_usd();
  result.simulated_s = end_s;
  result.faults = client.faults();
  result.fault_windows.assign(windows.size(), Counters{});
  for (size_t k = 0; k < windows.size(); ++k)
    if (windows[k] != SIZE_MAX) result.fault_windows[k] = recorder.window(windows[k]);
  result.client = client.outcome();
  result.stages = model.stage_counts();
  result.cold_start_sources = model.cold_start_sources();
  result.latency_source = model.latency_source();
  result.cold_start_parts = model.cold_start_parts();
  result.levers = model.lever_outcome();
  result.llm = model.llm_outcome();
  result.event_source = model.event_source_outcome();
  result.workflow = model.workflow_outcome();
  result.training = model.training_outcome();
  return result;
}

CandidateReplay::State::State(const RunOptions& options, const std::string& candidate, double clock_origin_s,
                              Recorder::RowSink sink)
    : source(make_arrival_source(options.workload, options.seed)),
      rng(Rng::derive(options.seed, 1)),
      transfers(clock_origin_s, options.exhaustive_transfers),
      recorder(options.interval_s, options.slo_latency_s, std::move(sink)),
      client(options.client, options.faults.size(), recorder, rng),
      crashes(options.faults, candidate),
      schedule(options.faults, candidate),
      windows(options.faults.size(), SIZE_MAX),
      ctx{recorder, transfers, rng, client, crashes, &request_key, &request_tokens} {
  for (size_t k = 0; k < options.faults.size(); ++k)
    if (schedule.applies(k))
      windows[k] = recorder.watch(options.faults[k].start_s, options.faults[k].report_end_s());
}

CandidateReplay::CandidateReplay(const RunOptions& options, size_t index, CandidateRun& candidate,
                                 CandidateResult& result, std::exception_ptr& error, double clock_origin_s,
                                 Progress& progress, std::vector<StoreLink> links)
    : options_(options),
      index_(index),
      candidate_(candidate),
      result_(result),
      error_(error),
      origin_s_(clock_origin_s),
      progress_(progress),
      links_(std::move(links)) {}

void CandidateReplay::operator()() {
  try {
    replay();
  } catch (...) {
    error_ = std::current_exception();
  }
}

void CandidateReplay::replay() {
  State state(options_, candidate_.name, origin_s_, [this](const IntervalRow& row) {
    if (options_.on_row) options_.on_row(index_, row);
  });
  PlatformModel& model = *candidate_.model;
  model.start(state.ctx);
  const double end_s = std::max(run_events(state, model), state.source->duration_s());
  model.finish(end_s);
  state.recorder.finish(end_s);
  result_ = collect_result(candidate_.name, end_s, state.recorder, state.client, model, state.windows);
}

double CandidateReplay::run_events(State& state, PlatformModel& model) {
  ArrivalSource& source = *state.source;
  TransferPool& transfers = state.transfers;
  Client& client = state.client;
  FaultSchedule& schedule = state.schedule;
  double t_arrival = 0;
  bool more = source.next(t_arrival);
  double now = 0;
  progress_.set_total(index_, source.duration_s());
  uint32_t events = 0;
  for (;;) {
    if (++events == 65536) {  // check the wall clock rarely: it costs more than an event
      events = 0;
      if (progress_.enabled()) progress_.update(index_, now);
      if (options_.cancel && options_.cancel->load(std::memory_order_relaxed)) throw Cancelled();
      core::throw_if_interrupted();  // SIGINT or SIGTERM: unwind so that the caller removes its temporaries
    }
    const bool busy = model.has_work() || client.has_work();
    if (!more && !busy && transfers.empty()) break;
    const double t_model = model.next_event_s();
    const double t_retry = client.next_retry_s();
    const double t_change = more || busy ? schedule.next_change_s() : kNoEvent;
    const double t_next = std::min({more ? t_arrival : kNoEvent, t_model, t_retry, t_change});
    if (!transfers.empty() && t_next >= transfers.earliest_possible_s()) {
      TransferPool::Done done{};
      if (transfers.advance(t_next == kNoEvent ? transfers.now_s() + 1e9 : t_next, done)) {
        now = done.t_s;
        model.on_transfer_done(done.tag, done.t_s);
        continue;
      }
    }
    if (t_next == kNoEvent) break;
    now = t_next;
    if (t_change <= t_next) {
      apply_fault_change(state, model, schedule.pop_change());
    } else if (t_model <= t_next && !(more && t_arrival < t_model)) {
      model.handle_next_event();
    } else if (t_retry <= t_next && !(more && t_arrival < t_retry)) {
      const Client::Attempt a = client.pop_retry();
      offer(state, model, a.t_s, a.origin_s, a.number, a.key, a.tokens);
    } else {
      state.recorder.arrival(t_arrival);
      client.arrival(t_arrival);
      offer(state, model, t_arrival, t_arrival, 0, source.key(), source.tokens());
      more = source.next(t_arrival);
    }
  }
  return now;
}

inline void CandidateReplay::offer(State& state, PlatformModel& model, double t_s, double origin_s,
                                   uint32_t attempt, uint64_t key, RequestTokens tokens) {
  if (const int k = state.schedule.outage_at(t_s); k >= 0) {
    state.client.failed(t_s, origin_s, attempt, false, k, key, tokens);
    return;
  }
  state.request_key = key;
  state.request_tokens = tokens;
  model.on_arrival(t_s, origin_s, attempt);
  state.request_key = kNoKey;
  state.request_tokens = {};
}

void CandidateReplay::apply_fault_change(State& state, PlatformModel& model,
                                         const FaultSchedule::Change& change) {
  const FaultSchedule& schedule = state.schedule;
  const FaultSpec& f = schedule.fault(change.fault);
  if (f.kind == FaultSpec::Kind::node_failure) {
    model.fail_nodes(change.t_s, f.nodes, change.fault);
    return;
  }
  if (f.kind == FaultSpec::Kind::slow_storage) {
    // The store's shared bandwidth is cut from exactly t for every transfer (SimGrid's clock is brought there
    // first: the loop has checked that no transfer completes before), and downloads started while the fault
    // is in force get the same share of the per-connection ceiling for their whole length.
    const int k =
        schedule.tightest(f.kind, change.t_s, [](const FaultSpec& g) { return g.bandwidth_factor; });
    const double factor = k < 0 ? 1.0 : schedule.fault(k).bandwidth_factor;
    state.transfers.sync_clock(change.t_s);
    for (const StoreLink& l : links_) l.link->set_bandwidth(l.bytes_per_s * factor);
    state.transfers.set_rate_factor(factor);
    return;
  }
  const int k = schedule.tightest(f.kind, change.t_s, [](const FaultSpec& g) { return g.concurrency_limit; });
  model.set_concurrency_cap(change.t_s, k < 0 ? UINT32_MAX : schedule.fault(k).concurrency_limit, k);
}

}  // namespace servesim::sim
