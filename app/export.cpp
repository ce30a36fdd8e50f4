#include "app/export.hpp"

#include <cstdio>
#include <filesystem>
#include <sstream>

#include "core/atomic_file.hpp"
#include "core/input_error.hpp"
#include "core/input_file.hpp"
#include "core/json_reader.hpp"
#include "platforms/catalog.hpp"

namespace servesim::app {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

json read_json(const std::string& path) {
  const auto in = core::open_input(path, "file");
  std::ostringstream text;
  text << in->rdbuf();
  return core::parse_json(text.str(), path);
}

// The element of `doc[list]` whose "name" is `name`; an InputError naming the file and the names it has.
const json& named(const json& doc, const char* list, const std::string& name, const std::string& file) {
  const std::string pointer = std::string("/") + list;
  if (!doc.contains(list) || !doc[list].is_array())
    throw input_error(file, pointer, "expected a list of candidates, got none");
  std::string names;
  for (const auto& c : doc[list]) {
    if (c.is_object() && c.value("name", std::string()) == name) return c;
    if (c.is_object()) names += (names.empty() ? "" : ", ") + c.value("name", std::string());
  }
  throw input_error(
      file, pointer,
      "expected one of the run's candidates (" + names + "), got \"" + excerpt(name, 80) + "\"");
}

std::string percent(double fraction) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f%%", fraction * 100);
  return buf;
}

std::string number(double v, const char* format = "%.6g") {
  char buf[40];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

}  // namespace

platforms::ExportRequest export_request(const std::string& source, const std::string& candidate) {
  std::error_code ec;
  const bool is_folder = fs::is_directory(source, ec);
  const fs::path folder = is_folder ? fs::path(source) : fs::path(source).parent_path();
  const std::string context_path = (folder / "report_context.json").string();
  const std::string summary_path = (folder / "summary.json").string();
  const std::string advice_path = is_folder ? (folder / "advice.json").string() : source;
  const bool has_context = fs::exists(context_path, ec);
  const bool has_advice = fs::exists(advice_path, ec) || !is_folder;
  if (is_folder && !has_context)
    throw input_error(source, "",
                      "expected a servesim run folder (with report_context.json), got a folder without one");

  const json advice = has_advice ? read_json(advice_path) : json();
  if (has_advice &&
      !(advice.is_object() && advice.contains("recommendation") && advice.contains("candidates")))
    throw input_error(advice_path, "",
                      "expected advice.json as `servesim advise` writes it (with \"recommendation\" and "
                      "\"candidates\"), got another JSON document");
  std::string name = candidate;
  if (name.empty()) {
    if (!has_advice || !advice["recommendation"].is_object())
      throw InputError(
          "command line: --candidate is missing (a run folder without advice.json has no recommendation)");
    name = advice["recommendation"].value("name", std::string());
  }

  platforms::ExportRequest request;
  request.candidate = name;
  const json context = has_context ? read_json(context_path) : json();
  if (has_context) {
    const json& c = named(context, "candidates", name, context_path);
    request.platform = c.value("platform", std::string());
    if (!c.contains("parameters") || !c["parameters"].is_array())
      throw input_error(context_path, "/candidates",
                        "expected the candidate's \"parameters\" list, got none");
    for (const auto& p : c["parameters"])
      if (p.is_object() && p.contains("key") && p.contains("value"))
        request.settings[p["key"].get<std::string>()] = p["value"];
  } else {
    const json& c = named(advice, "candidates", name, advice_path);
    request.platform = c.value("platform", std::string());
    if (const auto* entry = platforms::find_platform(request.platform))
      for (const auto& p : entry->parameters) request.settings[p.key] = p.value;
    if (c.contains("settings") && c["settings"].is_object())
      for (auto it = c["settings"].begin(); it != c["settings"].end(); ++it)
        request.settings[it.key()] = it.value();
  }
  if (request.platform.empty())
    throw input_error(has_context ? context_path : advice_path, "/candidates",
                      "expected the candidate's platform, got none");

  // The figures: summary.json for a candidate of the run, advice.json's evidence for one the advisor added.
  std::string figures;
  const json summary = fs::exists(summary_path, ec) ? read_json(summary_path) : json();
  const json* from_summary = nullptr;
  if (summary.is_object() && summary.contains("candidates"))
    for (const auto& c : summary["candidates"])
      if (c.is_object() && c.value("name", std::string()) == name) from_summary = &c;
  if (from_summary) {
    const json& c = *from_summary;
    if (c.contains("model") && c["model"].is_object()) request.language_model = c["model"];
    figures = "cost $" + number(c["cost_usd"].value("total", 0.0)) + ", SLO attainment " +
              percent(c["slo"].value("attainment", 0.0)) + " (target " +
              percent(c["slo"].value("attainment_target", 0.0)) +
              (c["slo"].value("met", false) ? ", met" : ", not met") + "), p99 " +
              number(c["latency_ms"].value("p99", 0.0), "%.1f") + " ms";
  } else if (has_advice) {
    const json& c = named(advice, "candidates", name, advice_path);
    figures = "cost $" + number(c.value("cost_usd", 0.0)) + ", SLO attainment " +
              percent(c.value("attainment", 0.0)) + (c.value("meets_slo", false) ? " (met)" : " (not met)") +
              ", p99 " + number(c["latency_ms"].value("p99", 0.0), "%.1f") + " ms";
  }

  std::string scenario_name, scenario_file, seed, version;
  if (context.is_object()) {
    scenario_name = context["scenario"].value("name", std::string());
    scenario_file = context["scenario"].value("file", std::string());
    seed = context.contains("seed") ? context["seed"].dump() : "";
    version = context.value("servesim_version", std::string());
  } else if (advice.is_object()) {
    scenario_name = advice.value("scenario", std::string());
  }
  request.provenance.push_back("Written by servesim export" +
                               (version.empty() ? "" : " (servesim " + version + ")") + " from the run " +
                               source + ": candidate " + name + " (" + request.platform + ")");
  request.provenance.push_back("Scenario " + scenario_name +
                               (scenario_file.empty() ? "" : " (" + scenario_file + ")") +
                               (seed.empty() ? "" : ", seed " + seed));
  if (!figures.empty()) request.provenance.push_back("Simulated: " + figures);
  if (has_advice && advice["recommendation"].is_object() &&
      advice["recommendation"].value("name", std::string()) == name)
    request.provenance.push_back("The advisor's recommendation for this scenario.");
  return request;
}

std::vector<std::string> write_export(const platforms::ExportRequest& request, const std::string& format,
                                      const std::string& out_dir) {
  const platforms::ExportFormat* f = platforms::find_export_format(request.platform, format);
  if (!f) {
    const std::string has = platforms::export_formats_of(request.platform);
    throw InputError(
        "command line: --format " + excerpt(format, 40) + ": candidate " + excerpt(request.candidate, 80) +
        " runs on " + request.platform + ", which exports as " +
        (has.empty() ? std::string("nothing (no deployment template for this platform yet)") : has));
  }
  const auto files = f->write(request);
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec) throw input_error(out_dir, "", "cannot create the output folder (" + ec.message() + ")");
  std::vector<std::string> written;
  for (const auto& file : files) {
    const std::string path = (fs::path(out_dir) / file.name).string();
    core::write_file_atomic(path, file.text);
    written.push_back(path);
  }
  return written;
}

}  // namespace servesim::app
