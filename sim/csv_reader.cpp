// CsvReader: record ends found with memchr (a record without a '"' ends at the next line break), and a small
// state machine over the records that hold quotes.
#include "sim/csv_reader.hpp"

#include <algorithm>
#include <cstring>

#include "core/input_error.hpp"

namespace servesim::sim {

namespace {

constexpr size_t kBlockBytes = 64 * 1024;
constexpr size_t kMaxRecordBytes = 16 * 1024 * 1024;
constexpr size_t kNone = static_cast<size_t>(-1);

bool is_blank_char(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}

const char* find(const char* begin, const char* end, char c) {
  return static_cast<const char*>(std::memchr(begin, c, static_cast<size_t>(end - begin)));
}

}  // namespace

CsvReader::CsvReader(const std::string& path) : file_(path), buffer_(kBlockBytes) {}

bool CsvReader::is_blank() const {
  return std::all_of(record_.begin(), record_.end(), is_blank_char);
}

uint64_t CsvReader::line_at(size_t offset) const {
  const char* const base = buffer_.data();
  return next_line_ + static_cast<uint64_t>(std::count(base + begin_, base + offset, '\n'));
}

bool CsvReader::next_record() {
  for (;;) {
    if (begin_ == data_end_ && is_eof_) return false;
    size_t record_end = 0;
    size_t quote_at = kNone;
    if (!find_record_end(record_end, quote_at)) {
      refill(quote_at);
      continue;
    }
    const char* const base = buffer_.data();
    record_ = std::string_view(base + begin_, record_end - begin_);
    line_ = next_line_;
    next_line_ = (has_quotes_ ? line_at(record_end) : next_line_) + 1;
    begin_ = record_end < data_end_ ? record_end + 1 : record_end;  // past its line break
    if (!record_.empty() && record_.back() == '\r') record_.remove_suffix(1);
    return true;
  }
}

bool CsvReader::find_record_end(size_t& record_end, size_t& quote_at) {
  const char* const base = buffer_.data();
  const char* p = base + begin_;
  const char* const end = base + data_end_;
  // Most records hold no '"': they end at the next line break.
  const char* const newline = find(p, end, '\n');
  const char* const line_end = newline ? newline : end;
  has_quotes_ = find(p, line_end, '"') != nullptr;
  if (!has_quotes_) {
    if (!newline && !is_eof_) return false;
    record_end = static_cast<size_t>(line_end - base);
    return true;
  }
  // At the end of the data: the record ends there if the file does, else more must be read.
  auto ends_here = [&] {
    record_end = static_cast<size_t>(end - base);
    return is_eof_;
  };
  for (size_t column = 1;; ++column) {  // at the start of a field
    while (p != end && is_blank_char(*p)) ++p;
    if (p != end && *p == '"') {
      const char* const open = p++;
      for (;;) {
        const char* const quote = find(p, end, '"');
        if (quote == nullptr && is_eof_) {
          throw input_error(file_.path(), "line " + std::to_string(line_at(static_cast<size_t>(open - base))),
                            "unterminated quoted field: no closing '\"' before the end of the file");
        }
        if (quote == nullptr || (quote + 1 == end && !is_eof_)) {  // '"' last: is it '""'?
          quote_at = static_cast<size_t>(open - base);
          return false;
        }
        if (quote + 1 != end && quote[1] == '"') {
          p = quote + 2;
          continue;
        }
        p = quote + 1;
        break;
      }
      while (p != end && is_blank_char(*p)) ++p;
      if (p == end) return ends_here();
      if (*p == '\n') break;
      if (*p != ',') {
        const char* stop = p;
        while (stop != end && *stop != ',' && *stop != '\n') ++stop;
        throw input_error(file_.path(), "line " + std::to_string(next_line_),
                          "column " + std::to_string(column) +
                              ": expected ',' or the end of the row after a closing quote, got '" +
                              excerpt(std::string_view(p, static_cast<size_t>(stop - p))) + "'");
      }
      ++p;
      continue;
    }
    while (p != end && *p != ',' && *p != '\n') ++p;
    if (p == end) return ends_here();
    if (*p == '\n') break;
    ++p;
  }
  record_end = static_cast<size_t>(p - base);
  return true;
}

void CsvReader::refill(size_t quote_at) {
  const size_t kept = data_end_ - begin_;
  std::memmove(buffer_.data(), buffer_.data() + begin_, kept);
  if (quote_at != kNone) quote_at -= begin_;
  begin_ = 0;
  data_end_ = kept;
  if (data_end_ == buffer_.size()) {
    if (buffer_.size() >= kMaxRecordBytes) {
      if (quote_at != kNone) {
        throw input_error(file_.path(), "line " + std::to_string(line_at(quote_at)),
                          "unterminated quoted field: no closing '\"' within 16 MiB");
      }
      throw input_error(file_.path(), "line " + std::to_string(next_line_), "row longer than 16 MiB");
    }
    buffer_.resize(buffer_.size() * 2);
  }
  const size_t got = file_.read(buffer_.data() + data_end_, buffer_.size() - data_end_);
  if (got == 0) is_eof_ = true;
  data_end_ += got;
}

bool CsvReader::next_field(const char*& p, const char* end, std::string_view& value) {
  while (p != end && is_blank_char(*p)) ++p;
  if (has_quotes_ && p != end && *p == '"') {
    const char* const content = ++p;
    bool has_doubled = false;
    for (;;) {  // the record's end was found, so the closing quote is there
      const char* const quote = find(p, end, '"');
      if (quote + 1 != end && quote[1] == '"') {
        has_doubled = true;
        p = quote + 2;
        continue;
      }
      value = std::string_view(content, static_cast<size_t>(quote - content));
      p = quote + 1;
      break;
    }
    if (has_doubled) {
      unquoted_.clear();
      for (size_t i = 0; i < value.size(); ++i) {
        unquoted_ += value[i];
        if (value[i] == '"') ++i;  // the second of a pair
      }
      value = unquoted_;
    }
    while (p != end && *p != ',') ++p;  // blanks only (checked when the record was read)
  } else {
    const char* const comma = find(p, end, ',');
    const char* stop = comma ? comma : end;
    const char* const field_end = stop;
    while (stop != p && is_blank_char(stop[-1])) --stop;
    value = std::string_view(p, static_cast<size_t>(stop - p));
    p = field_end;
  }
  if (p == end) return false;
  ++p;
  return true;
}

}  // namespace servesim::sim
