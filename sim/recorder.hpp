#pragma once
// Metrics of one candidate's run: whole-run counters and latency histogram, per-interval time series rows
// (streamed to a sink, never kept whole), time-averaged instance counts and the cost meter.
// Every call carries the simulated time and calls must come in non-decreasing time order.
#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "sim/latency_histogram.hpp"

namespace servesim::sim {

struct Counters {
  uint64_t arrived = 0;      // distinct requests (a retried request counts once)
  uint64_t served = 0;       // completed with a response
  uint64_t timed_out = 0;    // exceeded the platform's or the client's timeout
  uint64_t throttled = 0;    // rejected (HTTP 429) after the client's last retry
  uint64_t dropped = 0;      // rejected for lack of queue space or lost
  uint64_t cold_starts = 0;  // requests that waited for a new instance to initialise
  uint64_t retries = 0;      // extra attempts made by clients (not extra arrivals)
  uint64_t queued = 0;       // requests that waited in a queue for capacity before service
  uint64_t served_within_slo = 0;
};

struct IntervalRow {
  double start_s = 0, end_s = 0;
  Counters counts;       // outcomes counted when they happen
  double busy_mean = 0;  // time-averaged instances serving or initialising
  double idle_mean = 0;  // time-averaged warm idle instances
  uint32_t instances_peak = 0;
  double p50_ms = 0, p99_ms = 0;  // of the requests served in this interval (0 when none)
  double cost_usd_cum = 0;
  // A language model served token by token (Recorder::llm_* calls; zeros otherwise): of the requests served
  // in this interval, the p99 time to first token and time per output token, their output tokens; the KV
  // cache in use averaged over the iterations that ended in it; preemptions in it.
  double ttft_p99_ms = 0, tpot_p99_ms = 0;
  uint64_t output_tokens = 0;
  double kv_utilization_mean = 0;
  uint64_t preemptions = 0;
  // Sequences in the replicas' running batches, summed over replicas and averaged over the interval (vLLM's
  // vllm:num_requests_running summed over pods; not written to timeseries.csv).
  double llm_running_mean = 0;
  // A queue in front of the platform (an event source, Recorder::queue; zeros otherwise): the most messages
  // in it during the interval (visible and in flight), and the oldest message's greatest age in it.
  uint64_t queue_depth_peak = 0;
  double queue_oldest_age_peak_s = 0;
};

// Receives everything a Recorder is told instead of the Recorder (see Recorder::set_listener): a composite
// model (platforms/topology_model.hpp) gives each of its stages a recorder that forwards to it, so that it
// learns when a stage has finished with a request and can route it on.
class RecorderListener {
 public:
  enum class Outcome : uint8_t { timed_out, throttled, dropped };
  enum class Event : uint8_t { cold_start, retry, queued };
  virtual ~RecorderListener() = default;
  virtual void served(double t, double latency_s) = 0;
  // `origin_s`: when the failed attempt was sent (its origin_s), or kUnknownOrigin where the caller did not
  // say (a composite that tracks its own requests then falls back on its oldest one; docs/workflows.md).
  static constexpr double kUnknownOrigin = -1;
  virtual void failed(double t, Outcome outcome, double origin_s) = 0;
  virtual void counted(double t, Event event) = 0;
  virtual void instances(double t, uint32_t busy, uint32_t idle) = 0;
  // `category`: an id of this recorder's cost_category() (its name is costs()[category].first).
  virtual void cost(int category, double usd) = 0;
};

class Recorder {
 public:
  using RowSink = std::function<void(const IntervalRow&)>;
  Recorder(double interval_s, double slo_latency_s, RowSink sink);

  int cost_category(const std::string& name);  // register once, before the run; returns an id
  void add_cost(int category, double usd) {
    if (listener_) [[unlikely]]
      return listener_->cost(category, usd);
    costs_[static_cast<size_t>(category)].second += usd;
    cost_total_usd_ += usd;
  }

  // Also count the outcomes that happen within [start_s, end_s) apart (a fault's window); returns its index.
  size_t watch(double start_s, double end_s) {
    windows_.push_back(Window{start_s, end_s, Counters{}});
    return windows_.size() - 1;
  }
  const Counters& window(size_t index) const { return windows_[index].counts; }

  // From now on every outcome, instance change and cost goes to `listener` only (nullptr: recorded here).
  // Without a listener each call pays one predictable branch.
  void set_listener(RecorderListener* listener) { listener_ = listener; }

  void arrival(double t) { count(t, &Counters::arrived); }
  void served(double t, double latency_s) {
    if (listener_) [[unlikely]]
      return listener_->served(t, latency_s);
    roll(t);
    ++interval_.counts.served;
    ++totals_.served;
    const bool within = latency_s <= slo_latency_s_;
    if (within) {
      ++interval_.counts.served_within_slo;
      ++totals_.served_within_slo;
    }
    if (!windows_.empty()) {
      count_windows(t, &Counters::served);
      if (within) count_windows(t, &Counters::served_within_slo);
    }
    latency_.add(latency_s);
    interval_latency_.add(latency_s);
  }
  // `origin_s`: the failed attempt's origin, passed on to a listener only (optional).
  void timed_out(double t, double origin_s = RecorderListener::kUnknownOrigin) {
    failed(t, RecorderListener::Outcome::timed_out, &Counters::timed_out, origin_s);
  }
  void throttled(double t, double origin_s = RecorderListener::kUnknownOrigin) {
    failed(t, RecorderListener::Outcome::throttled, &Counters::throttled, origin_s);
  }
  void dropped(double t, double origin_s = RecorderListener::kUnknownOrigin) {
    failed(t, RecorderListener::Outcome::dropped, &Counters::dropped, origin_s);
  }
  void cold_start(double t) { counted(t, RecorderListener::Event::cold_start, &Counters::cold_starts); }
  void retry(double t) { counted(t, RecorderListener::Event::retry, &Counters::retries); }
  void queued(double t) { counted(t, RecorderListener::Event::queued, &Counters::queued); }
  // The instance counts changed at time t.
  void instances(double t, uint32_t busy, uint32_t idle);
  // Token-level serving (a composite model's stages do not call these): a request served at t with its time
  // to first token and time per output token (tpot_s < 0: a single output token); an iteration of
  // duration_s that ended at t with the KV cache kv_utilization full and running_seqs sequences in its batch;
  // preemptions at t.
  void llm_served(double t, double ttft_s, double tpot_s, uint32_t output_tokens) {
    if (listener_) [[unlikely]]
      return;
    roll(t);
    interval_ttft_.add(ttft_s);
    if (tpot_s >= 0) interval_tpot_.add(tpot_s);
    interval_.output_tokens += output_tokens;
  }
  void llm_iteration(double t, double kv_utilization, double duration_s, uint32_t running_seqs = 0) {
    if (listener_) [[unlikely]]
      return;
    roll(t);
    interval_kv_area_ += kv_utilization * duration_s;
    interval_running_area_ += running_seqs * duration_s;
    interval_kv_time_ += duration_s;
  }
  void llm_preempted(double t, uint64_t n) {
    if (listener_) [[unlikely]]
      return;
    roll(t);
    interval_.preemptions += n;
  }

  // A queue in front of the platform (an SQS event source): from t on it holds `depth` messages, the oldest
  // sent at oldest_sent_s (< 0: empty). Feeds the interval rows' queue columns. Not forwarded to a listener.
  void queue(double t, uint64_t depth, double oldest_sent_s) {
    roll(t);
    note_queue_age(t);
    queue_depth_ = depth;
    queue_oldest_sent_s_ = oldest_sent_s;
    interval_.queue_depth_peak = std::max(interval_.queue_depth_peak, depth);
  }

  // Closes the last interval at t_end_s (the end of the run).
  void finish(double t_end_s);

  const Counters& totals() const { return totals_; }
  const LatencyHistogram& latency() const { return latency_; }
  double instances_mean() const { return instance_seconds_ / (end_s_ > 0 ? end_s_ : 1.0); }
  double busy_instance_seconds() const { return busy_seconds_; }
  uint32_t instances_peak() const { return peak_; }
  double end_s() const { return end_s_; }
  const std::vector<std::pair<std::string, double>>& costs() const { return costs_; }
  double cost_total_usd() const { return cost_total_usd_; }

 private:
  struct Window {
    double start_s, end_s;
    Counters counts;
  };
  void failed(double t, RecorderListener::Outcome outcome, uint64_t Counters::*field, double origin_s) {
    if (listener_) [[unlikely]]
      return listener_->failed(t, outcome, origin_s);
    count(t, field);
  }
  void counted(double t, RecorderListener::Event event, uint64_t Counters::*field) {
    if (listener_) [[unlikely]]
      return listener_->counted(t, event);
    count(t, field);
  }
  void count(double t, uint64_t Counters::*field) {
    roll(t);
    ++(interval_.counts.*field);
    ++(totals_.*field);
    if (!windows_.empty()) count_windows(t, field);
  }
  void count_windows(double t, uint64_t Counters::*field) {
    for (Window& w : windows_)
      if (t >= w.start_s && t < w.end_s) ++(w.counts.*field);
  }
  void roll(double t) {
    if (t >= next_boundary_s_) close_intervals_until(t);
  }
  void close_intervals_until(double t);
  void note_queue_age(double t) {
    if (queue_oldest_sent_s_ >= 0)
      interval_.queue_oldest_age_peak_s =
          std::max(interval_.queue_oldest_age_peak_s, t - queue_oldest_sent_s_);
  }
  void integrate_to(double t);
  void emit_interval(double end_s);

  double interval_s_;
  double slo_latency_s_;
  RowSink sink_;
  double next_boundary_s_;
  uint64_t interval_index_ = 0;
  IntervalRow interval_;
  Counters totals_;
  LatencyHistogram latency_;
  LatencyHistogram interval_latency_;
  LatencyHistogram interval_ttft_, interval_tpot_;
  double interval_kv_area_ = 0, interval_kv_time_ = 0;
  double interval_running_area_ = 0;  // sequences x s of the iterations that ended in the interval
  uint32_t busy_ = 0, idle_ = 0, peak_ = 0;
  double last_change_s_ = 0;
  double interval_busy_s_ = 0, interval_idle_s_ = 0;
  double instance_seconds_ = 0, busy_seconds_ = 0;
  double end_s_ = 0;
  std::vector<std::pair<std::string, double>> costs_;
  double cost_total_usd_ = 0;
  std::vector<Window> windows_;
  RecorderListener* listener_ = nullptr;
  uint64_t queue_depth_ = 0;
  double queue_oldest_sent_s_ = -1;
};

}  // namespace servesim::sim
