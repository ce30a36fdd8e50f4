#include "calibrate/request_log.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/input_error.hpp"
#include "core/input_file.hpp"
#include "core/json_fields.hpp"
#include "core/json_reader.hpp"
#include "core/text.hpp"

namespace servesim::calibrate {
namespace {

using core::trimmed;

bool to_number(std::string_view token, double& value) {
  token = trimmed(token);
  if (token.empty() || token.size() > 40) return false;
  const std::string text(token);
  char* end = nullptr;
  value = std::strtod(text.c_str(), &end);
  return end != text.c_str() && *end == '\0' && std::isfinite(value);
}

// Where a field is: "/3/httpRequest/latency" in a JSON array, "line 4, /httpRequest/latency" in JSON Lines.
std::string field_at(const std::string& where, const std::string& pointer) {
  return where.front() == '/' ? where + pointer : where + ", " + pointer;
}

// Calls `each(object, where, line)` for every element of a JSON array document or every line of JSON Lines
// (one object per line); `what` names an element in errors.
template <typename Each>
void for_each_json_object(std::string_view text, const std::string& file, const std::string& what,
                          Each each) {
  const std::string_view body = trimmed(text);
  const size_t first_end = text.find('\n');
  if (!body.empty() && body.front() == '{') {
    const auto first = nlohmann::json::parse(text.substr(0, first_end), nullptr, false);
    if (first.is_object()) {
      size_t begin = 0;
      for (int line = 1; begin < text.size(); ++line) {
        size_t end = text.find('\n', begin);
        if (end == std::string_view::npos) end = text.size();
        const std::string_view row = trimmed(text.substr(begin, end - begin));
        begin = end + 1;
        if (row.empty()) continue;
        const auto object = nlohmann::json::parse(row, nullptr, false);
        const std::string where = "line " + std::to_string(line);
        if (object.is_discarded() || !object.is_object())
          throw input_error(file, where,
                            "expected one JSON object (" + what + ") per line, got " + excerpt(row));
        each(object, where, line);
      }
      return;
    }
  }
  const nlohmann::json doc = core::parse_json(text, file);
  if (!doc.is_array())
    throw input_error(file, "/",
                      "expected a JSON array of " + what + " objects, got " + core::quote_json(doc));
  for (size_t i = 0; i < doc.size(); ++i) {
    const std::string where = "/" + std::to_string(i);
    if (!doc[i].is_object())
      throw input_error(file, where,
                        "expected " + what + " (a JSON object), got " + core::quote_json(doc[i]));
    each(doc[i], where, static_cast<int>(i));
  }
}

const nlohmann::json* member(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

// --- Cloud Run ---------------------------------------------------------------------------------------------

constexpr const char* kStartingInstance = "Starting new instance";

void read_log_entry(const nlohmann::json& entry, const std::string& file, const std::string& where, int line,
                    RequestLog& log) {
  const nlohmann::json* labels = member(entry, "labels");
  const nlohmann::json* instance = labels ? member(*labels, "instanceId") : nullptr;
  const nlohmann::json* http = member(entry, "httpRequest");
  if (!http) {
    const nlohmann::json* payload = member(entry, "textPayload");
    if (payload && payload->is_string() && payload->get<std::string>().starts_with(kStartingInstance)) {
      ++log.startup_entries;
      if (instance && instance->is_string()) log.started_instances.insert(instance->get<std::string>());
    }
    return;  // container output, other system entries
  }
  if (!http->is_object())
    throw input_error(file, field_at(where, "/httpRequest"),
                      "expected an object (LogEntry.httpRequest), got " + core::quote_json(*http));
  RequestRecord r;
  const nlohmann::json* stamp = member(entry, "timestamp");
  if (!stamp || !stamp->is_string() || !parse_iso8601_s(stamp->get<std::string>(), r.arrival_s))
    throw input_error(file, field_at(where, "/timestamp"),
                      "expected an RFC 3339 timestamp (\"2026-12-01T08:00:00.123456Z\"), got " +
                          (stamp ? core::quote_json(*stamp) : std::string("nothing")));
  const nlohmann::json* latency = member(*http, "latency");
  double latency_s = 0;
  if (!latency || !latency->is_string() || !parse_duration_s(latency->get<std::string>(), latency_s))
    throw input_error(file, field_at(where, "/httpRequest/latency"),
                      "expected a duration in seconds as a string (\"0.123456s\"), got " +
                          (latency ? core::quote_json(*latency) : std::string("nothing")));
  r.latency_ms = latency_s * 1000.0;
  if (const nlohmann::json* status = member(*http, "status")) {
    if (!status->is_number_integer() || status->get<int64_t>() < 100 || status->get<int64_t>() > 599)
      throw input_error(file, field_at(where, "/httpRequest/status"),
                        "expected an HTTP status 100..599, got " + core::quote_json(*status));
    r.status = status->get<int>();
  }
  if (!instance) {
    ++log.without_instance;  // refused before an instance took it (429, 500, 503 at max instances)
    if (is_throttled(r.status, false)) {
      r.file = file;
      r.line = line;
      log.throttled.push_back(std::move(r));
    }
    return;
  }
  if (!instance->is_string() || instance->get<std::string>().empty())
    throw input_error(file, field_at(where, "/labels/instanceId"),
                      "expected the instance's id (a non-empty string), got " + core::quote_json(*instance));
  r.instance = instance->get<std::string>();
  if (const nlohmann::json* resource = member(entry, "resource")) {
    const nlohmann::json* labels_of = member(*resource, "labels");
    const nlohmann::json* service = labels_of ? member(*labels_of, "service_name") : nullptr;
    const nlohmann::json* revision = labels_of ? member(*labels_of, "revision_name") : nullptr;
    if (service && service->is_string() && revision && revision->is_string())
      r.revision = service->get<std::string>() + "/" + revision->get<std::string>();
  }
  if (const nlohmann::json* id = member(entry, "insertId"); id && id->is_string())
    r.request_id = id->get<std::string>();
  r.file = file;
  r.line = line;
  (is_throttled(r.status, true) ? log.throttled : log.requests).push_back(std::move(r));
}

// --- Application Insights ----------------------------------------------------------------------------------

// The columns calibrate reads, under the classic `requests` name or the workspace `AppRequests` one.
struct Columns {
  int timestamp = -1, duration = -1, instance = -1, id = -1, result = -1, item_count = -1;
};

// A column name without the " [UTC]" Log Analytics appends to datetime columns in CSV.
std::string column_key(std::string name) {
  name = std::string(trimmed(name));
  if (name.ends_with(" [UTC]")) name.resize(name.size() - 6);
  return name;
}

void assign_column(Columns& c, const std::string& name, int index) {
  const std::string key = column_key(name);
  if (key == "timestamp" || key == "TimeGenerated")
    c.timestamp = index;
  else if (key == "duration" || key == "DurationMs")
    c.duration = index;
  else if (key == "cloud_RoleInstance" || key == "AppRoleInstance")
    c.instance = index;
  else if (key == "id" || key == "Id")
    c.id = index;
  else if (key == "resultCode" || key == "ResultCode")
    c.result = index;
  else if (key == "itemCount" || key == "ItemCount")
    c.item_count = index;
}

constexpr const char* kAppInsightsFields =
    "timestamp (or TimeGenerated), duration (or DurationMs) and cloud_RoleInstance (or AppRoleInstance)";

// One request row, its cells as text (CSV) or JSON values; `where(column)` names a cell in errors.
template <typename Cell, typename Where>
void read_request_row(const Columns& c, Cell cell, Where where, const std::string& file, int line,
                      RequestLog& log) {
  RequestRecord r;
  const std::string stamp = cell(c.timestamp);
  if (!parse_iso8601_s(stamp, r.arrival_s))
    throw input_error(file, where(c.timestamp),
                      "expected an ISO 8601 timestamp (\"2026-12-01T08:00:00.1234567Z\"; export from Log "
                      "Analytics, not a locale-formatted sheet), got '" +
                          excerpt(stamp) + "'");
  const std::string duration = cell(c.duration);
  if (!to_number(duration, r.latency_ms) || r.latency_ms < 0)
    throw input_error(
        file, where(c.duration),
        "expected the duration in milliseconds, a number >= 0, got '" + excerpt(duration) + "'");
  r.instance = cell(c.instance);
  if (r.instance.empty())
    throw input_error(file, where(c.instance), "expected the instance (cloud_RoleInstance), got nothing");
  if (c.item_count >= 0) {
    const std::string count = cell(c.item_count);
    double n = 1;
    if (!count.empty() && (!to_number(count, n) || n != 1))
      throw input_error(file, where(c.item_count),
                        "expected itemCount 1 (each row one request; sampled telemetry stands for several: "
                        "exclude Request from sampling), got '" +
                            excerpt(count) + "'");
  }
  if (c.id >= 0) r.request_id = cell(c.id);
  if (c.result >= 0) {
    double code = 0;
    if (to_number(cell(c.result), code) && code >= 100 && code <= 599) r.status = static_cast<int>(code);
  }
  r.file = file;
  r.line = line;
  (is_throttled(r.status, true) ? log.throttled : log.requests).push_back(std::move(r));
}

// RFC 4180 fields of one CSV line (quoted fields may hold commas and doubled quotes, not line breaks).
bool split_csv(std::string_view row, std::vector<std::string>& cells) {
  cells.clear();
  std::string cell;
  bool quoted = false, was_quoted = false;
  for (size_t i = 0; i < row.size(); ++i) {
    const char ch = row[i];
    if (quoted) {
      if (ch == '"' && i + 1 < row.size() && row[i + 1] == '"') {
        cell += '"';
        ++i;
      } else if (ch == '"') {
        quoted = false;
      } else {
        cell += ch;
      }
    } else if (ch == '"' && cell.empty() && !was_quoted) {
      quoted = was_quoted = true;
    } else if (ch == ',') {
      cells.push_back(std::move(cell));
      cell.clear();
      was_quoted = false;
    } else if (ch != '\r') {
      cell += ch;
    }
  }
  cells.push_back(std::move(cell));
  return !quoted;
}

std::string json_cell_text(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return "";
  return value.dump();
}

void parse_app_insights_csv(std::string_view text, const std::string& file, RequestLog& log) {
  Columns c;
  std::vector<std::string> cells;
  size_t columns = 0;
  size_t begin = 0;
  bool header = true;
  for (int line = 1; begin < text.size(); ++line) {
    size_t end = text.find('\n', begin);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view row = text.substr(begin, end - begin);
    begin = end + 1;
    if (trimmed(row).empty()) continue;
    const std::string where = "line " + std::to_string(line);
    std::string_view content = row;
    if (header && content.starts_with("\xEF\xBB\xBF")) content.remove_prefix(3);  // Excel's byte-order mark
    if (!split_csv(content, cells))
      throw input_error(file, where, "expected CSV fields (a quote left open), got " + excerpt(row));
    if (header) {
      for (size_t i = 0; i < cells.size(); ++i) assign_column(c, cells[i], static_cast<int>(i));
      if (c.timestamp < 0 || c.duration < 0 || c.instance < 0)
        throw input_error(
            file, where,
            std::string("expected a header row naming ") + kAppInsightsFields + ", got " + excerpt(row, 60));
      columns = cells.size();
      header = false;
      continue;
    }
    if (cells.size() != columns)
      throw input_error(file, where,
                        "expected " + std::to_string(columns) + " fields as in the header, got " +
                            std::to_string(cells.size()));
    const auto names = [&](int column) { return where + ", column " + std::to_string(column + 1); };
    read_request_row(
        c, [&](int column) { return std::string(trimmed(cells[static_cast<size_t>(column)])); }, names, file,
        line, log);
  }
  if (header) throw input_error(file, "", std::string("expected a header row naming ") + kAppInsightsFields);
}

void parse_app_insights_json(std::string_view text, const std::string& file, RequestLog& log) {
  const std::string_view body = trimmed(text);
  // The Log Analytics query API's answer (az monitor app-insights query): {"tables": [{"columns": [{"name":
  // ...}], "rows": [[...], ...]}]}; else rows as objects.
  if (body.front() == '{') {
    const auto doc = nlohmann::json::parse(body, nullptr, false);
    if (!doc.is_discarded() && doc.is_object() && doc.contains("tables")) {
      const nlohmann::json& tables = doc["tables"];
      if (!tables.is_array() || tables.empty() || !tables[0].is_object() || !tables[0].contains("columns") ||
          !tables[0]["columns"].is_array() || !tables[0].contains("rows") || !tables[0]["rows"].is_array())
        throw input_error(file, "/tables/0", "expected a table with \"columns\" and \"rows\" arrays");
      Columns c;
      const nlohmann::json& columns = tables[0]["columns"];
      for (size_t i = 0; i < columns.size(); ++i)
        if (const nlohmann::json* name = member(columns[i], "name"); name && name->is_string())
          assign_column(c, *name, static_cast<int>(i));
      if (c.timestamp < 0 || c.duration < 0 || c.instance < 0)
        throw input_error(file, "/tables/0/columns", std::string("expected columns ") + kAppInsightsFields);
      const nlohmann::json& rows = tables[0]["rows"];
      for (size_t i = 0; i < rows.size(); ++i) {
        const std::string where = "/tables/0/rows/" + std::to_string(i);
        if (!rows[i].is_array() || rows[i].size() != columns.size())
          throw input_error(file, where,
                            "expected an array of " + std::to_string(columns.size()) + " values, got " +
                                core::quote_json(rows[i]));
        read_request_row(
            c, [&](int column) { return json_cell_text(rows[i][static_cast<size_t>(column)]); },
            [&](int column) { return where + "/" + std::to_string(column); }, file, static_cast<int>(i), log);
      }
      return;
    }
  }
  for_each_json_object(
      text, file, "request row", [&](const nlohmann::json& row, const std::string& where, int line) {
        Columns c;
        std::vector<std::string> keys;
        int index = 0;
        for (const auto& [key, value] : row.items()) {
          assign_column(c, key, index++);
          keys.push_back(key);
        }
        if (c.timestamp < 0 || c.duration < 0 || c.instance < 0)
          throw input_error(file, where, std::string("expected a request row with ") + kAppInsightsFields);
        read_request_row(
            c, [&](int column) { return json_cell_text(row[keys[static_cast<size_t>(column)]]); },
            [&](int column) { return field_at(where, "/" + keys[static_cast<size_t>(column)]); }, file, line,
            log);
      });
}

}  // namespace

bool is_throttled(int status, bool has_instance) {
  return status == 429 || (!has_instance && (status == 500 || status == 503));
}

bool parse_duration_s(std::string_view text, double& seconds) {
  if (text.size() < 2 || text.back() != 's') return false;
  double value = 0;
  if (!to_number(text.substr(0, text.size() - 1), value) || value < 0) return false;
  for (const char ch : text.substr(0, text.size() - 1))
    if (!(ch == '.' || (ch >= '0' && ch <= '9'))) return false;  // no exponent, sign or blanks
  seconds = value;
  return true;
}

RequestLog parse_cloud_run_log(std::string_view text, const std::string& file) {
  RequestLog log;
  if (trimmed(text).empty()) return log;
  const char first = trimmed(text).front();
  if (first != '[' && first != '{')
    throw input_error(file, "line 1",
                      "expected Cloud Logging entries as JSON (gcloud logging read --format=json) or JSON "
                      "Lines, got " +
                          excerpt(text.substr(0, text.find('\n'))));
  if (first == '{') {
    // The Logging API's entries.list answer: {"entries": [...], "nextPageToken": ...}.
    const auto doc = nlohmann::json::parse(text, nullptr, false);
    if (!doc.is_discarded() && doc.is_object() && doc.contains("entries")) {
      const nlohmann::json& entries = doc["entries"];
      if (!entries.is_array())
        throw input_error(file, "/entries",
                          "expected an array of log entries (the Logging API's entries.list answer), got " +
                              core::quote_json(entries));
      for (size_t i = 0; i < entries.size(); ++i) {
        const std::string where = "/entries/" + std::to_string(i);
        if (!entries[i].is_object())
          throw input_error(file, where,
                            "expected log entry (a JSON object), got " + core::quote_json(entries[i]));
        read_log_entry(entries[i], file, where, static_cast<int>(i), log);
      }
      return log;
    }
  }
  for_each_json_object(text, file, "log entry",
                       [&](const nlohmann::json& entry, const std::string& where, int line) {
                         read_log_entry(entry, file, where, line, log);
                       });
  return log;
}

RequestLog parse_app_insights_log(std::string_view text, const std::string& file) {
  RequestLog log;
  const std::string_view body = trimmed(text);
  if (body.empty()) return log;
  if (body.front() == '[' || body.front() == '{')
    parse_app_insights_json(text, file, log);
  else
    parse_app_insights_csv(text, file, log);
  return log;
}

RequestLog read_request_log(const std::string& path, const std::string& platform) {
  const auto in = core::open_input(path, "log file");
  std::ostringstream buffer;
  buffer << in->rdbuf();
  return platform == "gcp-cloud-run" ? parse_cloud_run_log(buffer.str(), path)
                                     : parse_app_insights_log(buffer.str(), path);
}

void check_one_revision(const RequestLog& log, const std::string& file) {
  std::set<std::string> revisions;
  for (const auto& r : log.requests)
    if (!r.revision.empty()) revisions.insert(r.revision);
  if (revisions.size() <= 1) return;
  std::string list;
  for (const auto& name : revisions) list += (list.empty() ? "" : ", ") + name;
  throw input_error(
      file, "",
      "expected the requests of one Cloud Run service revision (calibrate each apart: filter on "
      "resource.labels.revision_name), got " +
          excerpt(list, 120));
}

std::string detect_platform(std::string_view text) {
  const std::string_view head = text.substr(0, 65536);
  // A REPORT line, or a platform.report event of Lambda's JSON log format.
  if (head.find("REPORT RequestId:") != std::string_view::npos ||
      head.find("platform.report") != std::string_view::npos)
    return "aws-lambda";
  if (head.find("\"httpRequest\"") != std::string_view::npos) return "gcp-cloud-run";
  if (head.find("cloud_RoleInstance") != std::string_view::npos ||
      head.find("AppRoleInstance") != std::string_view::npos)
    return "azure-functions";
  return "";
}

std::vector<LambdaInvocation> as_invocations(const RequestLog& log) {
  std::vector<const RequestRecord*> order;
  for (const auto& r : log.requests) order.push_back(&r);
  std::stable_sort(order.begin(), order.end(),
                   [](const auto* a, const auto* b) { return a->arrival_s < b->arrival_s; });
  const bool startups_logged = !log.started_instances.empty();
  std::set<std::string> seen;
  std::vector<LambdaInvocation> calls;
  calls.reserve(order.size());
  for (const RequestRecord* r : order) {
    LambdaInvocation call;
    call.request_id = r->request_id;
    call.stream = r->instance;
    call.duration_ms = r->latency_ms;
    call.logged_s = r->arrival_s + r->latency_ms / 1000.0;
    call.is_failed = r->status >= 500;
    const bool first = seen.insert(r->instance).second;
    if (first && (!startups_logged || log.started_instances.count(r->instance))) call.init_ms = 0;
    call.file = r->file;
    call.line = r->line;
    calls.push_back(std::move(call));
  }
  return calls;
}

}  // namespace servesim::calibrate
