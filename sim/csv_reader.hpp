#pragma once
// Private to sim/: the records of a CSV file (RFC 4180), streamed from a TraceFile in blocks, for the
// request-trace reader.
//
//   CsvReader csv(path);
//   while (csv.next_record())
//     csv.for_each_field([&](size_t column, std::string_view value) { ...; return true; });
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sim/rate_trace_source.hpp"

namespace servesim::sim {

// The dialect (RFC 4180): fields are separated by ',' and a record ends at a line break (LF or CRLF). A field
// whose first character other than blanks is '"' is quoted: it runs to the next '"' not written twice, and
// may hold ',', '""' (one '"') and line breaks. Blanks (space, tab, CR) around a field are not part of it; a
// '"' inside an unquoted field is an ordinary character. Memory is bounded by the longest record (16 MiB).
// Each record is scanned once to find its end and once more to walk its fields, so the time is linear in
// the size of the file, however many columns a record has.
class CsvReader {
 public:
  // Throws InputError as TraceFile does.
  explicit CsvReader(const std::string& path);

  // Reads the next record; false at the end of the file. Throws InputError "<path>: line N: ..." for a quoted
  // field with no closing quote (N: the line where the field opens), text after a closing quote, or a record
  // longer than 16 MiB.
  bool next_record();
  // The physical line (from 1) where the current record starts.
  uint64_t line() const { return line_; }
  // Whether the current record holds nothing but blanks.
  bool is_blank() const;
  const std::string& path() const { return file_.path(); }

  // Calls visit(column, value) for the current record's fields in order (column from 0) until it returns
  // false. `value` is trimmed, unquoted, with each '""' made one '"', and valid only during the call.
  template <class Visit>
  void for_each_field(Visit&& visit) {
    const char* p = record_.data();
    const char* const end = p + record_.size();
    std::string_view value;
    for (size_t column = 0;; ++column) {
      const bool has_next = next_field(p, end, value);
      if (!visit(column, value) || !has_next) return;
    }
  }

 private:
  // Finds the end of the record that starts at begin_; false when the buffer ends first (more must be read).
  // `quote_at`: where an unclosed quoted field opens, if the buffer ended inside one.
  bool find_record_end(size_t& record_end, size_t& quote_at);
  // Keeps the unread part, grows the buffer if it is full, and reads more.
  void refill(size_t quote_at);
  // The field at `p` (in a record whose end was found); moves `p` past it and its ','; false for the last.
  bool next_field(const char*& p, const char* end, std::string_view& value);
  uint64_t line_at(size_t offset) const;

  TraceFile file_;
  std::vector<char> buffer_;
  size_t begin_ = 0;     // the first byte not yet in a record
  size_t data_end_ = 0;  // the end of the bytes read
  bool is_eof_ = false;
  uint64_t next_line_ = 1;  // the line where the record at begin_ starts
  std::string_view record_;
  bool has_quotes_ = false;  // in record_
  uint64_t line_ = 0;
  std::string unquoted_;  // a quoted field with '""' in it, made single
};

}  // namespace servesim::sim
