#pragma once
// The HTML report of a finished run: one self-contained file (inline CSS and SVG, one small inline script
// that only marks the charts as rendered; nothing is fetched) that opens offline and prints on A4. Sections
// in the order a capacity-planning review reads them:
//   1. the question and the verdict (the advisor's recommendation when the context carries one, otherwise the
//      candidate that meets the SLO at the lowest cost, "best by simulation"), candidates at a glance;
//   2. traffic and behaviour over time on a shared time axis, spike windows shaded and tabulated;
//   3. cost breakdown per candidate (every cost_usd item, simulated and per 30 days);
//   4. the model: service-time distributions of the scenario, the measured model profile when present;
//   A. assumptions: every catalogue number each candidate used, with status, source and overrides;
//   B. reproducibility: scenario sha256, seed, ServeSim version, trace file and size.
// All user text is escaped. Long time series are downsampled per pixel column (min and max kept), so the file
// stays small (a 22-day run at one-minute intervals is well under 2 MB).
#include <string>

#include "reports/report_context.hpp"
#include "reports/run_data.hpp"

namespace servesim::reports {

struct HtmlReportOptions {
  double spike_factor = 2;  // spike window: interval arrival rate > spike_factor x the median interval rate
  int chart_width_px = 960;
};

std::string html_report(const RunData& run, const ReportContext& context,
                        const HtmlReportOptions& options = {});
// The report's inline <style> element, for other pages in the same look (servesim compare).
std::string report_style();
// The report's inline <script> that marks the page data-rendered="ok N charts" once every chart has a box
// (what the tests read in a real browser); nothing is fetched.
std::string report_render_check();

// Placeholders that later layers fill through ReportContext: section renderers for the advisor's
// recommendation (context.recommendation: {"verdict": text, "candidate": name, "reasons": [text, ...]}) and
// the model profile (context.model_profile: any JSON object, shown as a key/value table until models/ gives
// it a dedicated section). Both return "" for null input.
std::string recommendation_html(const nlohmann::json& recommendation);
std::string model_profile_html(const nlohmann::json& model_profile);

}  // namespace servesim::reports
