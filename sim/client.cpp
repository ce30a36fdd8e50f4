#include "sim/client.hpp"

#include <algorithm>
#include <cmath>

namespace servesim::sim {

Client::Client(const ClientSpec& spec, size_t faults, Recorder& recorder, Rng& rng)
    : spec_(spec), rec_(recorder), rng_(rng), faults_(faults) {
  if (spec_.budget) {
    const auto seconds = static_cast<size_t>(std::ceil(spec_.budget_window_s));
    bucket_arrivals_.assign(seconds, 0);
    bucket_retries_.assign(seconds, 0);
  }
}

void Client::roll_budget(double t_s) {
  const auto second = static_cast<int64_t>(std::floor(t_s));
  if (second == bucket_second_) return;
  const auto n = static_cast<int64_t>(bucket_arrivals_.size());
  // Clear the buckets of the seconds that left the window (all of them after a long quiet spell).
  for (int64_t s = std::max(bucket_second_ + 1, second - n + 1); s <= second; ++s) {
    const auto k = static_cast<size_t>(s % n);
    window_arrivals_ -= bucket_arrivals_[k];
    window_retries_ -= bucket_retries_[k];
    bucket_arrivals_[k] = bucket_retries_[k] = 0;
  }
  bucket_second_ = second;
}

void Client::arrival(double t_s) {
  if (!spec_.budget) return;
  roll_budget(t_s);
  ++bucket_arrivals_[static_cast<size_t>(bucket_second_ % static_cast<int64_t>(bucket_arrivals_.size()))];
  ++window_arrivals_;
}

bool Client::budget_allows(double t_s) {
  if (!spec_.budget) return true;
  roll_budget(t_s);
  const double allowed = spec_.budget_min_per_s * spec_.budget_window_s +
                         spec_.budget_ratio * static_cast<double>(window_arrivals_);
  if (static_cast<double>(window_retries_) + 1 > allowed) {
    ++outcome_.retries_denied;
    return false;
  }
  ++bucket_retries_[static_cast<size_t>(bucket_second_ % static_cast<int64_t>(bucket_retries_.size()))];
  ++window_retries_;
  return true;
}

double Client::backoff_s(uint32_t attempt_no) {
  // Full jitter: uniform in [0, min(cap, base x 2^attempt)].
  const double cap_s =
      std::min(spec_.backoff_max_ms, spec_.backoff_base_ms * std::ldexp(1.0, attempt_no)) / 1e3;
  return rng_.uniform() * cap_s;
}

void Client::async_requeue(double t_s, double origin_s, double retry_at_s, uint32_t next_attempt, int fault,
                           uint64_t key, RequestTokens tokens) {
  // Lambda discards an event older than MaximumEventAgeInSeconds instead of sending it to the function. It is
  // counted when the failure that leads to that too-late retry happens (at most one interval, 5 min, early).
  if (retry_at_s - origin_s > spec_.async_max_event_age_s) {
    async_lost(t_s, fault, true);
    return;
  }
  rec_.retry(t_s);
  ++outcome_.async_retries;
  pending_.push(Attempt{retry_at_s, origin_s, next_attempt, key, tokens});
}

void Client::async_lost(double t_s, int fault, bool expired) {
  ++(expired ? outcome_.expired_by_age : outcome_.dead_lettered);
  if (fault >= 0) {
    FaultOutcome& f = faults_[static_cast<size_t>(fault)];
    ++f.dead_lettered;
    ++f.requests_lost;
  }
  rec_.dropped(t_s);
}

void Client::async_function_error(double t_s, double origin_s, uint32_t attempt, int fault, uint64_t key,
                                  RequestTokens tokens) {
  const uint32_t errors = attempt % kAsyncThrottleUnit;
  if (errors >= spec_.async_max_retries) {
    async_lost(t_s, fault, false);
    return;
  }
  const double delay_s = spec_.async_retry_delay_s *
                         (spec_.async_retry_delay_doubles ? std::ldexp(1.0, static_cast<int>(errors)) : 1.0);
  async_requeue(t_s, origin_s, t_s + delay_s, attempt + 1, fault, key, tokens);
}

void Client::async_backoff(double t_s, double origin_s, uint32_t attempt, int fault, uint64_t key,
                           RequestTokens tokens) {
  // 1 s, 2 s, 4 s, ... capped at 5 minutes; no jitter is documented, none is drawn.
  const uint32_t throttles = std::min(attempt / kAsyncThrottleUnit, 60u);
  const double delay_s = std::min(spec_.async_backoff_max_s,
                                  spec_.async_backoff_base_s * std::ldexp(1.0, static_cast<int>(throttles)));
  const uint32_t next = attempt + (attempt / kAsyncThrottleUnit < 0xFFFFu ? kAsyncThrottleUnit : 0);
  async_requeue(t_s, origin_s, t_s + delay_s, next, fault, key, tokens);
}

Client::Throttle Client::throttled(double t_s, double origin_s, uint32_t& attempt, double& retry_at_s,
                                   const RequestTokens& tokens) {
  if (spec_.async) {
    async_backoff(t_s, origin_s, attempt, -1, kNoKey, tokens);
    return Throttle::queued;
  }
  if (attempt >= spec_.max_retries || !budget_allows(t_s)) return Throttle::throttled;
  rec_.retry(t_s);
  ++outcome_.retries;
  retry_at_s = t_s + backoff_s(attempt);
  ++attempt;
  return Throttle::retry;
}

bool Client::completed_otherwise(Recorder& recorder, double t_s, double origin_s, uint32_t attempt, Ended how,
                                 double client_limit_s, RequestTokens tokens) {
  const double latency_s = t_s - origin_s;
  if (spec_.async) {
    if (how == Ended::function_error) {
      async_function_error(t_s, origin_s, attempt, -1, kNoKey, tokens);
      return false;
    }
    recorder.served(t_s, latency_s);
    return true;
  }
  if (how == Ended::function_error || latency_s > client_limit_s) {
    recorder.timed_out(t_s, origin_s);
    return false;
  }
  recorder.served(t_s, latency_s);
  return true;
}

void Client::failed(double t_s, double origin_s, uint32_t attempt_no, bool ran, int fault, uint64_t key,
                    RequestTokens tokens) {
  FaultOutcome& f = faults_[static_cast<size_t>(fault)];
  ++f.attempts_failed;
  if (spec_.async) {
    // The platform's event queue retries, whatever the request: a function error if it ran (a crash), a
    // system error (5xx) if it was rejected before it ran (an outage).
    if (ran)
      async_function_error(t_s, origin_s, attempt_no, fault, key, tokens);
    else
      async_backoff(t_s, origin_s, attempt_no, fault, key, tokens);
    return;
  }
  const bool may_retry = !ran || spec_.idempotent;
  if (may_retry && attempt_no < spec_.max_retries && budget_allows(t_s)) {
    rec_.retry(t_s);
    ++outcome_.retries;
    pending_.push(Attempt{t_s + backoff_s(attempt_no), origin_s, attempt_no + 1, key, tokens});
    return;
  }
  ++f.requests_lost;
  rec_.dropped(t_s, origin_s);
}

void Client::add_faults(const std::vector<FaultOutcome>& other) {
  for (size_t k = 0; k < other.size() && k < faults_.size(); ++k) {
    FaultOutcome& f = faults_[k];
    f.attempts_failed += other[k].attempts_failed;
    f.requests_lost += other[k].requests_lost;
    f.dead_lettered += other[k].dead_lettered;
    f.requests_in_flight_lost += other[k].requests_in_flight_lost;
    f.instances_lost += other[k].instances_lost;
  }
}

Client::Attempt Client::pop_retry() {
  const Attempt a = pending_.top();
  pending_.pop();
  return a;
}

}  // namespace servesim::sim
