#pragma once
// `servesim export`: a candidate's configuration, as a simulation evaluated it, written as the platform's own
// deployment template. Each platform that can be deployed so registers its formats (PlatformRegistration::
// exports, in its folder's <folder>_export.cpp); nothing above platforms/ names a format or a platform.
// This header has the types and the small writers they share (a YAML emitter, names, quantities).
//
//   const ExportFormat* f = find_export_format(request.platform, "kubernetes");
//   for (const ExportFile& file : f->write(request)) core::write_file_atomic(dir + "/" + file.name,
//   file.text);
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace servesim::platforms {

struct ExportRequest {
  std::string candidate;  // the candidate's name in the run
  std::string platform;
  // Every catalogue parameter the candidate ran with, key -> value (the catalogue's default where the
  // scenario gave none): report_context.json's "parameters" of the candidate.
  nlohmann::json settings = nlohmann::json::object();
  // The language model the candidate served token by token (summary.json's "model": name, precision,
  // kv_precision, max_context_tokens); null when the run had no service.llm.
  nlohmann::json language_model;
  // Comment lines that head the template: the run it comes from and its figures (cost, attainment, p99).
  std::vector<std::string> provenance;
};

struct ExportFile {
  std::string name;  // a file name, no folder
  std::string text;
};

struct ExportFormat {
  std::string format;  // the --format value ("sam", "kubernetes", ...)
  std::string title;   // one line for --help
  // Throws InputError when a setting cannot be expressed in the format.
  std::function<std::vector<ExportFile>(const ExportRequest&)> write;
};

// The format `format` of `platform`, nullptr when the platform has none of that name.
const ExportFormat* find_export_format(const std::string& platform, const std::string& format);
// Every registered format, each once, in registration order.
std::vector<std::string> export_formats();
// The formats of one platform ("" when it has none), for error messages: "sam, cloudformation".
std::string export_formats_of(const std::string& platform);

// --- shared by the writers ---

// Block-style YAML of `doc` (objects keep their order), with string scalars double-quoted as JSON writes
// them (valid YAML), numbers and booleans bare.
std::string to_yaml(const nlohmann::ordered_json& doc);
// "# line\n" for each line (and each line of provenance): a template's head.
std::string yaml_comments(const std::vector<std::string>& lines);
// A DNS-1123 label from a candidate name (lower case, [a-z0-9-], at most 63 characters, never empty).
std::string dns_label(const std::string& name);
// An alphanumeric CloudFormation logical ID from a candidate name ("lambda-3008" -> "Lambda3008").
std::string logical_id(const std::string& name);
// A Kubernetes CPU quantity from vCPU: "2" for whole numbers, else millicores ("500m").
std::string cpu_quantity(double vcpu);
// A Kubernetes memory quantity from GiB: "4Gi" for whole GiB, else MiB ("512Mi").
std::string memory_quantity(double gib);
// The settings a template does not carry as a field but the simulation assumed, for its comment head:
// "key = value" for each key of `request.settings` that is not in `written` and whose value differs from
// the catalogue default (the scenario set it).
std::vector<std::string> settings_not_in_template(const ExportRequest& request,
                                                  const std::vector<std::string>& written);
// Appends to a comment head `heading` and, indented, each of settings_not_in_template(); nothing when none.
void add_settings_not_in_template(std::vector<std::string>& head, const ExportRequest& request,
                                  const std::vector<std::string>& written, const std::string& heading);

}  // namespace servesim::platforms
