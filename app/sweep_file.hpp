#pragma once
// A sweep file (`servesim sweep SWEEP.json`, docs/sweeps.md), read and checked where it enters: its keys, the
// base scenario it names (read as JSON, not yet checked as a scenario: each point is checked when it runs),
// and every swept JSON pointer against the base. Nothing runs here; fuzz/fuzz_sweep.cpp calls it too; so do
// app/sweep_point.hpp and the Python module.
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace servesim::app {

struct Point {
  std::vector<std::pair<std::string, nlohmann::json>> values;  // pointer -> value, in column order
};

struct Sweep {
  std::string file;
  std::string base_path;  // as it is opened
  nlohmann::json base;
  std::vector<std::string> columns;  // every swept pointer, first-seen order
  // Either a grid (the values of each column, in column order; its points are the combinations) or the
  // explicit list of points.
  std::vector<std::vector<nlohmann::json>> grid;
  std::vector<Point> points;

  size_t size() const;          // number of points
  Point point(size_t i) const;  // point i, i < size(); of a grid: the last pointer varies fastest
};

// Reads and checks SWEEP.json and its base scenario. Throws InputError naming the sweep file and the pointer
// into it (docs/errors.md).
Sweep load_sweep(const std::string& path);

// The base scenario with the point's values put in.
nlohmann::json patched(const Sweep& sw, const Point& pt);

}  // namespace servesim::app
