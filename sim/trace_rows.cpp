// TraceRows: the wanted columns of each row of a request trace. CSV: found in the header once, then one walk
// over each row's fields up to the last wanted column. JSON Lines: each line cut from blocks read from the
// file and walked by nlohmann/json's SAX parser (iterative, so deep nesting costs no stack), keeping only
// the wanted top-level keys.
#include "sim/trace_rows.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <nlohmann/json.hpp>

#include "core/input_error.hpp"

namespace servesim::sim {

namespace {

constexpr size_t kBlockBytes = 64 * 1024;
constexpr size_t kMaxLineBytes = 16 * 1024 * 1024;

bool is_blank_char(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}

// The SAX events of one JSON line: the values of the wanted keys of the top-level object.
class LineValues {
 public:
  using json = nlohmann::json;
  LineValues(const std::vector<TraceRows::Column>& columns, std::vector<bool>& has,
             std::vector<std::string>& values)
      : columns_(columns), has_(has), values_(values) {}

  bool null() { return scalar(nullptr); }
  bool boolean(bool value) { return scalar(value ? "true" : "false"); }
  bool number_integer(json::number_integer_t value) { return scalar(std::to_string(value)); }
  bool number_unsigned(json::number_unsigned_t value) { return scalar(std::to_string(value)); }
  bool number_float(json::number_float_t, const json::string_t& text) { return scalar(text); }
  bool string(json::string_t& value) { return scalar(value); }
  bool binary(json::binary_t&) { return scalar("[...]"); }
  bool start_object(size_t) { return open("{...}"); }
  bool start_array(size_t) { return open("[...]"); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }
  bool key(json::string_t& name) {
    wanted_.clear();
    if (depth_ != 1) return true;
    for (size_t i = 0; i < columns_.size(); ++i) {
      if (columns_[i].name != name) continue;
      if (has_[i]) {
        error_ = "key '" + excerpt(name) + "' appears twice";
        return false;
      }
      wanted_.push_back(i);
    }
    return true;
  }
  bool parse_error(size_t, const std::string&, const json::exception& e) {
    const std::string what = e.what();
    const auto from = what.find("] ");
    error_ = "not valid JSON (" + (from == std::string::npos ? what : what.substr(from + 2)) + ")";
    return false;
  }

  const std::string& error() const { return error_; }

 private:
  bool scalar(const char* text) {
    if (depth_ == 0) return not_an_object();
    if (depth_ == 2 && !listing_.empty()) {
      for (const size_t i : listing_) (values_[i] += text == nullptr ? "null" : text) += ' ';
      return true;
    }
    if (depth_ == 1) {
      for (const size_t i : wanted_) {
        if (text == nullptr) continue;  // null: no value
        values_[i] = text;
        has_[i] = true;
      }
    }
    return true;
  }
  bool scalar(const std::string& text) { return scalar(text.c_str()); }
  bool open(const char* text) {
    if (depth_ == 0 && text[0] != '{') return not_an_object();
    if (depth_ == 2 && !listing_.empty()) scalar(text);
    if (depth_ == 1) {
      scalar(text);
      if (text[0] == '[') {
        for (const size_t i : wanted_) {
          if (!columns_[i].list) continue;
          values_[i] = "[";
          listing_.push_back(i);
        }
      }
    }
    ++depth_;
    return true;
  }
  bool close() {
    --depth_;
    if (depth_ == 1 && !listing_.empty()) {
      for (const size_t i : listing_) values_[i] += ']';
      listing_.clear();
    }
    return true;
  }
  bool not_an_object() {
    error_ = "expected a JSON object ({\"key\": value, ...})";
    return false;
  }

  const std::vector<TraceRows::Column>& columns_;
  std::vector<bool>& has_;
  std::vector<std::string>& values_;
  size_t depth_ = 0;
  std::vector<size_t> wanted_;   // the columns the current key names
  std::vector<size_t> listing_;  // the list columns whose array is being read
  std::string error_;
};

}  // namespace

TraceRows::TraceRows(const std::string& path, TraceFormat format, std::vector<Column> columns)
    : columns_(std::move(columns)),
      path_(path),
      format_(format),
      csv_column_(columns_.size(), 0),
      has_(columns_.size(), false),
      values_(columns_.size()) {
  if (format_ == TraceFormat::jsonl) {
    file_.emplace(path);
    path_ = file_->path();
    buffer_.resize(kBlockBytes);
    return;
  }
  csv_.emplace(path);
  path_ = csv_->path();
  // The header: each name compared once, so that a header of a million columns takes one pass.
  if (!csv_->next_record()) throw input_error(path_, "", "the trace is empty");
  std::vector<bool> found(columns_.size(), false);
  csv_->for_each_field([&](size_t column, std::string_view name) {
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
      throw input_error(path_, "line " + std::to_string(csv_->line()),
                        "no " + columns_[i].label + " '" + excerpt(columns_[i].name) + "' in the header");
    }
  }
  if (!csv_column_.empty()) last_csv_column_ = *std::max_element(csv_column_.begin(), csv_column_.end());
}

bool TraceRows::next() {
  std::fill(has_.begin(), has_.end(), false);
  return format_ == TraceFormat::jsonl ? next_jsonl() : next_csv();
}

bool TraceRows::next_csv() {
  do {
    if (!csv_->next_record()) return false;
  } while (csv_->is_blank());  // blank lines carry no request
  line_ = csv_->line();
  // One walk over the row's fields, up to the last column needed; values are copied, since a quoted field
  // with '""' in it lives in the reader's scratch buffer only during the visit.
  csv_->for_each_field([&](size_t column, std::string_view value) {
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

bool TraceRows::next_line() {
  for (;;) {
    const char* const base = buffer_.data();
    const char* const newline =
        static_cast<const char*>(std::memchr(base + begin_, '\n', data_end_ - begin_));
    if (newline != nullptr || (is_eof_ && begin_ < data_end_)) {
      const size_t end = newline ? static_cast<size_t>(newline - base) : data_end_;
      line_text_ = std::string_view(base + begin_, end - begin_);
      line_ = next_line_++;
      begin_ = newline ? end + 1 : end;
      return true;
    }
    if (is_eof_) return false;
    // Keep the unread part, grow the buffer if it is full, and read more.
    const size_t kept = data_end_ - begin_;
    std::memmove(buffer_.data(), buffer_.data() + begin_, kept);
    begin_ = 0;
    data_end_ = kept;
    if (data_end_ == buffer_.size()) {
      if (buffer_.size() >= kMaxLineBytes)
        throw input_error(path_, "line " + std::to_string(next_line_), "line longer than 16 MiB");
      buffer_.resize(buffer_.size() * 2);
    }
    const size_t got = file_->read(buffer_.data() + data_end_, buffer_.size() - data_end_);
    if (got == 0) is_eof_ = true;
    data_end_ += got;
  }
}

bool TraceRows::next_jsonl() {
  do {
    if (!next_line()) return false;
  } while (std::all_of(line_text_.begin(), line_text_.end(), is_blank_char));  // blank lines: no request
  LineValues values(columns_, has_, values_);
  const bool is_ok = nlohmann::json::sax_parse(line_text_.begin(), line_text_.end(), &values);
  if (!is_ok) throw input_error(path_, "line " + std::to_string(line_), values.error());
  return true;
}

uint32_t TraceRows::token_count(size_t i, const std::string& name) const {
  auto fail = [&](const std::string& what) {
    return input_error(path_, "line " + std::to_string(line_),
                       "token column '" + excerpt(name) + "': " + what);
  };
  if (!has(i) || value(i).empty()) throw fail("no value");
  const std::string_view text = value(i);
  uint64_t count = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), count);
  if (error == std::errc::invalid_argument || end != text.data() + text.size())
    throw fail("expected a non-negative integer, got '" + excerpt(text) + "'");
  if (error == std::errc::result_out_of_range || count > kMaxRequestTokens)
    throw fail("expected at most 10000000 tokens, got '" + excerpt(text) + "'");
  return static_cast<uint32_t>(count);
}

}  // namespace servesim::sim
