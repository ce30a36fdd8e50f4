// servesim export: a simulated candidate as its platform's deployment template (app/export.hpp).
#include <boost/program_options.hpp>
#include <cstdio>

#include "app/export.hpp"
#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "platforms/registry.hpp"

namespace servesim::cli {
namespace po = boost::program_options;

int export_command(const Args& args) {
  po::options_description opts("Options");
  std::string source, candidate, format, out_dir;
  opts.add_options()("source", po::value(&source)->required(), "a run folder or an advice.json")(
      "candidate,c", po::value(&candidate), "the candidate's name (default: the advisor's recommendation)")(
      "format,f", po::value(&format)->required(), "the template format (below)")(
      "out,o", po::value(&out_dir)->required(), "the folder to write the template into");
  po::positional_options_description pos;
  pos.add("source", 1);
  // The formats come from the registry: each platform registers its own.
  std::string usage =
      R"(Usage: servesim export RUN_DIR|advice.json [--candidate NAME] --format FORMAT --out DIR

Writes the configuration a candidate was simulated with as its platform's own deployment template, headed
by a comment naming the run and its figures (cost, SLO attainment, p99). The settings are read back from
the run folder (report_context.json: every catalogue number the candidate used, the scenario's overrides
applied), so the template is what the simulation evaluated. Without --candidate: the advisor's
recommendation (a folder written by `servesim advise --out`, or its advice.json). Settings a template
cannot hold (quotas, controller flags) are listed in its comment head. Files are written atomically; an
existing file of the same name in DIR is replaced. See docs/export.md.

Formats (by platform):
)";
  for (const auto& r : platforms::registered_platforms())
    for (const auto& f : r.exports) usage += "  " + f.format + " (" + r.name + "): " + f.title + "\n";
  usage += R"(
Exit status: 0 ok, 2 bad input (a missing or malformed run folder, an unknown candidate, a format that is not
the candidate's platform's: one line on stderr), 3 internal error.
)";
  po::variables_map vm;
  if (!parse_options(args, usage.c_str(), opts, pos, vm)) return 0;
  const auto request = app::export_request(source, candidate);
  for (const auto& path : app::write_export(request, format, out_dir)) std::printf("%s\n", path.c_str());
  return 0;
}

}  // namespace servesim::cli
