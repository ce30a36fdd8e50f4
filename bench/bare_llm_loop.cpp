#include "bare_llm_loop.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "bare_latency_histogram.hpp"
#include "sim/rng.hpp"

namespace servesim::bench {
namespace {

constexpr double kNever = std::numeric_limits<double>::infinity();

struct Arrival {
  double t_s;
  uint32_t input, output;
};

// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's civil-calendar arithmetic).
int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

// "YYYY-MM-DD HH:MM:SS[.f]" as whole seconds since 1970 and a fraction (digits / 10^count, as ServeSim reads
// it, so that the differences come out to the same bit).
void parse_stamp(const std::string& s, int64_t& whole, double& fraction) {
  if (s.size() < 19) throw std::runtime_error("bad timestamp '" + s + "'");
  auto num = [&](size_t at, size_t n) { return std::atoll(s.substr(at, n).c_str()); };
  whole = days_from_civil(num(0, 4), num(5, 2), num(8, 2)) * 86400 + num(11, 2) * 3600 + num(14, 2) * 60 +
          num(17, 2);
  fraction = 0;
  if (s.size() > 20 && s[19] == '.')
    fraction =
        static_cast<double>(std::atoll(s.c_str() + 20)) / std::pow(10.0, static_cast<double>(s.size() - 20));
}

std::vector<Arrival> read_arrivals(const BareLlmConfig& c) {
  std::ifstream in(c.trace_path);
  if (!in) throw std::runtime_error(c.trace_path + ": cannot open file");
  std::string line, field;
  auto get_line = [&] {  // without the CR of a CRLF ending
    if (!std::getline(in, line)) return false;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return true;
  };
  get_line();
  std::vector<std::string> header;
  for (std::istringstream h(line); std::getline(h, field, ',');) header.push_back(field);
  auto column = [&](const std::string& name) {
    const auto it = std::find(header.begin(), header.end(), name);
    if (it == header.end()) throw std::runtime_error(c.trace_path + ": no column " + name);
    return static_cast<size_t>(it - header.begin());
  };
  const size_t ts = column(c.timestamp_column), ic = column(c.input_column), oc = column(c.output_column);
  sim::Rng jitter = sim::Rng::derive(c.seed, 5);  // ServeSim's stream for the spread of copies
  std::vector<Arrival> out;
  std::vector<std::string> fields;
  bool first = true;
  int64_t first_whole = 0;
  double first_fraction = 0, previous = 0;
  while (get_line()) {
    if (line.empty()) continue;
    fields.clear();
    for (std::istringstream r(line); std::getline(r, field, ',');) fields.push_back(field);
    int64_t whole;
    double fraction;
    parse_stamp(fields.at(ts), whole, fraction);
    if (first) {
      first_whole = whole;
      first_fraction = fraction;
      first = false;
    }
    const double t =
        std::max(previous, static_cast<double>(whole - first_whole) + (fraction - first_fraction));
    previous = t;
    // A request with no prompt or no output still takes one token of each.
    const auto input = static_cast<uint32_t>(std::max(1LL, std::atoll(fields.at(ic).c_str())));
    const auto output = static_cast<uint32_t>(std::max(1LL, std::atoll(fields.at(oc).c_str())));
    for (uint32_t i = 0; i < c.scale; ++i) {
      const double copy_t = i == 0 ? t : t + 0.5 * (2.0 * jitter.uniform() - 1.0);
      if (copy_t >= 0) out.push_back(Arrival{copy_t, input, output});
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const Arrival& a, const Arrival& b) { return a.t_s < b.t_s; });
  return out;
}

struct Seq {
  double arrival_s = 0;
  uint32_t input = 0, output = 0;
  uint32_t prompt = 0;     // tokens to prefill (input, plus the tokens generated before a preemption)
  uint32_t prefilled = 0;  // of them, in the KV cache
  uint32_t generated = 0;  // output tokens produced
  uint64_t kv = 0;         // tokens in the KV cache
  double first_token_s = -1;
  bool decoding = false;
  bool decodes_now = false;  // decodes in the running iteration
  uint32_t chunk = 0;        // prompt tokens prefilled in the running iteration
};

struct Stats {
  BareLatencyHistogram ttft, tpot;
  double ttft_sum = 0, tpot_sum = 0;
  uint64_t served = 0, timed_out = 0, input_tokens = 0, output_tokens = 0, preemptions = 0, iterations = 0;
  double busy_s = 0, end_s = 0;
};

class Replica {
 public:
  Replica(const BareLlmConfig& c, Stats& stats)
      : c_(c),
        stats_(stats),
        capacity_(static_cast<double>(c.timing->kv_capacity_tokens() / c.block_tokens * c.block_tokens)),
        slack_((c.block_tokens - 1) / 2.0) {}

  double end_s() const { return end_s_; }
  void add(const Arrival& a, double t_s) {
    Seq s;
    s.arrival_s = a.t_s;
    s.input = s.prompt = a.input;
    s.output = a.output;
    waiting_.push_back(s);
    if (end_s_ == kNever) start(t_s);
  }
  // Ends the running iteration and starts the next.
  void step() {
    const double t = end_s_;
    end_s_ = kNever;
    complete(t);
    start(t);
  }

 private:
  bool fits(double kv, double extra) const {
    return kv + static_cast<double>(running_.size()) * slack_ + extra <= capacity_;
  }

  // The most recently admitted sequence goes back to the front of the queue, to prefill its prompt and the
  // tokens generated so far again.
  void preempt_last(double& kv) {
    Seq s = running_.back();
    running_.pop_back();
    kv -= static_cast<double>(s.kv);
    s.prompt = s.input + s.generated;
    s.prefilled = 0;
    s.kv = 0;
    s.decoding = false;
    waiting_.push_front(s);
    ++stats_.preemptions;
  }

  void start(double t) {
    while (!waiting_.empty() && waiting_.front().arrival_s < t - c_.timeout_s &&
           waiting_.front().generated == 0) {  // the client gave up before it started
      waiting_.pop_front();
      ++stats_.timed_out;
    }
    if (waiting_.empty() && running_.empty()) return;
    double kv = 0;
    uint32_t decoding = 0;
    for (Seq& s : running_) {
      kv += static_cast<double>(s.kv);
      decoding += s.decoding;
      s.chunk = 0;
      s.decodes_now = false;
    }
    while (decoding > 0 && !fits(kv, decoding)) {
      decoding -= running_.back().decoding;
      preempt_last(kv);
    }
    double budget = c_.max_batched_tokens >= decoding ? c_.max_batched_tokens - decoding : 0;
    double prefill_tokens = 0, pairs = 0;
    bool any_chunk = false;
    auto schedule = [&](Seq& s) {
      const double chunk = std::min<double>(s.prompt - s.prefilled, budget);
      pairs += chunk * (s.prefilled + chunk / 2.0);
      s.chunk = static_cast<uint32_t>(chunk);
      s.prefilled += s.chunk;
      s.kv += s.chunk;
      kv += chunk;
      prefill_tokens += chunk;
      budget -= chunk;
      any_chunk = true;
    };
    for (;;) {
      for (Seq& s : running_) {  // prompts being prefilled, oldest first
        if (s.decoding) continue;
        if (budget <= 0) break;
        if (!fits(kv, std::min<double>(s.prompt - s.prefilled, budget))) break;
        schedule(s);
      }
      while (budget > 0 && running_.size() < c_.max_num_seqs && !waiting_.empty()) {
        if (!fits(kv, slack_ + std::min<double>(waiting_.front().prompt, budget))) break;
        running_.push_back(waiting_.front());
        waiting_.pop_front();
        schedule(running_.back());
      }
      if (decoding > 0 || any_chunk || running_.empty()) break;
      // Nothing fits although sequences hold the cache (partial prompts): free the newest and try again.
      preempt_last(kv);
    }
    if (decoding == 0 && !any_chunk) return;
    double decode_context = 0;
    for (Seq& s : running_)
      if (s.decoding) {
        s.decodes_now = true;
        decode_context += static_cast<double>(s.kv);
      }
    const double d = c_.timing->iteration_s(prefill_tokens, pairs, decoding, decode_context);
    end_s_ = t + d;
    stats_.busy_s += d;
    ++stats_.iterations;
  }

  void complete(double t) {
    for (Seq& s : running_) {
      if (s.decodes_now) {  // wrote the token sampled last time and sampled the next
        ++s.kv;
        ++s.generated;
      } else if (s.chunk > 0 && s.prefilled == s.prompt) {  // the prompt's last chunk samples a token
        ++s.generated;
        if (s.first_token_s < 0) s.first_token_s = t;
        if (s.generated < s.output) s.decoding = true;
      }
      if (s.generated >= s.output && (s.decodes_now || s.chunk > 0)) finish(s, t);
    }
    std::erase_if(running_, [](const Seq& s) { return s.generated >= s.output; });
  }

  void finish(const Seq& s, double t) {
    stats_.end_s = std::max(stats_.end_s, t);
    const double latency = t - s.arrival_s;
    if (latency > c_.timeout_s) {  // the client gave up while it ran
      ++stats_.timed_out;
      return;
    }
    ++stats_.served;
    const double ttft = s.first_token_s - s.arrival_s;
    stats_.ttft.add(ttft);
    stats_.ttft_sum += ttft;
    if (s.output > 1) {
      const double tpot = (t - s.first_token_s) / (s.output - 1);
      stats_.tpot.add(tpot);
      stats_.tpot_sum += tpot;
    }
    stats_.input_tokens += s.input;
    stats_.output_tokens += s.output;
  }

  const BareLlmConfig& c_;
  Stats& stats_;
  double capacity_, slack_;
  std::deque<Seq> waiting_;
  std::vector<Seq> running_;  // admission order
  double end_s_ = kNever;     // of the running iteration
};

}  // namespace

BareLlmResult run_bare_llm(const BareLlmConfig& c) {
  const std::vector<Arrival> arrivals = read_arrivals(c);
  Stats stats;
  std::vector<Replica> replicas;
  replicas.reserve(c.replicas);
  for (uint32_t i = 0; i < c.replicas; ++i) replicas.emplace_back(c, stats);
  // Replicas interact only through the routing, so each one is advanced to an arrival only when it gets it.
  for (size_t i = 0; i < arrivals.size(); ++i) {
    Replica& r = replicas[i % c.replicas];
    while (r.end_s() <= arrivals[i].t_s) r.step();
    r.add(arrivals[i], arrivals[i].t_s);
  }
  for (Replica& r : replicas)
    while (r.end_s() != kNever) r.step();
  BareLlmResult out;
  out.requests = arrivals.size();
  out.served = stats.served;
  out.timed_out = stats.timed_out;
  out.input_tokens = stats.input_tokens;
  out.output_tokens = stats.output_tokens;
  out.preemptions = stats.preemptions;
  out.iterations = stats.iterations;
  const double served = static_cast<double>(std::max<uint64_t>(1, stats.served));
  const double multi = static_cast<double>(std::max<uint64_t>(1, stats.tpot.count()));
  out.ttft_mean_s = stats.ttft_sum / served;
  out.ttft_p50_s = stats.ttft.quantile_s(0.5);
  out.ttft_p99_s = stats.ttft.quantile_s(0.99);
  out.tpot_mean_s = stats.tpot_sum / multi;
  out.tpot_p50_s = stats.tpot.quantile_s(0.5);
  out.tpot_p99_s = stats.tpot.quantile_s(0.99);
  out.busy_s = stats.busy_s;
  out.end_s = stats.end_s;
  return out;
}

}  // namespace servesim::bench
