// The result tables in README.md are what `servesim run` prints today: each fenced block that starts with the
// table's header line must be the table of one bundled scenario's golden output (tests/golden/*/table.txt,
// written by scripts/bless), so a change in results cannot leave the README telling an old story.
#include <catch2/catch.hpp>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "support/sim_harness.hpp"

namespace fs = std::filesystem;
using servesim::test::read_file;

namespace {

// The README's fenced blocks whose first line is the table header ("candidate  platform ...").
std::vector<std::string> readme_tables() {
  std::istringstream in(read_file("README.md"));
  std::vector<std::string> tables;
  std::string line, block;
  bool in_fence = false;
  while (std::getline(in, line)) {
    if (line.rfind("```", 0) == 0) {
      if (in_fence && block.rfind("candidate ", 0) == 0) tables.push_back(block);
      in_fence = !in_fence;
      block.clear();
    } else if (in_fence) {
      block += line + "\n";
    }
  }
  return tables;
}

// A golden table without its closing "SLO: ..." line, which the README leaves out.
std::string without_slo_line(const std::string& table) {
  const auto at = table.find("\nSLO: ");
  return at == std::string::npos ? table : table.substr(0, at + 1);
}

}  // namespace

TEST_CASE("cli::README: every result table is a bundled scenario's golden table") {
  std::vector<std::pair<std::string, std::string>> golden;
  for (const auto& entry : fs::directory_iterator("tests/golden"))
    if (fs::exists(entry.path() / "table.txt"))
      golden.emplace_back(entry.path().filename().string(),
                          without_slo_line(read_file((entry.path() / "table.txt").string())));
  REQUIRE(golden.size() >= 4);
  const auto tables = readme_tables();
  REQUIRE(tables.size() >= 2);
  for (const auto& table : tables) {
    INFO("README table:\n" << table << "(scripts/bless regenerates tests/golden; copy the new table here)");
    bool found = false;
    for (const auto& [name, text] : golden) found = found || text == table;
    CHECK(found);
  }
}
