// Every link in the repository's Markdown files resolves inside the repository: a user who clones the project
// can follow each one. Links to web pages (http, https, mailto) and to anchors in the same file are left out;
// a relative link must name a file or folder that exists, and must not leave the repository. No document
// points at the team's shared folder outside the repository, in a link or in its text.
#include <catch2/catch.hpp>
#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include "support/sim_harness.hpp"

namespace fs = std::filesystem;
using servesim::test::read_file;

namespace {

bool is_skipped_folder(const fs::path& p) {
  const std::string name = p.filename().string();
  return name == ".git" || name == "node_modules" || name == "out" || name.rfind("build", 0) == 0 ||
         name == ".cache";
}

std::vector<fs::path> markdown_files(const fs::path& root) {
  std::vector<fs::path> files;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
    if (it->is_directory() && is_skipped_folder(it->path())) {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file() && it->path().extension() == ".md") files.push_back(it->path());
  }
  return files;
}

}  // namespace

TEST_CASE("cli::docs: every Markdown link resolves inside the repository") {
  const fs::path root = fs::canonical(".");
  const auto files = markdown_files(root);
  REQUIRE(files.size() >= 10);
  // [text](target) and ![alt](target); the target ends at whitespace or ')'.
  const std::regex link(R"(\]\(([^)\s]+)(?:\s+"[^"]*")?\))");
  size_t checked = 0;
  for (const auto& file : files) {
    const std::string text = read_file(file.string());
    const std::string where = fs::relative(file, root).string();
    INFO(where);
    CHECK(text.find("../shared/") == std::string::npos);
    CHECK(text.find("shared/docs/") == std::string::npos);
    for (auto m = std::sregex_iterator(text.begin(), text.end(), link); m != std::sregex_iterator(); ++m) {
      std::string target = (*m)[1];
      if (target.rfind("http://", 0) == 0 || target.rfind("https://", 0) == 0 ||
          target.rfind("mailto:", 0) == 0 || target[0] == '#')
        continue;
      target = target.substr(0, target.find('#'));
      const fs::path resolved = (file.parent_path() / target).lexically_normal();
      INFO("link " << target);
      CHECK(fs::exists(resolved));
      const std::string inside = fs::relative(resolved, root).string();
      CHECK(inside.rfind("..", 0) != 0);
      ++checked;
    }
  }
  CHECK(checked >= 20);
}
