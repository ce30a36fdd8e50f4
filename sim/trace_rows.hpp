#pragma once
// Private to sim/: the rows of a request trace as the values of the few columns the reader wants, whatever
// the file's format, so that the request-trace source reads timestamps, keys, token counts and filters the
// same way from each. CSV: columns named in the header. JSON Lines: one JSON object per line, columns are its
// top-level keys; numbers are given as written ("27482", "1.5e3"), strings unquoted and unescaped, true and
// false as words, arrays and objects as "[...]" and "{...}" (their contents are skipped), null as no value;
// a column marked `list` gets an array's elements instead, each as written followed by a space, in brackets
// ("[1 2 3 ]"; a nested array or object as "[...]" or "{...}").
//
//   TraceRows rows(path, TraceFormat::csv, {{"TIMESTAMP", "column"}, {"ContextTokens", "token column"}});
//   while (rows.next())
//     if (rows.has(0)) use(rows.value(0));
#include <cstddef>
#include <cstdint>
#include <optional>
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
    bool list = false;  // JSONL: an array value is given with its elements
  };

  // CSV: reads the header; throws InputError "<path>: line N: no <label> '<name>' in the header" for a
  // wanted column the header lacks (the first missing one, in the order given). Also throws as TraceFile.
  // JSONL has no header: a key missing from a line is a row without that value.
  TraceRows(const std::string& path, TraceFormat format, std::vector<Column> columns);

  // Reads the next row that is not blank; false at the end of the file. JSONL: throws InputError
  // "<path>: line N: ..." for a line that is not one JSON object, has a wanted key twice, or is longer than
  // 16 MiB.
  bool next();
  // Whether the current row has a value for wanted column i (CSV: the row reaches that column, an empty
  // field being the value "").
  bool has(size_t i) const { return has_[i]; }
  // The value, trimmed and unquoted; valid until the next call of next().
  std::string_view value(size_t i) const { return values_[i]; }
  // The line where the current row starts (from 1).
  uint64_t line() const { return line_; }
  const std::string& path() const { return path_; }
  // Wanted column i of the current row as a token count (named `name` in errors): an integer
  // 0..kMaxRequestTokens; throws InputError "<path>: line N: token column '<name>': ..." otherwise.
  uint32_t token_count(size_t i, const std::string& name) const;

 private:
  bool next_csv();
  bool next_jsonl();
  // JSONL: the next line into line_text_; false at the end of the file.
  bool next_line();

  std::vector<Column> columns_;
  std::string path_;
  TraceFormat format_;
  uint64_t line_ = 0;
  // CSV
  std::optional<CsvReader> csv_;
  std::vector<size_t> csv_column_;  // the CSV column of each wanted column
  size_t last_csv_column_ = 0;
  // JSONL: the file in blocks, cut at line breaks.
  std::optional<TraceFile> file_;
  std::vector<char> buffer_;
  size_t begin_ = 0;     // the first byte not yet in a line
  size_t data_end_ = 0;  // the end of the bytes read
  bool is_eof_ = false;
  uint64_t next_line_ = 1;
  std::string_view line_text_;

  std::vector<bool> has_;
  std::vector<std::string> values_;
};

}  // namespace servesim::sim
