#pragma once
// `servesim export`: the configuration one candidate of a finished run was simulated with, read back from the
// run folder, written as its platform's deployment template (platforms/export.hpp has the formats, each in
// its platform's folder). The settings come from the folder's report_context.json (every catalogue number the
// candidate used, the scenario's overrides applied); the figures for the template's comment head (cost, SLO
// attainment, p99) from summary.json, or from advice.json for a candidate the advisor added.
//
//   const auto request = app::export_request("out/trending-topic", "cloud-run-2vcpu");
//   for (const auto& path : app::write_export(request, "cloud-run", "deploy/")) std::puts(path.c_str());
#include <string>
#include <vector>

#include "platforms/export.hpp"

namespace servesim::app {

// `source`: a run folder (`run` or `advise --out`) or an advice.json (its folder's report_context.json is
// used when there is one; otherwise the catalogue defaults with the candidate's settings from advice.json).
// `candidate`: a candidate's name; "" for the advisor's recommendation (advice.json needed). Throws
// InputError naming the file and the field for a missing or malformed file, an unknown candidate.
platforms::ExportRequest export_request(const std::string& source, const std::string& candidate);

// Writes the template files of `format` into `out_dir` (created when missing), each atomically
// (core::write_file_atomic). Returns their paths. Throws InputError, one line, when the candidate's platform
// has no such format (naming the ones it has) and when a file cannot be written.
std::vector<std::string> write_export(const platforms::ExportRequest& request, const std::string& format,
                                      const std::string& out_dir);

}  // namespace servesim::app
