#include "calibrate/lambda_log.hpp"

#include <cmath>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "calibrate/lambda_attempts.hpp"
#include "core/input_error.hpp"
#include "core/input_file.hpp"
#include "core/json_fields.hpp"
#include "core/json_reader.hpp"
#include "core/text.hpp"

namespace servesim::calibrate {
namespace {

using core::is_blank;

// The next blank-separated token at or after `pos`; `pos` moves past it.
std::string_view next_token(std::string_view text, size_t& pos) {
  while (pos < text.size() && is_blank(text[pos])) ++pos;
  const size_t begin = pos;
  while (pos < text.size() && !is_blank(text[pos])) ++pos;
  return text.substr(begin, pos - begin);
}

// Days from 1970-01-01 to the civil date y-m-d (Howard Hinnant's days_from_civil).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool digits(std::string_view text, size_t at, size_t count, int& value) {
  if (at + count > text.size()) return false;
  value = 0;
  for (size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    value = value * 10 + (text[i] - '0');
  }
  return true;
}

constexpr const char* kReportForm =
    "a REPORT line with RequestId, Duration, Billed Duration, Memory Size and Max Memory Used";

}  // namespace

bool parse_iso8601_s(std::string_view text, double& seconds) {
  int year, month, day, hour, minute, second;
  if (!digits(text, 0, 4, year) || text.size() < 19 || text[4] != '-' || !digits(text, 5, 2, month) ||
      text[7] != '-' || !digits(text, 8, 2, day) || (text[10] != 'T' && text[10] != ' ') ||
      !digits(text, 11, 2, hour) || text[13] != ':' || !digits(text, 14, 2, minute) || text[16] != ':' ||
      !digits(text, 17, 2, second))
    return false;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return false;
  size_t pos = 19;
  double fraction = 0;
  if (pos < text.size() && text[pos] == '.') {
    double scale = 0.1;
    size_t count = 0;
    for (++pos; pos < text.size() && text[pos] >= '0' && text[pos] <= '9'; ++pos, ++count, scale /= 10)
      fraction += (text[pos] - '0') * scale;
    if (count == 0 || count > 9) return false;
  }
  int offset_s = 0;
  if (pos < text.size() && text[pos] == 'Z') {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int oh, om;
    const int sign = text[pos] == '-' ? -1 : 1;
    if (!digits(text, pos + 1, 2, oh)) return false;
    pos += 3;
    if (pos < text.size() && text[pos] == ':') ++pos;
    if (!digits(text, pos, 2, om)) return false;
    pos += 2;
    offset_s = sign * (oh * 3600 + om * 60);
  }
  if (pos != text.size()) return false;
  const int64_t days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  seconds = static_cast<double>(days * 86400 + hour * 3600 + minute * 60 + second - offset_s) + fraction;
  return true;
}

LambdaInvocation parse_report_message(std::string_view message, const std::string& file,
                                      const std::string& where) {
  const std::string_view text = core::trimmed(message);
  const auto fail = [&](const std::string& expected) {
    return input_error(file, where, "expected " + expected + ", got " + excerpt(text, 60));
  };
  if (text.substr(0, 7) != "REPORT ") throw fail(kReportForm);
  LambdaInvocation call;
  bool has_duration = false, has_billed = false, has_memory = false, has_used = false;
  size_t pos = 7;
  while (true) {
    while (pos < text.size() && is_blank(text[pos])) ++pos;
    if (pos >= text.size()) break;
    const size_t colon = text.find(':', pos);
    if (colon == std::string_view::npos) throw fail("\"Name: value\" fields after REPORT");
    const std::string_view label = core::trimmed(text.substr(pos, colon - pos));
    pos = colon + 1;
    const std::string_view value = next_token(text, pos);
    if (label == "RequestId") {
      call.request_id = std::string(value);
      continue;
    }
    if (label == "Status") {
      if (!read_report_status(value, call))
        throw fail(std::string("Status: ") + kReportStatusValues +
                   " (as the Telemetry API's platform.report)");
      continue;
    }
    double* field = nullptr;
    const char* unit = "ms";
    if (label == "Duration") {
      field = &call.duration_ms;
      has_duration = true;
    } else if (label == "Billed Duration") {
      field = &call.billed_ms;
      has_billed = true;
    } else if (label == "Memory Size") {
      field = &call.memory_mb;
      unit = "MB";
      has_memory = true;
    } else if (label == "Max Memory Used") {
      field = &call.max_memory_used_mb;
      unit = "MB";
      has_used = true;
    } else if (label == "Init Duration") {
      field = &call.init_ms;
    } else if (label == "Restore Duration") {
      field = &call.restore_ms;
    }
    if (!field) {
      // A field we do not use (Billed Restore Duration, XRAY TraceId, Error Type, ...): skip its unit too.
      size_t after = pos;
      const std::string_view next = next_token(text, after);
      if (next == "ms" || next == "MB") pos = after;
      continue;
    }
    const std::string_view unit_token = next_token(text, pos);
    if (!parse_log_number(value, *field) || unit_token != unit)
      throw fail(std::string(label) + ": a number >= 0 in " + unit);
  }
  if (call.request_id.empty() || !has_duration || !has_billed || !has_memory || !has_used)
    throw fail(kReportForm);
  // Lambda's documented range (configuration-memory.html), in whole MB.
  if (call.memory_mb < 128 || call.memory_mb > 10240 || call.memory_mb != std::floor(call.memory_mb))
    throw fail("Memory Size: a whole number of MB in 128..10240");
  return call;
}

std::vector<LambdaInvocation> read_lambda_log(const std::string& path) {
  const auto in = core::open_input(path, "log file");
  std::ostringstream buffer;
  buffer << in->rdbuf();
  return parse_lambda_log(buffer.str(), path);
}

namespace {

bool is_report(const std::string& message) {
  return core::trimmed(message).substr(0, 7) == "REPORT " || is_platform_report(message);
}

// "Task timed out" lines of a file, matched to the REPORT of the same request id and stream: the next one
// read (Lambda logs the line before the REPORT), else the last one in the file not yet timed out.
class TimedOutLines {
 public:
  void add(const std::string& stream, const std::string& request_id) {
    ++pending_[stream + '\n' + request_id];
  }
  void apply(LambdaInvocation& call) {
    const auto it = pending_.find(call.stream + '\n' + call.request_id);
    if (it == pending_.end() || it->second == 0) return;
    --it->second;
    read_report_status("timeout", call);
  }
  void finish(std::vector<LambdaInvocation>& calls) {
    for (auto& [key, count] : pending_)
      for (auto call = calls.rbegin(); call != calls.rend() && count > 0; ++call)
        if (!call->is_timed_out && call->stream + '\n' + call->request_id == key) {
          read_report_status("timeout", *call);
          --count;
        }
  }

 private:
  std::map<std::string, size_t> pending_;
};

// A REPORT record in either form: the text line or a JSON-format platform.report event.
LambdaInvocation parse_any_report(std::string_view message, const std::string& file,
                                  const std::string& where) {
  return is_platform_report(message) ? parse_platform_report(message, file, where)
                                     : parse_report_message(message, file, where);
}

// One CloudWatch Logs event (a JSON object); nothing when it is not a REPORT record.
bool read_event(const nlohmann::json& event, const std::string& file, const std::string& where,
                TimedOutLines& timed_out, LambdaInvocation& call) {
  const auto field = [&](const char* key, bool number) -> const nlohmann::json& {
    if (!event.is_object() || !event.contains(key) ||
        (number ? !event[key].is_number() : !event[key].is_string()))
      throw input_error(
          file, where,
          "expected a log event with \"timestamp\" (epoch ms), \"message\" and \"logStreamName\", got " +
              core::quote_json(event));
    return event[key];
  };
  const std::string message = field("message", false).get<std::string>();
  const double timestamp_ms = field("timestamp", true).get<double>();
  const std::string stream = field("logStreamName", false).get<std::string>();
  // A JSON pointer goes on to the message; a line (JSON Lines) is where it is already.
  const std::string at = where.front() == '/' ? where + "/message" : where;
  std::string timed_out_id;
  if (read_timed_out_line(message, file, at, timed_out_id)) timed_out.add(stream, timed_out_id);
  if (!is_report(message)) return false;
  if (!(timestamp_ms >= 0)) throw input_error(file, where + "/timestamp", "expected epoch milliseconds >= 0");
  call = parse_any_report(message, file, at);
  call.logged_s = timestamp_ms / 1000.0;
  call.stream = stream;
  timed_out.apply(call);
  return true;
}

std::vector<LambdaInvocation> parse_json_events(std::string_view text, const std::string& file) {
  std::vector<LambdaInvocation> calls;
  TimedOutLines timed_out;
  const size_t first_end = text.find('\n');
  const auto first_line = nlohmann::json::parse(text.substr(0, first_end), nullptr, false);
  if (core::trimmed(text).front() == '{' && first_line.is_object() && first_line.contains("message")) {
    // JSON Lines: one event per line.
    size_t begin = 0;
    for (int line = 1; begin < text.size(); ++line) {
      size_t end = text.find('\n', begin);
      if (end == std::string_view::npos) end = text.size();
      const std::string_view row = core::trimmed(text.substr(begin, end - begin));
      begin = end + 1;
      if (row.empty()) continue;
      const auto event = nlohmann::json::parse(row, nullptr, false);
      const std::string where = "line " + std::to_string(line);
      if (event.is_discarded() || !event.is_object())
        throw input_error(file, where,
                          "expected one JSON object (a log event) per line, got " + excerpt(row));
      LambdaInvocation call;
      if (read_event(event, file, where, timed_out, call)) {
        call.file = file;
        call.line = line;
        calls.push_back(std::move(call));
      }
    }
    timed_out.finish(calls);
    return calls;
  }
  const nlohmann::json doc = core::parse_json(text, file);
  std::string prefix;
  const nlohmann::json* events = &doc;
  if (doc.is_object()) {
    if (!doc.contains("events") || !doc["events"].is_array())
      throw input_error(
          file, "/",
          "expected an object with an \"events\" array (aws logs filter-log-events --output json)");
    events = &doc["events"];
    prefix = "/events";
  } else if (!doc.is_array()) {
    throw input_error(
        file, "/",
        "expected an array of log events or an object with \"events\", got " + core::quote_json(doc));
  }
  for (size_t i = 0; i < events->size(); ++i) {
    const std::string where = prefix + "/" + std::to_string(i);
    LambdaInvocation call;
    if (read_event((*events)[i], file, where, timed_out, call)) {
      call.file = file;
      call.line = static_cast<int>(i);
      calls.push_back(std::move(call));
    }
  }
  timed_out.finish(calls);
  return calls;
}

}  // namespace

std::vector<LambdaInvocation> parse_lambda_log(std::string_view text, const std::string& file) {
  const std::string_view body = core::trimmed(text);
  if (!body.empty() && (body.front() == '{' || body.front() == '[')) return parse_json_events(text, file);
  std::vector<LambdaInvocation> calls;
  TimedOutLines timed_out;
  size_t begin = 0;
  for (int line = 1; begin < text.size(); ++line) {
    size_t end = text.find('\n', begin);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view row = text.substr(begin, end - begin);
    begin = end + 1;
    size_t at = row.find("REPORT RequestId:");
    const bool timed_out_line = row.find("Task timed out after ") != std::string_view::npos;
    const bool json_report =
        at == std::string_view::npos && row.find("\"platform.report\"") != std::string_view::npos;
    if (at == std::string_view::npos && !timed_out_line && !json_report)
      continue;  // START, END, the function's own output, ...
    const std::string where = "line " + std::to_string(line);
    size_t pos = 0;
    const std::string_view stamp = next_token(row, pos);
    const std::string_view stream = next_token(row, pos);
    if (timed_out_line && at == std::string_view::npos) {
      std::string request_id;
      read_timed_out_line(row.substr(pos), file, where, request_id);
      timed_out.add(std::string(stream), request_id);
      continue;
    }
    if (json_report) {
      at = pos;
      while (at < row.size() && is_blank(row[at])) ++at;
    }
    LambdaInvocation call;
    if (pos > at || core::trimmed(row.substr(pos, at - pos)) != "" || stream.empty() ||
        !parse_iso8601_s(stamp, call.logged_s))
      throw input_error(file, where,
                        "expected TIMESTAMP LOG-STREAM REPORT ... (aws logs tail --format detailed, ISO 8601 "
                        "timestamp), got " +
                            excerpt(row));
    const double logged_s = call.logged_s;
    call = parse_any_report(row.substr(at), file, where);
    call.logged_s = logged_s;
    call.stream = std::string(stream);
    call.file = file;
    call.line = line;
    timed_out.apply(call);
    calls.push_back(std::move(call));
  }
  timed_out.finish(calls);
  return calls;
}

bool parse_log_number(std::string_view token, double& value) {
  if (token.empty() || token.size() > 40) return false;
  const std::string text(token);
  char* end = nullptr;
  value = std::strtod(text.c_str(), &end);
  return end != text.c_str() && *end == '\0' && std::isfinite(value) && value >= 0;
}

}  // namespace servesim::calibrate
