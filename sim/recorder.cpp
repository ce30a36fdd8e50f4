#include "sim/recorder.hpp"

#include <algorithm>

namespace servesim::sim {

Recorder::Recorder(double interval_s, double slo_latency_s, RowSink sink)
    : interval_s_(interval_s),
      slo_latency_s_(slo_latency_s),
      sink_(std::move(sink)),
      next_boundary_s_(interval_s) {
  interval_.start_s = 0;
}

int Recorder::cost_category(const std::string& name) {
  for (size_t i = 0; i < costs_.size(); ++i)
    if (costs_[i].first == name) return static_cast<int>(i);
  costs_.emplace_back(name, 0.0);
  return static_cast<int>(costs_.size() - 1);
}

void Recorder::integrate_to(double t) {
  const double dt = t - last_change_s_;
  if (dt > 0) {
    interval_busy_s_ += busy_ * dt;
    interval_idle_s_ += idle_ * dt;
    busy_seconds_ += busy_ * dt;
    instance_seconds_ += (busy_ + idle_) * dt;
    last_change_s_ = t;
  }
}

void Recorder::instances(double t, uint32_t busy, uint32_t idle) {
  if (listener_) [[unlikely]]
    return listener_->instances(t, busy, idle);
  roll(t);
  integrate_to(t);
  busy_ = busy;
  idle_ = idle;
  const uint32_t total = busy + idle;
  if (total > interval_.instances_peak) interval_.instances_peak = total;
  if (total > peak_) peak_ = total;
}

void Recorder::emit_interval(double end_s) {
  integrate_to(end_s);
  note_queue_age(end_s);
  interval_.end_s = end_s;
  const double len = end_s - interval_.start_s;
  interval_.busy_mean = len > 0 ? interval_busy_s_ / len : 0;
  interval_.idle_mean = len > 0 ? interval_idle_s_ / len : 0;
  interval_.p50_ms = interval_latency_.quantile_s(0.50) * 1e3;
  interval_.p99_ms = interval_latency_.quantile_s(0.99) * 1e3;
  interval_.cost_usd_cum = cost_total_usd_;
  if (interval_ttft_.count() > 0) interval_.ttft_p99_ms = interval_ttft_.quantile_s(0.99) * 1e3;
  if (interval_tpot_.count() > 0) interval_.tpot_p99_ms = interval_tpot_.quantile_s(0.99) * 1e3;
  if (interval_kv_time_ > 0) interval_.kv_utilization_mean = interval_kv_area_ / interval_kv_time_;
  interval_.llm_running_mean = len > 0 ? interval_running_area_ / len : 0;
  if (sink_) sink_(interval_);
  interval_latency_.clear();
  if (interval_ttft_.count() > 0) interval_ttft_.clear();
  if (interval_tpot_.count() > 0) interval_tpot_.clear();
  interval_kv_area_ = interval_kv_time_ = 0;
  interval_running_area_ = 0;
  interval_busy_s_ = interval_idle_s_ = 0;
  interval_ = IntervalRow{};
  interval_.start_s = end_s;
  interval_.instances_peak = busy_ + idle_;
  interval_.queue_depth_peak = queue_depth_;
  note_queue_age(end_s);
}

void Recorder::close_intervals_until(double t) {
  while (t >= next_boundary_s_) {
    emit_interval(next_boundary_s_);
    ++interval_index_;
    next_boundary_s_ = static_cast<double>(interval_index_ + 1) * interval_s_;  // no accumulated rounding
  }
}

void Recorder::finish(double t_end_s) {
  roll(t_end_s);
  end_s_ = t_end_s;
  if (t_end_s > interval_.start_s) emit_interval(t_end_s);
}

}  // namespace servesim::sim
