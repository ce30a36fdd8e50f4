#pragma once
// Private to sim/: the rows of a request trace as the values of the few columns the reader wants, whatever
// the file's format, so that the request-trace source reads timestamps, keys, token counts and filters the
// same way from each.
//
//   TraceRows rows(path, TraceFormat::csv, {{"TIMESTAMP", "column"}, {"ContextTokens", "token column"}});
//   while (rows.next())
//     if (rows.has(0)) use(rows.value(0));
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sim/csv_reader.hpp"
#include "sim/workload.hpp"

namespace servesim::sim {

class TraceRows {
 public:
  struct Column {
    std::string name;
    std::string label;  // what it is, for errors: "column", "key column", "token column", "filter column"
  };

  // CSV: reads the header; throws InputError "<path>: line N: no <label> '<name>' in the header" for a
  // wanted column the header lacks (the first missing one, in the order given). Also throws as TraceFile.
  TraceRows(const std::string& path, TraceFormat format, std::vector<Column> columns);

  // Reads the next row that is not blank; false at the end of the file.
  bool next();
  // Whether the current row has a value for wanted column i (CSV: the row reaches that column, an empty
  // field being the value "").
  bool has(size_t i) const { return has_[i]; }
  // The value, trimmed and unquoted; valid until the next call of next().
  std::string_view value(size_t i) const { return values_[i]; }
  // The line where the current row starts (from 1).
  uint64_t line() const;
  const std::string& path() const { return csv_.path(); }

 private:
  std::vector<Column> columns_;
  CsvReader csv_;
  std::vector<size_t> csv_column_;  // the CSV column of each wanted column
  size_t last_csv_column_ = 0;
  std::vector<bool> has_;
  std::vector<std::string> values_;
};

}  // namespace servesim::sim
