// The strict JSON reader (core/json_reader.hpp): a SAX pass for depth, duplicate keys and syntax, then the
// ordinary parse.
#include "core/json_reader.hpp"

#include <unordered_set>
#include <vector>

#include "core/json_fields.hpp"

namespace servesim::core {

namespace {

using json = nlohmann::json;

// The byte offset of the n-th '[' or '{' (from 1) outside string literals. Called only after the SAX pass
// accepted everything before it, so the text up to there is valid JSON.
size_t nth_opening(std::string_view text, size_t n) {
  bool is_in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (is_in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        is_in_string = false;
    } else if (c == '"') {
      is_in_string = true;
    } else if ((c == '[' || c == '{') && --n == 0) {
      return i;
    }
  }
  return text.size();
}

std::string line_and_column(std::string_view text, size_t offset) {
  size_t line = 1, line_start = 0;
  for (size_t i = 0; i < offset && i < text.size(); ++i)
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  return "line " + std::to_string(line) + ", column " + std::to_string(offset - line_start + 1);
}

// Follows the parser through the document keeping the path to the current value (for the pointer of an
// error) and the keys of every open object (for duplicates). Stops at the first problem, kept in error_.
class StrictSax {
 public:
  StrictSax(std::string_view text, const std::string& file) : text_(text), file_(file) {}

  bool null() { return value(); }
  bool boolean(bool) { return value(); }
  bool number_integer(json::number_integer_t) { return value(); }
  bool number_unsigned(json::number_unsigned_t) { return value(); }
  bool number_float(json::number_float_t, const json::string_t&) { return value(); }
  bool string(json::string_t&) { return value(); }
  bool binary(json::binary_t&) { return value(); }
  bool start_object(size_t) { return open(true); }
  bool start_array(size_t) { return open(false); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }

  bool key(json::string_t& name) {
    Frame& object = frames_.back();
    object.key = name;
    if (!object.keys.insert(name).second) {
      error_ = input_error(file_, excerpt(pointer(), 200), "duplicate key (the object has it twice)");
      return false;
    }
    return true;
  }

  bool parse_error(size_t position, const std::string&, const json::exception& e) {
    const std::string what = e.what();
    if (e.id >= 100 && e.id < 200) {
      // A syntax error: the line where parsing stopped, then nlohmann/json's own wording.
      size_t line = 1;
      for (size_t i = 0; i < position && i < text_.size(); ++i) line += text_[i] == '\n';
      const auto from = what.find("parse error");
      error_ = input_error(file_, "",
                           "line " + std::to_string(line) + ": not valid JSON (" +
                               (from == std::string::npos ? what : what.substr(from)) + ")");
    } else {
      // Not a syntax error but still the parser's: a number beyond a double (out_of_range.406, "1e400").
      const auto id_end = what.find("] ");
      error_ = input_error(
          file_, "",
          "not valid JSON (" + (id_end == std::string::npos ? what : what.substr(id_end + 2)) + ")");
    }
    return false;
  }

  const InputError& error() const { return error_; }

 private:
  struct Frame {
    bool is_object = false;
    size_t values = 0;  // in an array: values seen so far (the current one is values - 1)
    std::string key;    // in an object: the current key
    std::unordered_set<std::string> keys;
  };

  bool value() {
    if (!frames_.empty() && !frames_.back().is_object) ++frames_.back().values;
    return true;
  }

  bool open(bool is_object) {
    value();
    ++openings_;
    if (frames_.size() >= kMaxJsonDepth) {
      const std::string where = line_and_column(text_, nth_opening(text_, openings_));
      error_ = input_error(file_, where,
                           "nested deeper than " + std::to_string(kMaxJsonDepth) +
                               " arrays and objects (at " + excerpt(pointer(), 60) + ")");
      return false;
    }
    frames_.emplace_back();
    frames_.back().is_object = is_object;
    return true;
  }

  bool close() {
    frames_.pop_back();
    return true;
  }

  // The JSON pointer of the current value.
  std::string pointer() const {
    std::string out;
    for (const Frame& frame : frames_)
      out += "/" + (frame.is_object ? JsonFields::escape(frame.key)
                                    : std::to_string(frame.values == 0 ? 0 : frame.values - 1));
    return out;
  }

  std::string_view text_;
  const std::string& file_;
  std::vector<Frame> frames_;
  size_t openings_ = 0;
  InputError error_{""};
};

}  // namespace

void check_json(std::string_view text, const std::string& file) {
  StrictSax sax(text, file);
  if (!json::sax_parse(text, &sax)) throw sax.error();
}

json parse_json(std::string_view text, const std::string& file) {
  check_json(text, file);
  return json::parse(text);
}

nlohmann::ordered_json parse_ordered_json(std::string_view text, const std::string& file) {
  check_json(text, file);
  return nlohmann::ordered_json::parse(text);
}

}  // namespace servesim::core
