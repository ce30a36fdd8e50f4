// Reading and checking a sweep file (app/sweep_file.hpp).
#include "app/sweep_file.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/input_error.hpp"
#include "core/input_file.hpp"
#include "core/json_fields.hpp"
#include "core/json_reader.hpp"

namespace servesim::app {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

json read_json(const std::string& path, const std::string& what) {
  const auto stream = core::open_input(path, what);  // refuses FIFOs, directories, NUL bytes
  std::istream& in = *stream;
  std::stringstream buf;
  buf << in.rdbuf();
  return core::parse_json(buf.str(), path);
}

// Checks a pointer key of the sweep file against the base scenario.
void check_pointer(const Sweep& sw, const std::string& where, const std::string& ptr) {
  json::json_pointer p;
  try {
    p = json::json_pointer(ptr);
  } catch (const json::exception&) {
    throw input_error(sw.file, where, "expected a JSON pointer (\"/workload/scale\"), got \"" + ptr + "\"");
  }
  bool found = false;
  try {
    found = !ptr.empty() && sw.base.contains(p);
  } catch (const json::exception&) {
    // An array index too large for size_t: nlohmann::json throws out_of_range instead of answering false.
  }
  if (!found)
    throw input_error(sw.file, where,
                      "the pointer \"" + ptr + "\" names nothing in the base scenario " + sw.base_path);
}

std::string escape_pointer_token(const std::string& s) {
  std::string out;
  for (char c : s) out += c == '~' ? "~0" : c == '/' ? "~1" : std::string(1, c);
  return out;
}

// The pointers one point sets must not lie inside one another: the outer value would replace the inner one,
// or make it name nothing (patching "/workload/scale" after "/workload": 1 throws).
void check_not_nested(const std::string& file, const std::string& where,
                      const std::vector<std::string>& ptrs) {
  for (const auto& outer : ptrs)
    for (const auto& inner : ptrs)
      if (inner.size() > outer.size() && inner.compare(0, outer.size() + 1, outer + "/") == 0)
        throw input_error(file, where + "/" + escape_pointer_token(inner),
                          "the pointer \"" + inner + "\" lies inside \"" + outer +
                              "\", which is swept too: sweep one or the other");
}

}  // namespace

Sweep load_sweep(const std::string& path) {
  Sweep sw;
  sw.file = path;
  const json doc = read_json(path, "sweep file");
  if (!doc.is_object()) throw input_error(path, "", "expected an object {\"base\", \"grid\" | \"points\"}");
  for (const auto& [k, v] : doc.items())
    if (k != "base" && k != "grid" && k != "points")
      throw input_error(path, "/" + escape_pointer_token(k), "unknown key (expected base, grid or points)");
  if (!doc.contains("base") || !doc["base"].is_string() || doc["base"].get<std::string>().empty())
    throw input_error(path, "/base", "expected the path of the base scenario (a string)");
  if (doc.contains("grid") == doc.contains("points"))
    throw input_error(path, "", "expected exactly one of \"grid\" and \"points\"");
  fs::path base = doc["base"].get<std::string>();
  if (base.is_relative()) base = fs::path(path).parent_path() / base;
  sw.base_path = base.lexically_normal().string();
  try {
    sw.base = read_json(sw.base_path, "base scenario");
  } catch (const InputError& e) {
    throw input_error(path, "/base", e.what());
  }

  // nlohmann::json keeps object keys sorted: re-read the file keeping the order of its pointers.
  std::ifstream in(path, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  const auto file_order = core::parse_ordered_json(buf.str(), path);
  if (doc.contains("grid")) {
    const auto& ordered = file_order["grid"];
    if (!ordered.is_object() || ordered.empty())
      throw input_error(path, "/grid", "expected an object {pointer: [values...]} with at least one pointer");
    for (const auto& [ptr, values] : ordered.items()) {
      const std::string where = "/grid/" + escape_pointer_token(ptr);
      check_pointer(sw, where, ptr);
      if (!values.is_array() || values.empty())
        throw input_error(path, where,
                          "expected a non-empty list of values, got " + core::quote_json(values));
      sw.columns.push_back(ptr);
      sw.grid.emplace_back();
      for (const auto& v : values) sw.grid.back().push_back(json::parse(v.dump()));
    }
    check_not_nested(path, "/grid", sw.columns);
    // The points are the combinations, made on demand (Sweep::point): a million of them take no memory here.
    size_t total = 1;
    for (const auto& l : sw.grid) {
      total *= l.size();
      if (total > 1000000) throw input_error(path, "/grid", "expected at most 1,000,000 points");
    }
  } else {
    const auto& points = file_order["points"];
    if (!points.is_array() || points.empty())
      throw input_error(path, "/points", "expected a non-empty list of {pointer: value} objects");
    for (size_t i = 0; i < points.size(); ++i) {
      const std::string where = "/points/" + std::to_string(i);
      if (!points[i].is_object()) throw input_error(path, where, "expected an object {pointer: value}");
      Point pt;
      for (const auto& [ptr, v] : points[i].items()) {
        check_pointer(sw, where + "/" + escape_pointer_token(ptr), ptr);
        if (std::find(sw.columns.begin(), sw.columns.end(), ptr) == sw.columns.end())
          sw.columns.push_back(ptr);
        pt.values.emplace_back(ptr, json::parse(v.dump()));
      }
      std::vector<std::string> set;
      for (const auto& value : pt.values) set.push_back(value.first);
      check_not_nested(path, where, set);
      sw.points.push_back(std::move(pt));
    }
  }
  return sw;
}

size_t Sweep::size() const {
  if (grid.empty()) return points.size();
  size_t total = 1;
  for (const auto& l : grid) total *= l.size();
  return total;
}

Point Sweep::point(size_t i) const {
  if (grid.empty()) return points[i];
  // Point i of the grid: the last pointer varies fastest.
  std::vector<size_t> idx(grid.size());
  for (size_t k = grid.size(); k-- > 0;) {
    idx[k] = i % grid[k].size();
    i /= grid[k].size();
  }
  Point pt;
  for (size_t k = 0; k < grid.size(); ++k) pt.values.emplace_back(columns[k], grid[k][idx[k]]);
  return pt;
}

json patched(const Sweep& sw, const Point& pt) {
  json doc = sw.base;
  for (const auto& [ptr, v] : pt.values) doc[json::json_pointer(ptr)] = v;
  return doc;
}

}  // namespace servesim::app
