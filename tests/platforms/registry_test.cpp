// The platform registry and the catalogue keys the advisor and tune read (placement, advisor_default,
// tune_grid): every platform has a placement class, malformed entries are refused when the catalogue is read,
// and no platform name is left in the layers above the platforms (advisor/, cli/, gui/, reports/).
#include "platforms/registry.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "core/input_error.hpp"
#include "platforms/catalog.hpp"
#include "platforms/model_factory.hpp"
#include "support/sim_harness.hpp"

using namespace servesim;

namespace {

// A minimal valid catalogue file; `extra` is spliced in before "parameters".
std::string entry_text(const std::string& extra) {
  return R"({"platform": "p", "title": "t", "as_of": "2026-11", )" + extra +
         R"( "parameters": {"n": {"value": 1, "min": 0, "max": 10, "unit": "x", "status": "estimated",
                                  "source": "s"}}})";
}

std::string parse_error(const std::string& text) {
  try {
    platforms::parse_catalog_entry("p.json", text);
  } catch (const std::logic_error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("platforms::registry: every platform is registered once and has a placement class") {
  const auto& registered = platforms::registered_platforms();
  REQUIRE(registered.size() >= 6);
  for (const auto& r : registered) {
    CAPTURE(r.name);
    CHECK(platforms::find_registration(r.name) == &r);
    CHECK(r.make);
    CHECK((platforms::find_platform(r.name) != nullptr || r.placements));
  }
  const auto& classes = platforms::placement_classes();
  for (const auto& e : platforms::catalog()) {
    CAPTURE(e.platform);
    CHECK(std::find(classes.begin(), classes.end(), e.placement) != classes.end());
    CHECK(platforms::find_registration(e.platform));  // every catalogued platform has a model
    CHECK(platforms::placement_of(e.platform) == e.placement);
  }
  CHECK(platforms::placement_of("no-such-platform") == "container");
}

TEST_CASE("platforms::placements_of: a Cloud Run or Container Apps candidate with a GPU is serverless GPU") {
  // Both platforms' "gpu" parameter is "none" by default (their catalogue files): only a GPU given by the
  // candidate changes its class.
  sim::Scenario scenario;
  for (const std::string platform : {"gcp-cloud-run", "azure-container-apps"}) {
    CAPTURE(platform);
    sim::CandidateSpec cpu;
    cpu.platform = platform;
    cpu.settings = nlohmann::json::object();
    auto uses = platforms::placements_of(cpu, scenario);
    REQUIRE(uses.size() == 1);
    CHECK(uses[0].placement == "serverless");
    cpu.settings["gpu"] = "none";
    CHECK(platforms::placements_of(cpu, scenario)[0].placement == "serverless");
    sim::CandidateSpec gpu = cpu;
    gpu.settings["gpu"] = platform == "gcp-cloud-run" ? "nvidia-l4" : "nvidia-t4";
    CHECK(platforms::placements_of(gpu, scenario)[0].placement == "gpu-serverless");
  }
  sim::CandidateSpec lambda;
  lambda.platform = "aws-lambda";
  lambda.settings = nlohmann::json::object();
  CHECK(platforms::placements_of(lambda, scenario)[0].placement == "serverless");
}

TEST_CASE("platforms::catalog: an entry without a placement class, or with a bad key, is refused") {
  CHECK(parse_error(entry_text(R"("placement": "container",)")).empty());
  CHECK_THAT(parse_error(entry_text("")), Catch::Contains("p.json: no placement"));
  CHECK_THAT(
      parse_error(entry_text(R"("placement": "gpu",)")),
      Catch::Contains("p.json: placement gpu is not one of serverless, container, edge, gpu-serverless"));
  // placement_with_gpu needs a "gpu" parameter that can say "none" (the entry here has only "n").
  CHECK_THAT(parse_error(entry_text(R"("placement": "serverless", "placement_with_gpu": "gpu-serverless",)")),
             Catch::Contains("p.json: placement_with_gpu needs a \"gpu\" parameter"));
  CHECK_THAT(parse_error(entry_text(R"("placement": "edge", "tune_grid": {"keys": [{"key": "m", "unit": "x",
                                       "values": [1]}]},)")),
             Catch::Contains("tune_grid: m is no numeric parameter"));
  CHECK_THAT(parse_error(entry_text(R"("placement": "edge", "tune_grid": {"keys": [{"key": "n", "unit": "x",
                                       "values": []}]},)")),
             Catch::Contains("tune_grid: empty grid for n"));
  CHECK_THAT(parse_error(entry_text(R"("placement": "edge", "advisor_default": {"name": "d",
                                       "settings": {"n": {"from": "moon_phase"}}},)")),
             Catch::Contains("advisor_default/settings/n: quantity moon_phase is not available here"));
  // tune has no traffic facts: only the scenario's quantities.
  CHECK_THAT(parse_error(entry_text(R"("placement": "edge", "tune_grid": {"keys": [],
                                       "defaults": {"n": {"from": "peak_servers"}}},)")),
             Catch::Contains("tune_grid/defaults/n: quantity peak_servers is not available here"));
  CHECK_THAT(parse_error(entry_text(R"("placement": "edge", "advisor_default": {"name": "d",
                                       "settings": {"m": 1}},)")),
             Catch::Contains("advisor_default/settings: m is no parameter"));
}

TEST_CASE("platforms::catalog: resolve_settings computes values from named quantities") {
  const nlohmann::json settings = {
      {"plain", 2048},
      {"timeout_s", {{"from", "slo_timeout_s"}, {"round", "up"}, {"min", 3}, {"max", 900}}},
      {"servers", {{"from", "peak_servers"}, {"min", 2}, {"integer", true}}}};
  std::string missing;
  auto out = platforms::resolve_settings(settings, {{"slo_timeout_s", 1.2}, {"peak_servers", 7}}, &missing);
  REQUIRE(out);
  CHECK((*out)["plain"] == 2048);
  CHECK((*out)["timeout_s"].is_number_float());
  CHECK((*out)["timeout_s"] == 3.0);  // ceil(1.2) = 2, then at least 3
  CHECK((*out)["servers"].is_number_integer());
  CHECK((*out)["servers"] == 7);
  out = platforms::resolve_settings(settings, {{"slo_timeout_s", 1000}, {"peak_servers", 1}});
  CHECK((*out)["timeout_s"] == 900.0);
  CHECK((*out)["servers"] == 2);
  CHECK_FALSE(platforms::resolve_settings(settings, {{"slo_timeout_s", 1}}, &missing));
  CHECK(missing == "peak_servers");
}

TEST_CASE("platforms::registry: registrations that cannot work are refused") {
  const auto make = [](const sim::CandidateSpec&,
                       const sim::Scenario&) -> std::unique_ptr<sim::PlatformModel> { return nullptr; };
  const std::string first = platforms::registered_platforms().front().name;
  CHECK_THROWS_WITH(platforms::register_platform({first, make, {}, "", {}}, ""),
                    Catch::Contains(first + " is already registered"));
  CHECK_THROWS_WITH(platforms::register_platform({"no-factory", {}, {}, "", {}}, ""),
                    Catch::Contains("no-factory has no model factory"));
  CHECK_THROWS_WITH(platforms::register_platform({"no-placement", make, {}, "", {}}, ""),
                    Catch::Contains("no-placement has no placement class"));
  CHECK_THROWS_WITH(
      platforms::register_platform({"not-p", make, {}, "", {}}, entry_text(R"("placement": "edge",)")),
      Catch::Contains("not-p's catalogue entry is for p"));
  CHECK_FALSE(platforms::find_registration("no-placement"));
  CHECK_FALSE(platforms::find_platform("p"));
}

TEST_CASE("platforms::make_model: an unknown platform is an input error listing the catalogue") {
  auto doc = nlohmann::json{{"name", "x"},
                            {"workload", test::poisson(1, 10)},
                            {"service", {{"warm", test::constant_ms(10)}}},
                            {"candidates", {{{"name", "c"}, {"platform", "no-such-platform"}}}}};
  try {
    platforms::make_candidates(test::scenario_from(doc));
    FAIL("no error");
  } catch (const InputError& e) {
    std::string known;
    for (const auto& entry : platforms::catalog()) known += (known.empty() ? "" : ", ") + entry.platform;
    CHECK_THAT(e.what(), Catch::Contains("/candidates/0/platform: expected one of " + known +
                                         ", got \"no-such-platform\""));
  }
}

// The layers above the platforms name none: they read the registry and the catalogue. A hyphenated name is
// flagged anywhere (code, comment or string); a plain word ("topology") only as a string literal that is
// not a JSON key (`c["topology"]` in reports/ is summary.json's stage table, not the platform).
TEST_CASE("platforms::registry: advisor/, app/, cli/, gui/, python/ and reports/ name no platform") {
  std::vector<std::string> offences;
  for (const char* layer : {"advisor", "app", "cli", "gui", "python", "reports"}) {
    REQUIRE(std::filesystem::is_directory(layer));  // the test runs from the source root
    for (const auto& file : std::filesystem::recursive_directory_iterator(layer)) {
      const auto ext = file.path().extension();
      if (!file.is_regular_file() || (ext != ".cpp" && ext != ".hpp")) continue;
      std::ifstream in(file.path());
      std::string line;
      for (int number = 1; std::getline(in, line); ++number)
        for (const auto& r : platforms::registered_platforms()) {
          bool hit = false;
          if (r.name.find('-') != std::string::npos) hit = line.find(r.name) != std::string::npos;
          const std::string literal = "\"" + r.name + "\"";
          for (auto at = line.find(literal); at != std::string::npos && !hit; at = line.find(literal, at + 1))
            hit = at == 0 || line[at - 1] != '[';
          if (hit) offences.push_back(file.path().string() + ":" + std::to_string(number) + ": " + r.name);
        }
    }
  }
  std::string list;
  for (const auto& o : offences) list += o + "\n";
  INFO("platform names outside platforms/ (read them from the registry or the catalogue):\n" << list);
  CHECK(offences.empty());
}

// servesim export's formats come from the registry: each is registered once per platform, and each writes a
// template headed by the request's provenance for a candidate with the catalogue's default settings.
TEST_CASE("platforms::export: every registered format writes a template headed by its provenance") {
  size_t formats = 0;
  for (const auto& r : platforms::registered_platforms()) {
    const auto* entry = platforms::find_platform(r.name);
    for (const auto& f : r.exports) {
      CAPTURE(r.name, f.format);
      ++formats;
      CHECK(platforms::find_export_format(r.name, f.format) == &f);
      REQUIRE(entry);  // a composite (no catalogue entry) has no settings to export
      platforms::ExportRequest request;
      request.candidate = "a candidate";
      request.platform = r.name;
      for (const auto& p : entry->parameters) request.settings[p.key] = p.value;
      request.provenance = {"run out/x: candidate \"a candidate\"", "Simulated: cost $1"};
      const auto files = f.write(request);
      REQUIRE_FALSE(files.empty());
      for (const auto& file : files) {
        CHECK(file.name.find('/') == std::string::npos);
        CHECK_THAT(file.text,
                   Catch::StartsWith("# run out/x: candidate \"a candidate\"\n# Simulated: cost $1\n"));
      }
    }
  }
  CHECK(formats >= 6);  // sam, cloudformation, cloud-run, container-apps and kubernetes (twice)
  CHECK_FALSE(
      platforms::find_export_format(platforms::registered_platforms().front().name, "no-such-format"));
  CHECK(platforms::dns_label("Lambda 3008 (arm)") == "lambda-3008-arm");
  CHECK(platforms::logical_id("lambda-3008") == "Lambda3008");
  CHECK(platforms::cpu_quantity(0.5) == "500m");
  CHECK(platforms::cpu_quantity(2) == "2");
  CHECK(platforms::memory_quantity(0.5) == "512Mi");
  CHECK(platforms::memory_quantity(4) == "4Gi");
}
