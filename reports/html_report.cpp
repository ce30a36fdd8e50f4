#include "reports/html_report.hpp"

#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>

#include "reports/html_text.hpp"
#include "reports/report_tables.hpp"
#include "reports/report_timeline.hpp"
#include "reports/state_store_html.hpp"
#include "reports/svg_chart.hpp"
#include "sim/slo.hpp"

namespace servesim::reports {
namespace {

constexpr const char* kStyle = R"(<style>
:root{--ink:#1a1a1a;--muted:#555;--rule:#d0d0d0;--ok:#0b6e2e;--bad:#b00020;--band:#f6d9a8}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink);
max-width:1010px;margin:24px auto;padding:0 20px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:30px 0 8px;border-bottom:2px solid var(--ink);padding-bottom:3px}
h3{font-size:15px;margin:18px 0 6px}
p{margin:6px 0}.muted,.note{color:var(--muted)}.note{font-size:12.5px}
code{font:12.5px ui-monospace,"DejaVu Sans Mono",Menlo,monospace;background:#f3f3f3;padding:0 3px}
dl.kv dd code{overflow-wrap:anywhere}
table.assumptions{font-size:12px}table.assumptions code{font-size:11px}
.question{font-size:16px;border-left:4px solid var(--ink);padding:6px 12px;margin:12px 0;background:#f7f7f7}
.verdict{border:2px solid var(--ok);padding:10px 14px;margin:12px 0;border-radius:4px}
.verdict.none{border-color:var(--bad)}
.verdict .label{font-size:12px;text-transform:uppercase;letter-spacing:.05em;color:var(--muted)}
.verdict .name{font-size:22px;font-weight:700}
.kpis{display:flex;flex-wrap:wrap;gap:8px 28px;margin-top:6px}.kpis div{min-width:120px}
.kpis b{display:block;font-size:18px}
table{border-collapse:collapse;width:100%;margin:6px 0 10px;font-size:13px}
th,td{border-bottom:1px solid var(--rule);padding:3px 6px;vertical-align:top}
th{text-align:left;background:#f0f0f0;font-weight:600}
table.num td{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
table.num td.text,table.num th{text-align:left;white-space:normal}
tr.group td{border-top:1.5px solid #999}
td.ok{color:var(--ok);font-weight:600}td.bad{color:var(--bad);font-weight:600}
tr.best td{background:#eaf6ee}
td.src{font-size:11px;color:var(--muted);width:30%}
.status{font-size:11px;padding:0 4px;border-radius:3px;border:1px solid #bbb;white-space:nowrap}
.status.documented{border-color:#0b6e2e;color:#0b6e2e}.status.observed{border-color:#0072B2;color:#0072B2}
.status.estimated{border-color:#a05a00;color:#a05a00}.status.unconfirmed{border-color:#b00020;color:#b00020}
.override{font-weight:700}.override::after{content:" *";color:var(--bad)}
figure{margin:14px 0;break-inside:avoid;page-break-inside:avoid}
figcaption{font-weight:600;margin-bottom:2px}
svg.chart{display:block;max-width:100%;height:auto;font-family:inherit}
svg .plot{fill:#fff;stroke:#888}svg .grid{stroke:#e3e3e3}svg .band{fill:var(--band);opacity:.55}svg .fault{fill:#c0392b;opacity:.18}
svg .series{fill:none;stroke-width:1.4}svg .rule{stroke-dasharray:6 4;stroke-width:1.2}
svg text{font-size:12px;fill:#222}svg .tick{font-size:11.5px;fill:#333}svg .axis{font-size:12.5px;font-weight:600}
svg .legend{font-size:11.5px}svg .rule-label{font-size:11.5px;font-weight:600}
dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:6px 0}dl.kv dt{font-weight:600}dl.kv dd{margin:0}
.placeholder{border:1px dashed #999;padding:8px 12px;color:var(--muted);background:#fafafa}
footer{margin-top:30px;border-top:1px solid var(--rule);padding-top:6px;font-size:12px;color:var(--muted)}
@page{size:A4;margin:12mm}
@media print{body{max-width:none;margin:0;padding:0;font-size:11px}h2{break-after:avoid}
table{font-size:10.5px}tr{break-inside:avoid}section{break-inside:auto}#assumptions{break-before:page}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
</style>
)";

// Marks the document as rendered when every chart has a non-zero box (checked by tests in a real browser).
constexpr const char* kScript = R"(<script>
(function(){var bad=[],svgs=document.querySelectorAll('svg.chart');
for(var i=0;i<svgs.length;i++){var r=svgs[i].getBoundingClientRect();if(!(r.width>0&&r.height>0))bad.push(svgs[i].id);}
document.documentElement.setAttribute('data-rendered',bad.length?'failed: '+bad.join(' '):'ok '+svgs.length+' charts');})();
</script>
)";

double num(const nlohmann::json& j, const char* a, const char* b) {
  if (!j.contains(a) || !j[a].contains(b) || !j[a][b].is_number()) return 0;
  return j[a][b].get<double>();
}

std::string period_text(double s) {
  if (s >= 2 * 86400) return format_number(s / 86400, 3) + " days";
  if (s >= 2 * 3600) return format_number(s / 3600, 3) + " h";
  if (s >= 120) return format_number(s / 60, 3) + " min";
  return format_number(s, 3) + " s";
}

std::string json_value_text(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number()) {
    const double x = v.get<double>();
    if (x != 0 && std::fabs(x) < 1e-3) {  // prices per GB-s: 1.66667e-05 reads better than 0.0000166667
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.6g", x);
      return buf;
    }
    return format_number(x, 6);
  }
  return v.dump();
}

// What a candidate's latency rests on (summary.json's latency_source, docs/models/gpu-latency.md); an
// estimate is marked, since no measurement stands behind its numbers.
std::string latency_source_cell(const nlohmann::json& c) {
  const std::string source = c.value("latency_source", "measured");
  return std::string("<td class=\"text") + (source == "estimated" ? " bad" : "") + "\">" +
         html_escape(source) + "</td>";
}

std::string header_html(const RunData& run, const ReportContext& ctx) {
  const auto& cands = run.summary["candidates"];
  std::ostringstream out;
  out << "<header><p class=\"muted\">ServeSim deployment review</p><h1>" << html_escape(ctx.scenario_name)
      << "</h1>";
  if (!ctx.scenario_description.empty()) out << "<p>" << html_escape(ctx.scenario_description) << "</p>";
  out << "</header>\n<section id=\"verdict-section\"><h2>1. Question and verdict</h2>\n";
  out << "<p class=\"question\"><strong>Question.</strong> Which of the " << cands.size()
      << " candidate configurations serves this traffic within the SLO &mdash; at least "
      << format_number(100 * ctx.slo_attainment_target, 4) << " % of requests served within "
      << format_number(ctx.slo_p99_ms, 4)
      << " ms (throttled, dropped and timed-out requests count as misses; client timeout "
      << format_number(ctx.slo_timeout_s, 4) << " s) and the p99 of served requests &le; "
      << format_number(ctx.slo_p99_ms, 4) << " ms &mdash; at the lowest cost?</p>\n";

  const std::string advised = recommendation_html(ctx.recommendation);
  if (!advised.empty()) out << advised;
  const int best = best_by_simulation(run.summary);
  if (best >= 0) {
    const auto& c = cands[static_cast<size_t>(best)];
    const double cost = num(c, "cost_usd", "total"), sim_s = c.value("simulated_s", 0.0);
    out << "<div class=\"verdict\" id=\"verdict\"><div class=\"label\">best by simulation: lowest cost "
           "meeting "
           "the SLO</div><div class=\"name\">"
        << html_escape(c.value("name", "")) << " <span class=\"muted\">("
        << html_escape(c.value("platform", "")) << ")</span>"
        << (c.value("latency_source", "measured") == "estimated"
                ? " <span class=\"bad\">(latency estimated, not measured)</span>"
                : "")
        << "</div><div class=\"kpis\"><div>monthly cost (extrapolated)<b>"
        << format_usd(monthly_usd(cost, sim_s)) << "</b></div><div>cost of the simulated "
        << period_text(sim_s) << "<b>" << format_usd(cost) << "</b></div><div>p99 latency<b>"
        << format_number(num(c, "latency_ms", "p99"), 3) << " ms</b></div><div>served within SLO<b>"
        << sim::percent_text(num(c, "slo", "attainment"), ctx.slo_attainment_target)
        << "</b></div><div>peak instances<b>" << format_count(num(c, "instances", "peak"))
        << "</b></div></div>"
        << "<p class=\"note\">Monthly cost = cost of the simulated period &times; 30 days / "
        << period_text(sim_s)
        << ": it assumes the simulated traffic repeats for a 30-day month. "
           "This box weighs only the SLO and the simulated cost; `servesim advise --out DIR --html F` "
           "heads the report with the advisor's verdict and rule path.</p></div>\n";
  } else {
    int closest = -1;
    double att = -1;
    for (size_t i = 0; i < cands.size(); ++i)
      if (num(cands[i], "slo", "attainment") > att)
        att = num(cands[i], "slo", "attainment"), closest = int(i);
    out << "<div class=\"verdict none\" id=\"verdict\"><div class=\"label\">best by simulation</div><div "
           "class=\"name\">No candidate meets the SLO</div>";
    if (closest >= 0)
      out << "<p>Closest: <strong>" << html_escape(cands[size_t(closest)].value("name", "")) << "</strong>, "
          << sim::percent_text(att, ctx.slo_attainment_target) << " of requests served within "
          << format_number(ctx.slo_p99_ms, 4) << " ms.</p>";
    out << "</div>\n";
  }

  out << "<h3>Candidates at a glance</h3><table class=\"num\"><thead><tr><th>candidate</th><th>platform</th>"
         "<th>latency</th>"
         "<th>arrived</th><th>served</th><th>cold starts</th><th>throttled</th><th>timed "
         "out</th><th>dropped</th>"
         "<th>p50 [ms]</th><th>p99 [ms]</th><th>peak inst.</th><th>cost [USD]</th><th>per 30 days [USD]</th>"
         "<th>SLO</th></tr></thead><tbody>\n";
  for (size_t i = 0; i < cands.size(); ++i) {
    const auto& c = cands[i];
    const bool met = c.contains("slo") && c["slo"].value("met", false);
    const double cost = num(c, "cost_usd", "total");
    out << "<tr" << (int(i) == best ? " class=\"best\"" : "") << "><td class=\"text\">"
        << html_escape(c.value("name", "")) << "</td><td class=\"text\">"
        << html_escape(c.value("platform", "")) << "</td>" << latency_source_cell(c);
    for (const char* k : {"arrived", "served", "cold_starts", "throttled", "timed_out", "dropped"}) {
      const double v = num(c, "requests", k);
      const bool failure =
          std::string(k) == "throttled" || std::string(k) == "timed_out" || std::string(k) == "dropped";
      out << "<td" << (failure && v > 0 ? " class=\"bad\"" : "") << ">" << format_count(v) << "</td>";
    }
    const double p99 = num(c, "latency_ms", "p99");
    out << "<td>" << format_number(num(c, "latency_ms", "p50"), 3) << "</td><td"
        << (p99 > ctx.slo_p99_ms ? " class=\"bad\"" : "") << ">" << format_number(p99, 3) << "</td><td>"
        << format_count(num(c, "instances", "peak")) << "</td><td>" << format_usd(cost) << "</td><td>"
        << format_usd(monthly_usd(cost, c.value("simulated_s", 0.0))) << "</td><td class=\""
        << (met ? "ok\">met" : "bad\">not met") << "</td></tr>\n";
  }
  out << "</tbody></table><p class=\"note\">Latency of served requests over the whole run (log-bucketed "
         "histogram, &le; 1 % relative error). Table as CSV: <code>candidates.csv</code>.</p>\n";
  // Where the cold starts' time went (summary.json "cold_start", present when the scenario names a source).
  bool any_parts = false;
  for (const auto& c : cands) any_parts = any_parts || c.contains("cold_start");
  if (any_parts) {
    out << "<h3>Where each cold start's time goes</h3><table class=\"num\"><thead><tr><th>candidate</th>"
           "<th>source</th><th>cold starts</th><th>allocation [s]</th><th>init [s]</th><th>pull [s]</th>"
           "<th>download [s]</th><th>load [s]</th><th>total [s]</th><th>fetched "
           "[MB]</th></tr></thead><tbody>\n";
    for (const auto& c : cands) {
      if (!c.contains("cold_start")) continue;
      const auto& p = c["cold_start"];
      out << "<tr><td class=\"text\">" << html_escape(c.value("name", "")) << "</td><td class=\"text\">"
          << html_escape(p.value("source", "")) << "</td><td>" << format_count(p.value("count", 0.0))
          << "</td>";
      for (const char* k : {"allocation", "init", "pull", "download", "load", "total"})
        out << "<td>" << format_number(num(p, "mean_s", k), 3) << "</td>";
      out << "<td>" << format_number(p.value("fetched_mb", 0.0), 4) << "</td></tr>\n";
    }
    out << "</tbody></table><p class=\"note\">Mean over each candidate's cold starts "
           "(<code>service.cold_start.source</code>; docs/scenario.md).</p>\n";
  }
  // Event sources (summary.json "event_source": an SQS queue or a Kinesis stream in front of the function, a
  // Pub/Sub push subscription in front of a Cloud Run service; docs/events.md): where every message or record
  // went, the batches (push requests) and how far the queue fell behind.
  bool any_source = false;
  for (const auto& c : cands) any_source = any_source || c.contains("event_source");
  if (any_source) {
    out << "<h3>Event sources: queue or stream in front of the function</h3><table class=\"num\"><thead><tr>"
           "<th>candidate</th><th>source</th><th>sent</th><th>served</th><th>dead-lettered or "
           "discarded</th><th>expired</th><th>left in it</th><th>invocations or push requests</th><th>mean "
           "batch</th><th>concurrent batches or outstanding pushes, peak</th><th>depth, peak</th><th>oldest "
           "age, peak [s]</th></tr></thead>"
           "<tbody>\n";
    for (const auto& c : cands) {
      if (!c.contains("event_source")) continue;
      const auto& e = c["event_source"];
      const bool stream = e.contains("records");
      // A Pub/Sub push subscription sends one message per push request: its "batches" are those requests.
      const bool push = e.contains("push");
      const char* batches = push ? "push" : "batches";
      const char* items = stream ? "records" : "messages";
      const char* holder = stream ? "stream" : "queue";
      const double sent = num(e, items, "sent"), served = num(e, items, "served"),
                   lost = num(e, items, stream ? "discarded" : "dead_lettered"),
                   expired = num(e, items, "expired"),
                   refused = num(e, items, "put_refused");  // Kinesis: the stream's write limits
      out << "<tr><td class=\"text\">" << html_escape(c.value("name", "")) << "</td><td class=\"text\">"
          << html_escape(e.value("type", "")) << "</td><td>" << format_count(sent) << "</td><td>"
          << format_count(served) << "</td><td>" << format_count(lost) << "</td><td>" << format_count(expired)
          << "</td><td>" << format_count(sent - served - lost - expired - refused) << "</td><td>"
          << format_count(num(e, batches, push ? "requests" : "invocations")) << "</td><td>"
          << format_number(push ? 1.0 : num(e, "batches", "mean_size"), 3) << "</td><td>"
          << format_count(num(e, batches, push ? "outstanding_peak" : "concurrent_peak")) << "</td><td>"
          << format_count(num(e, holder, "depth_peak")) << "</td><td>"
          << format_number(num(e, holder, stream ? "oldest_record_age_peak_s" : "oldest_message_age_peak_s"),
                           3)
          << "</td></tr>\n";
    }
    out << "</tbody></table><p class=\"note\">Every message or record is served, dead-lettered (SQS, "
           "Pub/Sub) or "
           "discarded after its retries or maximum age (Kinesis), expired past the retention period, refused "
           "by a shard's write limits after the producer's retries (Kinesis, summary.json \"put_refused\"), "
           "or left in the queue or stream when the run ends (docs/events.md). Their service cost is in the "
           "cost breakdown.</p>\n";
  }
  // Workflows (summary.json "workflow": Step Functions or Durable Functions around the stages;
  // docs/workflows.md): executions, makespan and what one costs.
  bool any_workflow = false;
  for (const auto& c : cands) any_workflow = any_workflow || c.contains("workflow");
  if (any_workflow) {
    out << "<h3>Workflows</h3><table class=\"num\"><thead><tr><th>candidate</th><th>engine</th>"
           "<th>executions</th><th>completed</th><th>failed</th><th>caught</th><th>throttled attempts</th>"
           "<th>makespan p50 [ms]</th><th>makespan p99 [ms]</th><th>transitions per execution</th><th>USD "
           "per completed execution</th></tr></thead><tbody>\n";
    for (const auto& c : cands) {
      if (!c.contains("workflow")) continue;
      const auto& w = c["workflow"];
      // Summed over the stages: failures a catch took over (none without a catch: "-"), and attempts the
      // platforms refused (HTTP 429).
      double caught = 0, throttles = 0;
      bool has_catch = false;
      for (const auto& st : w.value("stages", nlohmann::json::array())) {
        if (st.contains("caught")) {
          has_catch = true;
          caught += st.value("caught", 0.0);
        }
        throttles += st.value("throttles", 0.0);
      }
      out << "<tr><td class=\"text\">" << html_escape(c.value("name", "")) << "</td><td class=\"text\">"
          << html_escape(w.value("engine", "")) << "</td><td>"
          << format_count(num(w, "executions", "started")) << "</td><td>"
          << format_count(num(w, "executions", "completed")) << "</td><td>"
          << format_count(num(w, "executions", "failed")) << "</td><td>"
          << (has_catch ? format_count(caught) : std::string("-")) << "</td><td>" << format_count(throttles)
          << "</td><td>" << format_number(num(w, "makespan_ms", "p50"), 3) << "</td><td>"
          << format_number(num(w, "makespan_ms", "p99"), 3) << "</td><td>"
          << format_number(w.value("transitions_per_execution", 0.0), 3) << "</td><td>"
          << "$" << format_number(w.value("cost_per_completed_usd", 0.0), 3) << "</td></tr>\n";
    }
    out << "</tbody></table><p class=\"note\">Makespan: from an execution's start to its end; caught: "
           "failures a Catch took over (the execution went on there); a state transition is what Step "
           "Functions Standard bills (docs/workflows.md).</p>\n";
  }
  // Training jobs (summary.json "training": a GPU pool fed by a preprocessing stage; docs/training.md).
  bool any_training = false;
  for (const auto& c : cands) any_training = any_training || c.contains("training");
  if (any_training) {
    out << "<h3>Training jobs: GPU busy and idle</h3><table class=\"num\"><thead><tr><th>candidate</th>"
           "<th>jobs</th><th>completed</th><th>makespan p50 [ms]</th><th>GPU busy [s]</th><th>GPU idle "
           "waiting for data [s]</th><th>idle share</th><th>GPU USD</th><th>preprocessing USD</th><th>USD "
           "per completed job</th></tr></thead><tbody>\n";
    for (const auto& c : cands) {
      if (!c.contains("training")) continue;
      const auto& t = c["training"];
      const auto& pool = t.value("gpu_pool", nlohmann::json::object());
      out << "<tr><td class=\"text\">" << html_escape(c.value("name", "")) << "</td><td>"
          << format_count(num(t, "jobs", "started")) << "</td><td>"
          << format_count(num(t, "jobs", "completed")) << "</td><td>"
          << format_number(num(t, "makespan_ms", "p50"), 3) << "</td><td>"
          << format_number(pool.value("busy_s", 0.0), 3) << "</td><td>"
          << format_number(num(pool, "idle_s", "waiting_for_data"), 3) << "</td><td>"
          << format_number(pool.value("idle_share", 0.0) * 100, 3) << "%</td><td>$"
          << format_number(num(t, "cost_usd", "gpu"), 3) << "</td><td>$"
          << format_number(num(t, "cost_usd", "preprocessing"), 3) << "</td><td>$"
          << format_number(num(t, "cost_usd", "per_completed_job"), 3) << "</td></tr>\n";
    }
    out << "</tbody></table><p class=\"note\">The GPU pool is held from the first job's start to the last "
           "job's end; idle share: its idle time (waiting for data, or no job) over that (docs/training.md)."
           "</p>\n";
  }
  out << state_store_html(cands);  // state-store stages of topologies (docs/topology.md)
  // Token-level serving (summary.json "llm", present for a language model on a GPU platform).
  bool any_llm = false;
  for (const auto& c : cands) any_llm = any_llm || c.contains("llm");
  if (any_llm) {
    // Candidates serving different models (candidates[i].llm): a column names each one's.
    bool models_differ = false;
    for (const auto& c : cands)
      models_differ = models_differ || (c.contains("model") && cands.front().contains("model") &&
                                        c["model"] != cands.front()["model"]);
    out << "<h3>Language-model serving: tokens, KV cache and cost per token</h3><table class=\"num\"><thead>"
           "<tr><th>candidate</th>"
        << (models_differ ? "<th>model</th>" : "")
        << "<th>TTFT p50 [ms]</th><th>TTFT p99 [ms]</th><th>TPOT p50 [ms]</th>"
           "<th>TPOT p99 [ms]</th><th>goodput</th><th>output tokens/s per GPU</th><th>USD per million "
           "tokens</th><th>KV cache mean</th><th>KV cache peak</th><th>preemptions</th></tr></thead>"
           "<tbody>\n";
    for (const auto& c : cands) {
      if (!c.contains("llm")) continue;
      const auto& l = c["llm"];
      out << "<tr><td class=\"text\">" << html_escape(c.value("name", "")) << "</td>";
      if (models_differ) {
        const auto& m = c.contains("model") ? c["model"] : nlohmann::json::object();
        out << "<td class=\"text\">" << html_escape(m.value("name", "")) << " at "
            << html_escape(m.value("precision", "")) << " (" << format_number(m.value("weights_gb", 0.0), 3)
            << " GB)</td>";
      }
      for (const char* k : {"ttft_ms", "tpot_ms"})
        for (const char* q : {"p50", "p99"}) out << "<td>" << format_number(num(l, k, q), 3) << "</td>";
      out << "<td>" << format_number(num(l, "goodput", "share") * 100, 3) << " %</td><td>"
          << format_number(l.value("output_tokens_per_gpu_s", 0.0), 3) << "</td><td>"
          << format_number(l.value("usd_per_million_tokens", 0.0), 3) << "</td><td>"
          << format_number(num(l, "kv_cache", "utilization_mean") * 100, 3) << " %</td><td>"
          << format_number(num(l, "kv_cache", "utilization_peak") * 100, 3) << " %</td><td>"
          << format_count(num(l, "kv_cache", "preemptions")) << "</td></tr>\n";
    }
    out << "</tbody></table><p class=\"note\">Time to first token (TTFT) and time per output token after "
           "the first (TPOT) of the served requests; goodput: share of arrivals served within the latency, "
           "TTFT and TPOT targets; cost per million input + output tokens. What each rests on:</p><ul>\n";
    for (const auto& c : cands)
      if (c.contains("llm"))
        out << "<li><b>" << html_escape(c.value("name", ""))
            << "</b>: " << html_escape(c["llm"].value("basis", "")) << "</li>\n";
    out << "</ul>\n";
    // Prefix caching (llm_prefix_caching): the share of prompt tokens found in the replicas' caches.
    bool any_prefix = false;
    for (const auto& c : cands)
      any_prefix = any_prefix || (c.contains("llm") && c["llm"].contains("prefix_cache"));
    if (any_prefix) {
      out << "<table class=\"num\"><thead><tr><th>candidate</th><th>prefix-cache hit rate (input "
             "tokens)</th><th>input tokens from the cache</th><th>TTFT p50 [ms]</th><th>TTFT p99 [ms]</th>"
             "</tr></thead><tbody>\n";
      for (const auto& c : cands) {
        if (!c.contains("llm")) continue;
        const auto& l = c["llm"];
        out << "<tr><td class=\"text\">" << html_escape(c.value("name", "")) << "</td>";
        if (l.contains("prefix_cache"))
          out << "<td>" << format_number(num(l, "prefix_cache", "hit_rate") * 100, 3) << " %</td><td>"
              << format_count(num(l, "prefix_cache", "hit_tokens")) << "</td>";
        else
          out << "<td>off</td><td></td>";
        for (const char* q : {"p50", "p99"})
          out << "<td>" << format_number(num(l, "ttft_ms", q), 3) << "</td>";
        out << "</tr>\n";
      }
      out << "</tbody></table><p class=\"note\">Prefix caching: a request's prompt blocks already computed "
             "on its replica are reused, so its prefill computes only the rest (docs/models/llm-serving.md, "
             "\"Prefix caching\").</p>\n";
    }
  }
  out << "</section>\n";
  return out.str();
}

std::string cost_html(const RunData& run, int width) {
  const auto& cands = run.summary["candidates"];
  std::vector<std::string> items;  // every cost_usd key but total, in first-seen order
  for (const auto& c : cands)
    if (c.contains("cost_usd"))
      for (const auto& [k, v] : c["cost_usd"].items())
        if (k != "total" && std::find(items.begin(), items.end(), k) == items.end()) items.push_back(k);
  StackedBarChart bars;
  bars.id = "chart-cost";
  bars.title = "Cost per candidate over the simulated period";
  bars.x_label = "cost of the simulated period [USD]";
  bars.width_px = width;
  std::ostringstream table;
  table << "<table class=\"num\"><thead><tr><th>candidate</th>";
  for (const auto& k : items) table << "<th>" << html_escape(k) << " [USD]</th>";
  table << "<th>total [USD]</th><th>per 30 days [USD]</th></tr></thead><tbody>\n";
  for (const auto& c : cands) {
    BarRow row{c.value("name", ""), {}};
    table << "<tr><td class=\"text\">" << html_escape(row.label) << "</td>";
    for (size_t i = 0; i < items.size(); ++i) {
      const double v = num(c, "cost_usd", items[i].c_str());
      row.segments.push_back(BarSegment{items[i], v, palette_color(i)});
      table << "<td>" << format_usd(v) << "</td>";
    }
    const double total = num(c, "cost_usd", "total");
    table << "<td><strong>" << format_usd(total) << "</strong></td><td>"
          << format_usd(monthly_usd(total, c.value("simulated_s", 0.0))) << "</td></tr>\n";
    bars.rows.push_back(std::move(row));
  }
  table << "</tbody></table>\n";
  return "<section id=\"cost\"><h2>3. Cost breakdown</h2>\n<figure><figcaption>Cost of the simulated period "
         "by "
         "item [USD]</figcaption>" +
         bars.render() + "</figure>\n" + table.str() +
         "<p class=\"note\">Every item of <code>summary.json</code>'s <code>cost_usd</code>. Per 30 days = "
         "simulated cost &times; 30 days / simulated period. As CSV: "
         "<code>cost_breakdown.csv</code>.</p></section>\n";
}

std::string model_html(const ReportContext& ctx) {
  std::ostringstream out;
  out << "<section id=\"model\"><h2>4. The model</h2>\n<h3>Service times (from the scenario)</h3>"
         "<table class=\"num\"><thead><tr><th>part</th><th>distribution</th><th>mean [ms]</th><th>p50 "
         "[ms]</th>"
         "<th>p99 [ms]</th></tr></thead><tbody>\n";
  for (const auto& t : ctx.service_times)
    out << "<tr><td class=\"text\">" << html_escape(t.part) << "</td><td class=\"text\">"
        << html_escape(t.description) << "</td><td>" << format_number(t.mean_ms, 4) << "</td><td>"
        << format_number(t.p50_ms, 4) << "</td><td>" << format_number(t.p99_ms, 4) << "</td></tr>\n";
  out << "</tbody></table><dl class=\"kv\"><dt>measured on</dt><dd>" << format_number(ctx.reference_vcpu, 4)
      << " vCPU (warm and model_load scale with the platform's CPU share)</dd><dt>parallel fraction</dt><dd>"
      << format_number(ctx.parallel_fraction, 3)
      << " (Amdahl: share of the work that uses more than one vCPU)</dd>"
      << "<dt>model size</dt><dd>" << format_number(ctx.model_size_mb, 4)
      << " MB fetched from the platform's model store by every cold start</dd></dl>\n<h3>Model profile</h3>";
  const std::string profile = model_profile_html(ctx.model_profile);
  if (profile.empty())
    out << "<div class=\"placeholder\" id=\"model-profile\">No measured model profile is attached to this "
           "run: the "
           "service times above are used as the scenario gives them.</div>\n";
  else
    out << profile;
  out << "</section>\n";
  return out.str();
}

std::string assumptions_html(const ReportContext& ctx) {
  std::ostringstream out;
  out << "<section id=\"assumptions\"><h2>Appendix A. Assumptions</h2><p>Every catalogue number the "
         "candidates "
         "ran with (<code>servesim catalog PLATFORM</code>), with its status and source. Values the scenario "
         "overrode are marked <span class=\"override\">bold</span>; the catalogue default is shown beside "
         "them. "
         "As CSV: <code>assumptions.csv</code>.</p>\n";
  std::vector<std::string> platforms;
  for (const auto& c : ctx.candidates)
    if (std::find(platforms.begin(), platforms.end(), c.platform) == platforms.end())
      platforms.push_back(c.platform);
  for (const auto& platform : platforms) {
    std::vector<const CandidateAssumptions*> group;
    for (const auto& c : ctx.candidates)
      if (c.platform == platform) group.push_back(&c);
    out << "<h3>" << html_escape(platform) << ": " << html_escape(group.front()->platform_title)
        << " <span class=\"muted\">(catalogue as of " << html_escape(group.front()->catalog_as_of)
        << ")</span></h3><table class=\"assumptions\" data-platform=\"" << html_escape(platform)
        << "\"><thead><tr><th>key</th><th>unit</th><th>status</th>";
    for (const auto* c : group) out << "<th>" << html_escape(c->name) << "</th>";
    out << "<th>default</th><th>source</th></tr></thead><tbody>\n";
    for (size_t k = 0; k < group.front()->parameters.size(); ++k) {
      const auto& p = group.front()->parameters[k];
      std::string key = html_escape(p.key);  // allow line breaks after underscores in long keys
      for (size_t at = key.find('_'); at != std::string::npos; at = key.find('_', at + 6))
        key.insert(at + 1, "<wbr>");
      out << "<tr><td><code>" << key << "</code></td><td>" << html_escape(p.unit)
          << "</td><td><span class=\"status " << html_escape(p.status) << "\">" << html_escape(p.status)
          << "</span></td>";
      for (const auto* c : group) {
        const AssumedParameter* q =
            k < c->parameters.size() && c->parameters[k].key == p.key ? &c->parameters[k] : nullptr;
        if (!q) {
          out << "<td>?</td>";
          continue;
        }
        out << "<td" << (q->overridden ? " class=\"override\"" : "") << ">"
            << html_escape(json_value_text(q->value)) << "</td>";
      }
      out << "<td>" << html_escape(json_value_text(p.default_value)) << "</td><td class=\"src\">"
          << html_escape(p.source) << "</td></tr>\n";
    }
    out << "</tbody></table>\n";
  }
  out << "</section>\n";
  return out.str();
}

std::string reproducibility_html(const RunData& run, const ReportContext& ctx) {
  std::ostringstream out;
  out << "<section id=\"reproducibility\"><h2>Appendix B. Reproducibility</h2><dl class=\"kv\">"
      << "<dt>scenario file</dt><dd><code>" << html_escape(ctx.scenario_file) << "</code></dd>"
      << "<dt>scenario sha256</dt><dd><code>" << html_escape(ctx.scenario_sha256) << "</code></dd>"
      << "<dt>seed</dt><dd>" << ctx.seed << "</dd><dt>ServeSim version</dt><dd>"
      << html_escape(ctx.servesim_version) << "</dd><dt>workload</dt><dd>" << html_escape(ctx.workload_kind)
      << " <code>" << html_escape(ctx.workload.dump()) << "</code></dd>";
  if (!ctx.trace_path.empty())
    out << "<dt>trace file</dt><dd><code>" << html_escape(ctx.trace_path) << "</code> ("
        << (ctx.trace_bytes >= 0
                ? format_count(double(ctx.trace_bytes)) + " bytes, " + format_bytes(double(ctx.trace_bytes))
                : std::string("size unknown"))
        << ")</dd>";
  out << "<dt>run folder</dt><dd><code>" << html_escape(run.dir)
      << "</code></dd></dl><p>Rerun with <code>servesim "
      << "run " << html_escape(ctx.scenario_file) << " --seed " << ctx.seed
      << "</code>: the same scenario and seed give byte-identical results.</p></section>\n";
  return out.str();
}

}  // namespace

std::string recommendation_html(const nlohmann::json& rec) {
  if (!rec.is_object()) return "";
  std::ostringstream out;
  out << "<div class=\"verdict\" id=\"recommendation\"><div class=\"label\">advisor's "
         "recommendation</div><p style=\"font-size:1.05em;font-weight:600\">"
      << html_escape(rec.value("verdict", "")) << "</p>";
  if (rec.contains("candidate") && rec["candidate"].is_string())
    out << "<p>Candidate: <strong>" << html_escape(rec["candidate"].get<std::string>()) << "</strong></p>";
  if (rec.contains("reasons") && rec["reasons"].is_array()) {
    out << "<ul>";
    for (const auto& r : rec["reasons"])
      out << "<li>" << html_escape(r.is_string() ? r.get<std::string>() : r.dump()) << "</li>";
    out << "</ul>";
  }
  out << "</div>\n";
  return out.str();
}

std::string model_profile_html(const nlohmann::json& profile) {
  if (!profile.is_object()) return "";
  std::ostringstream out;
  std::ostringstream tables;
  out << "<dl class=\"kv\" id=\"model-profile\">";
  for (const auto& [k, v] : profile.items()) {
    if (v.is_object()) {  // e.g. engine.name, machine.cpu_model
      for (const auto& [k2, v2] : v.items())
        out << "<dt>" << html_escape(k + "." + k2) << "</dt><dd>" << html_escape(json_value_text(v2))
            << "</dd>";
    } else if (v.is_array() && !v.empty() && v.front().is_object()) {  // e.g. latency per batch and threads
      tables << "<p><strong>" << html_escape(k) << "</strong></p><table class=\"data\"><tr>";
      for (const auto& [col, unused] : v.front().items()) tables << "<th>" << html_escape(col) << "</th>";
      tables << "</tr>";
      for (const auto& row : v) {
        tables << "<tr>";
        for (const auto& [col, unused] : v.front().items())
          tables << "<td>" << html_escape(row.contains(col) ? json_value_text(row[col]) : "") << "</td>";
        tables << "</tr>";
      }
      tables << "</table>";
    } else {
      out << "<dt>" << html_escape(k) << "</dt><dd>" << html_escape(json_value_text(v)) << "</dd>";
    }
  }
  out << "</dl>\n" << tables.str() << "\n";
  return out.str();
}

std::string report_style() {
  return kStyle;
}

std::string report_render_check() {
  return kScript;
}

std::string html_report(const RunData& run, const ReportContext& ctx, const HtmlReportOptions& options) {
  const SpikeAnalysis spikes =
      run.series.empty() ? SpikeAnalysis{} : find_spikes(run.series.front(), options.spike_factor);
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
      "content=\"width=device-width,initial-scale=1\"><title>ServeSim report: " +
      html_escape(ctx.scenario_name) + "</title>\n" + kStyle + "</head><body>\n";
  html += header_html(run, ctx);
  html += timeline_section_html(run, spikes, ctx.slo_p99_ms, options.chart_width_px);
  html += cost_html(run, options.chart_width_px);
  html += model_html(ctx);
  html += assumptions_html(ctx);
  html += reproducibility_html(run, ctx);
  html +=
      "<footer>Generated by ServeSim " + html_escape(ctx.servesim_version) +
      " from the run folder above. Self-contained: charts are inline SVG, nothing is fetched. Tables as CSV "
      "in the run folder: candidates.csv, cost_breakdown.csv, spike_windows.csv, assumptions.csv.</footer>\n";
  html += kScript;
  html += "</body></html>\n";
  return html;
}

}  // namespace servesim::reports
