#include "reports/run_report.hpp"

#include <cmath>
#include <cstring>
#include <filesystem>
#include <sstream>

#include "core/input_error.hpp"
#include "reports/candidate_model.hpp"
#include "reports/event_source_summary.hpp"
#include "sim/slo.hpp"

namespace servesim::reports {

double round_significant(double value, int digits) {
  if (value == 0 || !std::isfinite(value)) return value;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", digits, value);
  return std::strtod(buf, nullptr);
}

namespace {
constexpr const char* kTimeseriesHeader =
    "candidate,start_s,end_s,arrivals,served,served_within_slo,cold_starts,throttled,timed_out,dropped,"
    "retries,"
    "busy_instances_mean,idle_instances_mean,instances_peak,p50_ms,p99_ms,cost_usd_cumulative\n";

std::string g6(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}
}  // namespace

namespace {
// Rows held in memory before a candidate's are appended to its part file: per candidate, and for all
// together.
constexpr size_t kCandidateBufferBytes = 64 * 1024;
constexpr size_t kTotalBufferBytes = 16 * 1024 * 1024;

std::string part_path(const std::string& path, size_t candidate) {
  return path + ".part" + std::to_string(candidate);
}
}  // namespace

TimeseriesWriter::TimeseriesWriter(const std::string& path, const std::vector<std::string>& names,
                                   bool llm_columns, bool queue_columns)
    : path_(path),
      names_(names),
      buffers_(names.size()),
      has_part_(names.size(), false),
      llm_columns_(llm_columns),
      queue_columns_(queue_columns) {}

TimeseriesWriter::~TimeseriesWriter() {
  for (size_t i = 0; i < has_part_.size(); ++i)
    if (has_part_[i]) std::remove(part_path(path_, i).c_str());
}

void TimeseriesWriter::row(size_t i, const sim::IntervalRow& r) {
  const auto& c = r.counts;
  const auto format = [&](char* out, size_t size) {
    return std::snprintf(out, size, ",%.6f,%.6f,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%s,%s,%u,%s,%s,%s\n",
                         r.start_s, r.end_s, (unsigned long long)c.arrived, (unsigned long long)c.served,
                         (unsigned long long)c.served_within_slo, (unsigned long long)c.cold_starts,
                         (unsigned long long)c.throttled, (unsigned long long)c.timed_out,
                         (unsigned long long)c.dropped, (unsigned long long)c.retries,
                         g6(r.busy_mean).c_str(), g6(r.idle_mean).c_str(), r.instances_peak,
                         g6(r.p50_ms).c_str(), g6(r.p99_ms).c_str(), g6(r.cost_usd_cum).c_str());
  };
  char line[768];
  int n = format(line, sizeof line);
  // Replaces the newline ending the line by optional columns (`write` formats them and a newline).
  const auto extend = [&](const auto& write) {
    if (n <= 0 || static_cast<size_t>(n) >= sizeof line) return;
    const int m = write(line + n - 1, sizeof line - static_cast<size_t>(n - 1));
    n = m < 0 ? m : n - 1 + m;
  };
  if (llm_columns_)  // the language-model columns
    extend([&](char* out, size_t size) {
      return std::snprintf(out, size, ",%s,%s,%llu,%s,%llu\n", g6(r.ttft_p99_ms).c_str(),
                           g6(r.tpot_p99_ms).c_str(), (unsigned long long)r.output_tokens,
                           g6(r.kv_utilization_mean).c_str(), (unsigned long long)r.preemptions);
    });
  if (queue_columns_)  // the event-source queue columns
    extend([&](char* out, size_t size) {
      return std::snprintf(out, size, ",%llu,%s\n", (unsigned long long)r.queue_depth_peak,
                           g6(r.queue_oldest_age_peak_s).c_str());
    });
  if (n < 0) throw input_error(path_, "", "cannot format a row");
  std::string& buffer = buffers_[i];
  const size_t before = buffer.size();
  buffer += names_[i];
  if (static_cast<size_t>(n) < sizeof line) {
    buffer.append(line, static_cast<size_t>(n));
  } else {  // numbers too large for the stack buffer: format again at their size
    std::string wide(static_cast<size_t>(n) + 1, '\0');
    format(wide.data(), wide.size());
    buffer.append(wide.data(), static_cast<size_t>(n));
  }
  buffered_bytes_ += buffer.size() - before;
  if (buffer.size() >= kCandidateBufferBytes) flush(i);
  if (buffered_bytes_ >= kTotalBufferBytes)
    for (size_t k = 0; k < buffers_.size(); ++k) flush(k);
}

void TimeseriesWriter::flush(size_t i) {
  std::string& buffer = buffers_[i];
  if (buffer.empty()) return;
  const std::string part = part_path(path_, i);
  FILE* f = std::fopen(part.c_str(), has_part_[i] ? "ab" : "wb");
  if (!f) throw input_error(part, "", "cannot write file");
  has_part_[i] = true;
  const bool written = std::fwrite(buffer.data(), 1, buffer.size(), f) == buffer.size();
  if (std::fclose(f) != 0 || !written) throw input_error(part, "", "write failed");
  buffered_bytes_ -= buffer.size();
  buffer.clear();
  buffer.shrink_to_fit();
}

void TimeseriesWriter::close() {
  FILE* out = std::fopen(path_.c_str(), "wb");
  if (!out) throw input_error(path_, "", "cannot write file");
  std::string header = kTimeseriesHeader;
  if (llm_columns_) {  // the language-model columns before the newline
    header.pop_back();
    header += ",ttft_p99_ms,tpot_p99_ms,output_tokens,kv_cache_utilization_mean,preemptions\n";
  }
  if (queue_columns_) {  // the event-source queue columns before the newline
    header.pop_back();
    header += ",queue_depth_peak,queue_oldest_age_peak_s\n";
  }
  std::fputs(header.c_str(), out);
  std::vector<char> buf(1 << 16);
  for (size_t i = 0; i < names_.size(); ++i) {
    if (has_part_[i]) {
      const std::string part = part_path(path_, i);
      FILE* in = std::fopen(part.c_str(), "rb");
      size_t n;
      while (in && (n = std::fread(buf.data(), 1, buf.size(), in)) > 0) std::fwrite(buf.data(), 1, n, out);
      if (in) std::fclose(in);
      std::remove(part.c_str());
      has_part_[i] = false;
    }
    std::fwrite(buffers_[i].data(), 1, buffers_[i].size(), out);
    buffered_bytes_ -= buffers_[i].size();
    std::string().swap(buffers_[i]);
  }
  if (std::fclose(out) != 0) throw input_error(path_, "", "write failed");
}

namespace {
// A histogram's mean, p50, p90 and p99 [ms], rounded as summary.json rounds.
nlohmann::ordered_json quantiles_ms(const sim::LatencyHistogram& h) {
  return nlohmann::ordered_json{{"mean", round_significant(h.mean_s() * 1e3)},
                                {"p50", round_significant(h.quantile_s(0.50) * 1e3)},
                                {"p90", round_significant(h.quantile_s(0.90) * 1e3)},
                                {"p99", round_significant(h.quantile_s(0.99) * 1e3)}};
}

// A workflow topology's engine (docs/workflows.md): executions and how they ended, the makespan (the
// candidate's end-to-end latency of a completed execution), transitions, cost per completed execution, and
// per stage the task attempts, retries and timeouts or the map's items and their wait for a slot.
nlohmann::ordered_json workflow_json(const sim::CandidateResult& r) {
  const auto& w = r.workflow;
  nlohmann::ordered_json j = {
      {"engine", w.engine},
      {"executions",
       {{"started", w.executions},
        {"completed", w.completed},
        {"failed", w.failed},
        {"failed_as",
         {{"timed_out", w.failed_timed_out},
          {"throttled", w.failed_throttled},
          {"dropped", w.failed_dropped}}},
        {"failed_by_map_tolerance", w.failed_by_map},
        {"failed_by_max_duration", w.failed_by_duration}}},
      {"makespan_ms", quantiles_ms(r.latency)},
      {"transitions", w.transitions},
      {"child_executions", w.child_executions},
      {"transitions_per_execution",
       round_significant(w.executions ? static_cast<double>(w.transitions) / static_cast<double>(w.executions)
                                      : 0.0)},
      {"cost_per_completed_usd",
       round_significant(w.completed ? r.cost_total_usd / static_cast<double>(w.completed) : 0.0)}};
  if (w.storage_transactions > 0) j["storage_transactions"] = round_significant(w.storage_transactions);
  if (w.billed_gb_s > 0) j["billed_gb_s"] = round_significant(w.billed_gb_s);
  j["stages"] = nlohmann::ordered_json::array();
  for (const auto& s : w.stages) {
    nlohmann::ordered_json st = {{"stage", s.id}, {"kind", s.kind}};
    if (s.kind == "split") {  // a Choice state: where it sent the executions is in the topology's stages
      st["runs"] = s.runs;
    } else if (s.kind == "parallel") {
      st["runs"] = s.runs;
      st["runs_failed"] = s.runs_failed;
      st["branches"] = s.branches;
    } else if (s.kind == "wait") {  // a Wait state or durable timer: no task
      st["runs"] = s.runs;
      st["wait_ms"] = {
          {"mean", round_significant(s.runs ? s.wait_s_sum / static_cast<double>(s.runs) * 1e3 : 0.0)},
          {"max", round_significant(s.wait_s_max * 1e3)}};
      if (s.timers > 0) st["durable_timers"] = s.timers;
    } else if (s.kind == "map") {
      st["mode"] = s.distributed ? "distributed" : "inline";
      st["runs"] = s.runs;
      st["runs_failed"] = s.runs_failed;
      st["items"] = s.items;
      st["items_failed"] = s.items_failed;
      st["items_waited"] = s.items_waited;
      st["slot_wait_ms"] = {
          {"mean", round_significant(s.items ? s.wait_s_sum / static_cast<double>(s.items) * 1e3 : 0.0)},
          {"max", round_significant(s.wait_s_max * 1e3)}};
      st["concurrency_peak"] = s.concurrency_peak;
    } else {
      st["attempts"] = s.attempts;
      st["retries"] = s.retries;
      st["timeouts"] = s.timeouts;
      st["tasks_failed"] = s.tasks_failed;
      st["throttles"] = s.throttles;
    }
    if (s.has_catch) st["caught"] = s.caught;
    j["stages"].push_back(st);
  }
  return j;
}
// A training topology (docs/training.md): jobs and how they ended, the job makespan (the candidate's
// end-to-end latency), the GPU pool's time (busy, idle waiting for data, idle with no job), its cost with
// the price's source, the preprocessing's cost (the rest of the candidate's) and the cost per completed job.
nlohmann::ordered_json training_json(const sim::CandidateResult& r) {
  const auto& t = r.training;
  const double idle_s = t.waiting_for_data_s + t.no_job_s;
  auto share = [&](double part_s) { return round_significant(t.held_s > 0 ? part_s / t.held_s : 0.0); };
  return {{"jobs",
           {{"started", t.jobs},
            {"completed", t.completed},
            {"failed", t.failed},
            {"failed_as",
             {{"timed_out", t.failed_timed_out},
              {"throttled", t.failed_throttled},
              {"dropped", t.failed_dropped}}}}},
          {"makespan_ms", quantiles_ms(r.latency)},
          {"steps", t.steps},
          {"preprocessing",
           {{"shards", t.shards},
            {"attempts", t.task_attempts},
            {"retries", t.task_retries},
            {"throttles", t.task_throttles},
            {"concurrency_peak", t.concurrency_peak}}},
          {"gpu_pool",
           {{"node_type", t.node_type},
            {"nodes", t.nodes},
            {"gpus", t.gpus},
            {"held_s", round_significant(t.held_s)},
            {"busy_s", round_significant(t.busy_s)},
            {"idle_s",
             {{"total", round_significant(idle_s)},
              {"waiting_for_data", round_significant(t.waiting_for_data_s)},
              {"no_job", round_significant(t.no_job_s)}}},
            {"idle_share", share(idle_s)},
            {"gpu_hours_busy", round_significant(t.busy_s * t.gpus / 3600)},
            {"gpu_hours_idle", round_significant(idle_s * t.gpus / 3600)},
            {"price_usd_per_node_hour", round_significant(t.price_usd_per_node_hour)},
            {"price_source", t.price_source}}},
          {"cost_usd",
           {{"gpu", round_significant(t.gpu_cost_usd)},
            {"preprocessing", round_significant(r.cost_total_usd - t.gpu_cost_usd)},
            {"per_completed_job",
             round_significant(t.completed ? r.cost_total_usd / static_cast<double>(t.completed) : 0.0)}}}};
}
}  // namespace

nlohmann::ordered_json summary_json(const sim::Scenario& sc,
                                    const std::vector<sim::CandidateResult>& results) {
  using nlohmann::ordered_json;
  nlohmann::ordered_json doc;
  doc["scenario"] = sc.name;
  doc["seed"] = sc.seed;
  doc["slo"] = {{"p99_ms", sc.slo.p99_ms}, {"timeout_s", sc.slo.timeout_s}};
  if (sc.slo.ttft_ms > 0) doc["slo"]["ttft_ms"] = sc.slo.ttft_ms;
  if (sc.slo.tpot_ms > 0) doc["slo"]["tpot_ms"] = sc.slo.tpot_ms;
  doc["candidates"] = ordered_json::array();
  for (const auto& r : results) {
    const auto& q = r.requests;
    ordered_json c;
    c["name"] = r.name;
    c["platform"] = r.platform;
    c["latency_source"] = r.latency_source;
    // The language model it serves: service.llm's, or its own (candidates[i].llm, docs/scenario.md).
    if (sc.service.llm.given) c["model"] = model_json(llm_of_result(sc, r.name));
    c["requests"] = {{"arrived", q.arrived},     {"served", q.served},       {"cold_starts", q.cold_starts},
                     {"throttled", q.throttled}, {"timed_out", q.timed_out}, {"dropped", q.dropped},
                     {"retries", q.retries},     {"queued", q.queued}};
    c["latency_ms"] = quantiles_ms(r.latency);
    c["latency_ms"]["max"] = round_significant(r.latency.max_s() * 1e3);
    c["instances"] = {{"mean", round_significant(r.instances_mean)}, {"peak", r.instances_peak}};
    ordered_json cost;
    cost["total"] = round_significant(r.cost_total_usd);
    for (const auto& [k, v] : r.cost_usd) cost[k] = round_significant(v);
    c["cost_usd"] = cost;
    const sim::SloOutcome slo = sim::judge_slo(r, sc.slo);
    c["slo"] = {{"attainment", round_significant(slo.attainment)},
                {"attainment_target", sc.slo.attainment_target},
                {"met", slo.met}};
    const uint64_t accounted = q.served + q.timed_out + q.throttled + q.dropped;
    c["conservation"] = {{"arrived", q.arrived}, {"accounted", accounted}, {"holds", accounted == q.arrived}};
    c["simulated_s"] = round_significant(r.simulated_s, 9);
    if (!r.cold_start_sources.empty()) {
      ordered_json sources;
      for (const auto& [name, n] : r.cold_start_sources) sources[name] = n;
      c["cold_start_sources"] = sources;
    }
    if (sc.service.model_source != sim::ServiceSpec::ModelSource::unset) {
      // Where each cold start's time went, on average (docs/scenario.md, cold_start.source).
      const auto& p = r.cold_start_parts;
      const double n = p.count > 0 ? static_cast<double>(p.count) : 1.0;
      const double total_s = p.allocation_s + p.init_s + p.pull_s + p.download_s + p.load_s;
      c["cold_start"] = {{"source", sim::model_source_name(sc.service.model_source)},
                         {"count", p.count},
                         {"mean_s",
                          {{"allocation", round_significant(p.allocation_s / n)},
                           {"init", round_significant(p.init_s / n)},
                           {"pull", round_significant(p.pull_s / n)},
                           {"download", round_significant(p.download_s / n)},
                           {"load", round_significant(p.load_s / n)},
                           {"total", round_significant(total_s / n)}}},
                         {"fetched_mb", round_significant(p.fetched_mb / n)}};
    }
    if (!r.levers.empty()) {
      // What the cold-start levers did (docs/scenario.md: provisioned_concurrency_schedule, startup_probe).
      ordered_json levers;
      // A name ending in _s is a duration (a number); any other a count (a whole number).
      for (const auto& [name, v] : r.levers) {
        if (name.size() > 2 && name.compare(name.size() - 2, 2, "_s") == 0)
          levers[name] = round_significant(v);
        else
          levers[name] = static_cast<int64_t>(std::llround(v));
      }
      c["levers"] = levers;
    }
    if (r.llm.present) {
      // Token-level serving (service.llm, docs/models/llm-serving.md).
      const auto& l = r.llm;
      const double gpu_s = r.instances_mean * r.simulated_s * l.gpus_per_replica;
      const double tokens = static_cast<double>(l.input_tokens + l.output_tokens);
      c["llm"] = {
          {"basis", l.basis},
          {"ttft_ms", quantiles_ms(l.ttft)},
          {"tpot_ms", quantiles_ms(l.tpot)},
          {"goodput",
           {{"requests", l.goodput},
            {"share", round_significant(
                          q.arrived ? static_cast<double>(l.goodput) / static_cast<double>(q.arrived) : 1.0)},
            {"ttft_target_ms", sc.slo.ttft_ms},
            {"tpot_target_ms", sc.slo.tpot_ms}}},
          {"tokens", {{"input", l.input_tokens}, {"output", l.output_tokens}}},
          {"output_tokens_per_gpu_s", round_significant(gpu_s > 0 ? l.output_tokens / gpu_s : 0)},
          {"usd_per_million_tokens", round_significant(tokens > 0 ? r.cost_total_usd / tokens * 1e6 : 0)},
          {"kv_cache",
           {{"utilization_mean", round_significant(l.kv_utilization_mean)},
            {"utilization_peak", round_significant(l.kv_utilization_peak)},
            {"preemptions", l.preemptions}}},
      };
      if (l.prefix_caching)  // llm_prefix_caching: what the replicas' prefix caches saved
        c["llm"]["prefix_cache"] = {
            {"hit_tokens", l.prefix_hit_tokens},
            {"hit_rate", round_significant(l.input_tokens > 0 ? static_cast<double>(l.prefix_hit_tokens) /
                                                                    static_cast<double>(l.input_tokens)
                                                              : 0.0)}};
    }
    if (r.event_source.present) c["event_source"] = event_source_summary(r.event_source, q);
    if (!sc.faults.empty() || sc.client.budget || sc.client.async) {
      const auto& o = r.client;
      c["client"] = {{"retries", o.retries},
                     {"retries_denied_by_budget", o.retries_denied},
                     {"async_retries", o.async_retries},
                     {"dead_lettered", o.dead_lettered}};
      if (sc.client.async) c["client"]["expired_by_age"] = o.expired_by_age;
    }
    if (!sc.faults.empty()) {
      c["faults"] = ordered_json::array();
      for (size_t k = 0; k < sc.faults.size(); ++k) {
        if (!sc.faults[k].applies_to(r.name)) continue;
        const auto& f = r.faults[k];
        const auto& w = r.fault_windows[k];
        c["faults"].push_back({{"fault", k},
                               {"label", sc.faults[k].label()},
                               {"attempts_failed", f.attempts_failed},
                               {"requests_lost", f.requests_lost},
                               {"dead_lettered", f.dead_lettered},
                               {"requests_in_flight_lost", f.requests_in_flight_lost},
                               {"instances_lost", f.instances_lost},
                               {"window",
                                {{"arrived", w.arrived},
                                 {"served", w.served},
                                 {"served_within_slo", w.served_within_slo},
                                 {"cold_starts", w.cold_starts},
                                 {"throttled", w.throttled},
                                 {"timed_out", w.timed_out},
                                 {"dropped", w.dropped},
                                 {"retries", w.retries}}}});
      }
    }
    if (!r.stages.empty()) {
      // A serving topology: what each stage did (docs/topology.md).
      c["topology"] = ordered_json::array();
      for (const auto& s : r.stages) {
        ordered_json j = {{"stage", s.id},
                          {"kind", s.kind},
                          {"arrived", s.arrived},
                          {"served_here", s.served_here},
                          {"forwarded", s.forwarded},
                          {"failed", s.failed}};
        if (s.kind == "edge-cache") {
          // Lookups: the requests that reached the cache, less retries sent past it (trace keys only).
          const uint64_t lookups = s.arrived - s.bypassed;
          j["hits"] = s.hits;
          j["hit_ratio"] = round_significant(lookups ? static_cast<double>(s.hits) / lookups : 0.0);
          if (s.bypassed) j["bypassed"] = s.bypassed;
        }
        if (s.kind == "select") j["degraded"] = s.degraded;
        if (s.kind == "split") {
          j["routed"] = ordered_json::object();
          for (const auto& [next, count] : s.routed) j["routed"][next] = count;
        }
        if (s.kind == "state-store") {
          // Accesses and throttles; the mean time a visit spent in the stage (all its accesses and retries).
          const uint64_t visits = s.served_here + s.forwarded + s.failed;
          j["reads"] = s.reads;
          j["writes"] = s.writes;
          j["throttles"] = s.throttles;
          j["mean_latency_added_ms"] = round_significant(visits ? s.latency_added_s * 1e3 / visits : 0.0);
          if (s.instance_cache_hits + s.instance_cache_misses > 0) {
            // "instance_cache": visits whose instance held the session, the reads they did not make.
            const uint64_t lookups = s.instance_cache_hits + s.instance_cache_misses;
            j["instance_cache_hits"] = s.instance_cache_hits;
            j["instance_cache_misses"] = s.instance_cache_misses;
            j["instance_cache_hit_ratio"] =
                round_significant(static_cast<double>(s.instance_cache_hits) / static_cast<double>(lookups));
            j["reads_avoided"] = s.reads_avoided;
            j["saved_usd"] = round_significant(s.saved_usd);
          }
        }
        c["topology"].push_back(j);
      }
    }
    if (r.workflow.present) c["workflow"] = workflow_json(r);
    if (r.training.present) c["training"] = training_json(r);
    doc["candidates"].push_back(c);
  }
  if (!sc.faults.empty()) {
    // The windows, for the time series (outcomes per window are under each candidate's "faults").
    doc["faults"] = ordered_json::array();
    for (const auto& f : sc.faults) {
      ordered_json j = {
          {"kind", sim::FaultSpec::kind_name(f.kind)}, {"label", f.label()}, {"start_s", f.start_s}};
      j["end_s"] = std::isinf(f.report_end_s()) ? ordered_json(nullptr) : ordered_json(f.report_end_s());
      j["candidates"] = f.candidates.empty() ? ordered_json("all") : ordered_json(f.candidates);
      doc["faults"].push_back(j);
    }
  }
  return doc;
}

std::string latency_histogram_csv(const std::vector<sim::CandidateResult>& results) {
  std::ostringstream out;
  out << "candidate,upper_bound_ms,count,cumulative_fraction\n";
  for (const auto& r : results) {
    uint64_t seen = 0;
    for (const auto& [upper_s, n] : r.latency.buckets()) {
      seen += n;
      out << r.name << ',' << g6(upper_s * 1e3) << ',' << n << ','
          << g6(static_cast<double>(seen) / static_cast<double>(r.latency.count())) << '\n';
    }
  }
  return out.str();
}

std::string summary_table(const sim::Scenario& sc, const std::vector<sim::CandidateResult>& results) {
  std::ostringstream out;
  char line[512];
  std::snprintf(line, sizeof line, "%-24s %-11s %11s %11s %9s %9s %8s %9s %9s %8s %12s\n", "candidate",
                "platform", "arrived", "served", "cold", "throttled", "timeout", "p50 ms", "p99 ms", "peak",
                "cost USD");
  out << line;
  for (const auto& r : results) {
    const auto& q = r.requests;
    std::snprintf(line, sizeof line, "%-24s %-11s %11llu %11llu %9llu %9llu %8llu %9.1f %9.1f %8u %12.2f\n",
                  r.name.c_str(), r.platform.c_str(), (unsigned long long)q.arrived,
                  (unsigned long long)q.served, (unsigned long long)q.cold_starts,
                  (unsigned long long)q.throttled, (unsigned long long)q.timed_out,
                  r.latency.quantile_s(0.5) * 1e3, r.latency.quantile_s(0.99) * 1e3, r.instances_peak,
                  r.cost_total_usd);
    out << line;
  }
  out << model_lines(sc, results);  // candidates serving different models: which one each serves
  std::snprintf(line, sizeof line, "SLO: p99 <= %g ms, client timeout %g s\n", sc.slo.p99_ms,
                sc.slo.timeout_s);
  out << line;
  return out.str();
}

}  // namespace servesim::reports
