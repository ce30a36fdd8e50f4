// TraceRows: the wanted columns of each row of a request trace (CSV: found in the header once, then one walk
// over each row's fields up to the last wanted column).
#include "sim/trace_rows.hpp"

#include <algorithm>

#include "core/input_error.hpp"

namespace servesim::sim {

TraceRows::TraceRows(const std::string& path, TraceFormat /*format*/, std::vector<Column> columns)
    : columns_(std::move(columns)),
      csv_(path),
      csv_column_(columns_.size(), 0),
      has_(columns_.size(), false),
      values_(columns_.size()) {
  // The header: each name compared once, so that a header of a million columns takes one pass.
  if (!csv_.next_record()) throw input_error(csv_.path(), "", "the trace is empty");
  std::vector<bool> found(columns_.size(), false);
  csv_.for_each_field([&](size_t column, std::string_view name) {
    for (size_t i = 0; i < columns_.size(); ++i) {
      if (!found[i] && name == columns_[i].name) {
        csv_column_[i] = column;
        found[i] = true;
      }
    }
    return true;
  });
  for (size_t i = 0; i < columns_.size(); ++i) {
    if (!found[i]) {
      throw input_error(csv_.path(), "line " + std::to_string(csv_.line()),
                        "no " + columns_[i].label + " '" + excerpt(columns_[i].name) + "' in the header");
    }
  }
  if (!csv_column_.empty()) last_csv_column_ = *std::max_element(csv_column_.begin(), csv_column_.end());
}

uint64_t TraceRows::line() const {
  return csv_.line();
}

bool TraceRows::next() {
  do {
    if (!csv_.next_record()) return false;
  } while (csv_.is_blank());  // blank lines carry no request
  std::fill(has_.begin(), has_.end(), false);
  // One walk over the row's fields, up to the last column needed; values are copied, since a quoted field
  // with '""' in it lives in the reader's scratch buffer only during the visit.
  csv_.for_each_field([&](size_t column, std::string_view value) {
    for (size_t i = 0; i < columns_.size(); ++i) {
      if (csv_column_[i] == column) {
        values_[i].assign(value);
        has_[i] = true;
      }
    }
    return column < last_csv_column_;
  });
  return true;
}

}  // namespace servesim::sim
