#include "reports/state_store_html.hpp"

#include <sstream>

#include "reports/html_text.hpp"

namespace servesim::reports {

std::string state_store_html(const nlohmann::json& candidates) {
  std::ostringstream rows;
  bool any_cache = false;
  for (const auto& c : candidates) {
    // summary.json's stage table of a composite candidate (absent for any other).
    // (operator[] on a copy: a missing table reads as null, which has no elements).
    nlohmann::json candidate = c;
    const nlohmann::json stages = candidate["topology"];
    const nlohmann::json levers = c.value("levers", nlohmann::json::object());
    for (const auto& st : stages) {
      if (st.value("kind", "") != "state-store") continue;
      const bool cache = st.contains("instance_cache_hits");
      any_cache = any_cache || cache;
      // Session affinity of the stages before it (summary.json levers "<stage>/affinity_hits").
      double hits = 0, placements = 0;
      for (const auto& [name, value] : levers.items()) {
        if (!value.is_number() || name.find("/affinity_") == std::string::npos) continue;
        placements += value.get<double>();
        if (name.ends_with("/affinity_hits")) hits += value.get<double>();
      }
      rows << "<tr><td class=\"text\">" << html_escape(c.value("name", "")) << "</td><td class=\"text\">"
           << html_escape(st.value("stage", "")) << "</td><td>" << format_count(st.value("reads", 0.0))
           << "</td><td>" << format_count(st.value("writes", 0.0)) << "</td><td>"
           << format_count(st.value("throttles", 0.0)) << "</td><td>"
           << format_number(st.value("mean_latency_added_ms", 0.0), 3) << "</td><td>"
           << (placements > 0 ? format_number(hits / placements * 100, 3) + "%" : std::string("-"))
           << "</td><td>"
           << (cache ? format_number(st.value("instance_cache_hit_ratio", 0.0) * 100, 3) + "%"
                     : std::string("-"))
           << "</td><td>" << (cache ? format_count(st.value("reads_avoided", 0.0)) : std::string("-"))
           << "</td><td>" << (cache ? "$" + format_number(st.value("saved_usd", 0.0), 3) : std::string("-"))
           << "</td></tr>\n";
    }
  }
  const std::string body = rows.str();
  if (body.empty()) return "";
  std::string out =
      "<h3>State stores</h3><table class=\"num\"><thead><tr><th>candidate</th><th>stage</th><th>reads</th>"
      "<th>writes</th><th>throttles</th><th>mean added [ms]</th><th>session affinity hits</th><th>instance "
      "cache hits</th><th>reads avoided</th><th>reads USD saved</th></tr></thead><tbody>\n" +
      body + "</tbody></table>";
  out += any_cache ? "<p class=\"note\">Instance cache: a visit from the instance that made the session's "
                     "previous visit reads the session from memory, not the store; session affinity hits: "
                     "placements on the session's last instance (docs/topology.md).</p>\n"
                   : "<p class=\"note\">Accesses answered, throttling errors and the mean time a visit spent "
                     "in the stage (docs/topology.md).</p>\n";
  return out;
}

}  // namespace servesim::reports
