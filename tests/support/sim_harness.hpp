#pragma once
// Test helpers: build a scenario from JSON text and simulate it in-process, or run the servesim binary.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/input_error.hpp"
#include "platforms/model_factory.hpp"
#include "sim/engine.hpp"
#include "sim/scenario.hpp"

namespace servesim::test {

struct Simulated {
  std::vector<sim::CandidateResult> results;
  std::vector<std::vector<sim::IntervalRow>> rows;  // per candidate
};

inline sim::Scenario scenario_from(const nlohmann::json& doc, const std::string& base_dir = ".") {
  return sim::parse_scenario(doc, "test-scenario.json", base_dir);
}

inline Simulated simulate(const sim::Scenario& sc) {
  auto candidates = platforms::make_candidates(sc);
  Simulated out;
  out.rows.resize(candidates.size());
  auto options = sim::RunOptions::for_scenario(sc);
  options.on_row = [&out](size_t i, const sim::IntervalRow& row) { out.rows[i].push_back(row); };
  out.results = sim::simulate(options, candidates);
  return out;
}

// The first candidate's result of the scenario DOC (valid until the next call).
inline const sim::CandidateResult& simulate_first(const nlohmann::json& doc) {
  static Simulated keep;
  keep = simulate(scenario_from(doc));
  return keep.results.at(0);
}

// The first candidate's result of the scenario DOC (a copy: several may be kept at once).
inline sim::CandidateResult first_result(const nlohmann::json& doc) {
  return simulate(scenario_from(doc)).results.at(0);
}

// A candidate's cost line `category` [USD] (summary.json's cost_usd breakdown), -1 when it has no such line.
inline double cost_line(const sim::CandidateResult& r, const std::string& category) {
  for (const auto& [name, usd] : r.cost_usd)
    if (name == category) return usd;
  return -1;
}

// A workflow candidate's outcome of stage `id`; throws when it has none (the test fails).
inline const sim::WorkflowStageOutcome& workflow_stage(const sim::CandidateResult& r, const std::string& id) {
  for (const auto& s : r.workflow.stages)
    if (s.id == id) return s;
  throw std::out_of_range("no workflow stage " + id);
}

// A topology's "edges": [["from", "to"], ...] (a braced list of pairs would read as a JSON object).
inline nlohmann::json edge_list(const std::vector<std::pair<std::string, std::string>>& pairs) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [from, to] : pairs) out.push_back(nlohmann::json::array({from, to}));
  return out;
}

// The message of the InputError that reading the scenario DOC or building its candidates throws ("no error"
// if none).
inline std::string candidates_error(const nlohmann::json& doc) {
  try {
    platforms::make_candidates(scenario_from(doc));
  } catch (const InputError& e) {
    return std::string(e.what());
  }
  return std::string("no error");
}

// A fresh temporary folder, removed when the object goes.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "servesim-test-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (std::filesystem::path(path_) / name).string(); }
  const std::string& path() const { return path_; }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(file(name), std::ios::binary) << text;
    return file(name);
  }

 private:
  std::string path_;
};

// Scenario pieces shared by the platform tests.
inline nlohmann::json constant_ms(double ms) {
  return {{"type", "constant"}, {"value_ms", ms}};
}

// A topology model stage `id` on a fixed pool of `servers` always-on servers (no cold start) taking `ms`;
// queue_capacity >= 0 bounds the pool's queue (0 with one server drops what arrives while it is busy).
inline nlohmann::json pool_stage(const std::string& id, double ms, uint64_t servers,
                                 int64_t queue_capacity = -1) {
  nlohmann::json candidate = {{"platform", "fixed-pool"}, {"servers", servers}};
  if (queue_capacity >= 0) candidate["queue_capacity"] = queue_capacity;
  return {{"id", id}, {"kind", "model"}, {"candidate", candidate}, {"service", {{"warm", constant_ms(ms)}}}};
}

inline nlohmann::json poisson(double rate_rps, double duration_s) {
  return {{"type", "poisson"}, {"rate_rps", rate_rps}, {"duration_s", duration_s}};
}
// A scenario with one candidate: `platform` named `name`, whose `settings` are added to its JSON; an SLO and
// a client timeout that never bite; the given seed and metrics interval.
struct OneCandidate {
  std::string platform;
  std::string name;
  int seed;
  double interval_s;
};
inline nlohmann::json one_candidate_scenario(const OneCandidate& c, nlohmann::json workload,
                                             nlohmann::json service, const nlohmann::json& settings) {
  nlohmann::json cand = {{"name", c.name}, {"platform", c.platform}};
  for (const auto& [k, v] : settings.items()) cand[k] = v;
  return {{"seed", c.seed},
          {"workload", std::move(workload)},
          {"service", std::move(service)},
          {"slo", {{"p99_ms", 1e6}, {"timeout_s", 1e6}}},
          {"metrics", {{"interval_s", c.interval_s}}},
          {"candidates", {cand}}};
}

// The times of one request every 10 s for 100 s: 0, 10, ..., 90.
inline std::vector<double> every_10_s() {
  std::vector<double> times;
  for (int k = 0; k < 10; ++k) times.push_back(10.0 * k);
  return times;
}

// A request trace with one request at each of the given times [s] (written into `dir`).
inline nlohmann::json trace_at(const TempDir& dir, const std::vector<double>& times_s,
                               double duration_s = -1) {
  std::string csv = "TIMESTAMP\n";
  for (double t : times_s) csv += std::to_string(t) + "\n";
  nlohmann::json w = {{"type", "request_trace"}, {"path", dir.write("trace.csv", csv)}};
  if (duration_s > 0) w["duration_s"] = duration_s;
  return w;
}

// A request trace of language-model requests, `rows` being "arrival s,prompt tokens,output tokens" lines
// under the header t,in,out (written into `dir` as `name`).
inline nlohmann::json token_trace(const TempDir& dir, const std::string& rows,
                                  const std::string& name = "tokens.csv") {
  return {{"type", "request_trace"},
          {"path", dir.write(name, "t,in,out\n" + rows)},
          {"timestamp_column", "t"},
          {"input_tokens_column", "in"},
          {"output_tokens_column", "out"}};
}

// A scenario of one serving topology `candidate` (its stages on their own platforms): requests at `times` (a
// trace), 1 s of warm service for a stage without its own, an SLO and a client timeout that never bite,
// metrics every 10 s.
inline nlohmann::json topology_scenario(const TempDir& dir, const nlohmann::json& candidate,
                                        const std::vector<double>& times, uint64_t seed = 7) {
  return {{"seed", seed},
          {"workload", trace_at(dir, times)},
          {"service", {{"warm", constant_ms(1000)}}},
          {"slo", {{"p99_ms", 1e7}, {"timeout_s", 1e7}}},
          {"metrics", {{"interval_s", 10}}},
          {"candidates", {candidate}}};
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// stderr without the diagnostics a sanitizer build adds (when an exception unwinds a SimGrid actor's stack,
// ASan warns in a line starting "==PID==" followed by "False positive ..." and "For details see ..."): what a
// user of a normal build sees.
inline std::string user_stderr(const std::string& text) {
  std::istringstream in(text);
  std::string line, out;
  while (std::getline(in, line)) {
    const bool is_sanitizer_note = line.rfind("==", 0) == 0 ||
                                   line.rfind("False positive error reports", 0) == 0 ||
                                   line.rfind("For details see https://github.com/google/sanitizers", 0) == 0;
    if (!is_sanitizer_note) out += line + "\n";
  }
  return out;
}

// Lines in a command's output (an error must be exactly one).
inline int count_lines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

struct CommandResult {
  int status;
  std::string out, err;
};

// Runs the servesim binary (path from $SERVESIM_BIN, set by CTest) with the given arguments.
inline CommandResult run_servesim(const std::string& args, const TempDir& scratch) {
  const char* bin = std::getenv("SERVESIM_BIN");
  const std::string exe = bin ? bin : "build/cli/servesim";
  const std::string out = scratch.file("stdout.txt"), err = scratch.file("stderr.txt");
  const int rc = std::system((exe + " " + args + " >" + out + " 2>" + err + " </dev/null").c_str());
  return CommandResult{WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, read_file(out), read_file(err)};
}

}  // namespace servesim::test
