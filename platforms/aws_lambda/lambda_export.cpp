// aws-lambda's deployment templates for `servesim export`: an AWS SAM template (AWS::Serverless::Function)
// and a plain CloudFormation template (AWS::Lambda::Function, with a version and an alias for provisioned
// concurrency). Property names and ranges: the AWS::Lambda::Function and AWS::Serverless::Function reference
// pages (MemorySize 128-10,240 MB, Timeout 1-900 s whole seconds, Architectures, EphemeralStorage.Size,
// ReservedConcurrentExecutions, ProvisionedConcurrencyConfig on an alias, SnapStart.ApplyOn).
#include "platforms/aws_lambda/lambda_export.hpp"

#include <algorithm>
#include <cmath>

#include "platforms/export.hpp"

namespace servesim::platforms {

namespace {

using ordered = nlohmann::ordered_json;

// The settings each template writes as a property; the others go to its comment head when the scenario set
// them.
const std::vector<std::string> kLambdaWritten = {"memory_mb",
                                                 "timeout_s",
                                                 "architecture",
                                                 "ephemeral_storage_mb",
                                                 "reserved_concurrency",
                                                 "provisioned_concurrency",
                                                 "snapstart",
                                                 "api_gateway"};

struct ScheduledStep {
  double at_s;
  long provisioned;
  std::string expression;  // a step given as a schedule expression (cron(...), at(...)): written as it is
};

struct FunctionSettings {
  long memory_mb, timeout_s, ephemeral_storage_mb, reserved, provisioned;
  std::string architecture;
  bool snapstart, api_gateway;
  std::vector<ScheduledStep> schedule;  // provisioned_concurrency_schedule
};

// A step of the schedule as an Application Auto Scaling cron expression repeating daily at the step's time of
// day, the run's t = 0 taken as 00:00 UTC (minutes: cron's resolution); "" when the schedule spans more than
// a day (not a daily pattern).
std::string daily_cron(double at_s) {
  if (at_s >= 86400) return "";
  const long minute = std::lround(std::floor(at_s / 60));
  return "cron(" + std::to_string(minute % 60) + " " + std::to_string(minute / 60) + " * * ? *)";
}

FunctionSettings function_settings(const ExportRequest& request) {
  const auto& s = request.settings;
  auto number = [&](const char* key, double fallback) {
    return s.contains(key) ? s[key].get<double>() : fallback;
  };
  FunctionSettings f;
  f.memory_mb = std::lround(number("memory_mb", 128));
  // Lambda takes whole seconds; a fractional simulated timeout is rounded up so that nothing it served times
  // out.
  f.timeout_s = static_cast<long>(std::ceil(number("timeout_s", 3) - 1e-9));
  f.ephemeral_storage_mb = std::lround(number("ephemeral_storage_mb", 512));
  f.reserved = std::lround(number("reserved_concurrency", 0));
  f.provisioned = std::lround(number("provisioned_concurrency", 0));
  f.architecture = s.value("architecture", std::string("x86_64"));
  f.snapstart = s.value("snapstart", false);
  f.api_gateway = s.value("api_gateway", false);
  if (s.contains("provisioned_concurrency_schedule") && s["provisioned_concurrency_schedule"].is_array())
    for (const auto& step : s["provisioned_concurrency_schedule"])
      f.schedule.push_back({step.value("at_s", 0.0), std::lround(step.value("provisioned_concurrency", 0.0)),
                            step.value("schedule", std::string())});
  return f;
}

bool schedule_is_daily(const FunctionSettings& f) {
  for (const auto& step : f.schedule)
    if (step.expression.empty() && daily_cron(step.at_s).empty()) return false;
  return !f.schedule.empty();
}

std::vector<std::string> lambda_head(const ExportRequest& request, const std::string& what,
                                     bool schedule_written = false) {
  std::vector<std::string> lines = request.provenance;
  lines.push_back(what);
  lines.push_back(
      "Replace the code placeholders (CodeUri or Code, Handler, Runtime) with your model server's package.");
  std::vector<std::string> written = kLambdaWritten;
  if (schedule_written) {
    written.push_back("provisioned_concurrency_schedule");
    lines.push_back(
        "The provisioned-concurrency schedule is an Application Auto Scaling scalable target on the alias "
        "with a scheduled action per step: a step given in seconds repeats daily at its time of day taking "
        "the run's start as 00:00 UTC (shift its cron expression, or set its Timezone, to your traffic's "
        "clock); a step given as a schedule expression keeps it, in UTC.");
  }
  add_settings_not_in_template(
      lines, request, written,
      "Other settings the scenario gave (quotas, platform behaviour, the model), not template properties:");
  return lines;
}

// The properties both templates share.
void common_properties(const FunctionSettings& f, ordered& properties) {
  properties["MemorySize"] = f.memory_mb;
  properties["Timeout"] = f.timeout_s;
  properties["Architectures"] = ordered::array({f.architecture});
  properties["EphemeralStorage"] = {{"Size", f.ephemeral_storage_mb}};
  if (f.reserved > 0) properties["ReservedConcurrentExecutions"] = f.reserved;
  if (f.snapstart) properties["SnapStart"] = {{"ApplyOn", "PublishedVersions"}};
}

std::vector<ExportFile> write_sam(const ExportRequest& request) {
  const FunctionSettings f = function_settings(request);
  ordered properties;
  properties["CodeUri"] = "./model-server/";
  properties["Handler"] = "app.handler";
  properties["Runtime"] = "python3.12";
  common_properties(f, properties);
  if (f.provisioned > 0 || f.snapstart) properties["AutoPublishAlias"] = "live";
  if (f.provisioned > 0)
    properties["ProvisionedConcurrencyConfig"] = {{"ProvisionedConcurrentExecutions", f.provisioned}};
  if (f.api_gateway)
    properties["Events"] = {
        {"Predict", {{"Type", "Api"}, {"Properties", {{"Path", "/predict"}, {"Method", "post"}}}}}};
  ordered doc;
  doc["AWSTemplateFormatVersion"] = "2010-09-09";
  doc["Transform"] = "AWS::Serverless-2016-10-31";
  doc["Description"] = "servesim export of candidate " + request.candidate;
  doc["Resources"] = {
      {logical_id(request.candidate), {{"Type", "AWS::Serverless::Function"}, {"Properties", properties}}}};
  return {{"template.yaml",
           yaml_comments(lambda_head(request, "AWS SAM template: sam deploy --guided")) + to_yaml(doc)}};
}

std::vector<ExportFile> write_cloudformation(const ExportRequest& request) {
  const FunctionSettings f = function_settings(request);
  const std::string id = logical_id(request.candidate);
  ordered properties;
  properties["Role"] = {{"Ref", "RoleArn"}};
  properties["Code"] = {{"S3Bucket", {{"Ref", "CodeS3Bucket"}}}, {"S3Key", {{"Ref", "CodeS3Key"}}}};
  properties["Handler"] = "app.handler";
  properties["Runtime"] = "python3.12";
  common_properties(f, properties);
  ordered resources;
  resources[id] = {{"Type", "AWS::Lambda::Function"}, {"Properties", properties}};
  if (f.provisioned > 0 || f.snapstart) {
    resources[id + "Version"] = {{"Type", "AWS::Lambda::Version"},
                                 {"Properties", {{"FunctionName", {{"Ref", id}}}}}};
    ordered alias = {{"FunctionName", {{"Ref", id}}},
                     {"FunctionVersion", {{"Fn::GetAtt", ordered::array({id + "Version", "Version"})}}},
                     {"Name", "live"}};
    if (f.provisioned > 0)
      alias["ProvisionedConcurrencyConfig"] = {{"ProvisionedConcurrentExecutions", f.provisioned}};
    resources[id + "Alias"] = {{"Type", "AWS::Lambda::Alias"}, {"Properties", alias}};
  }
  const bool schedule = schedule_is_daily(f);
  if (schedule) {
    // The alias the scheduled actions act on (also when the run had no provisioned concurrency before them).
    if (!resources.contains(id + "Alias")) {
      resources[id + "Version"] = {{"Type", "AWS::Lambda::Version"},
                                   {"Properties", {{"FunctionName", {{"Ref", id}}}}}};
      resources[id + "Alias"] = {
          {"Type", "AWS::Lambda::Alias"},
          {"Properties",
           {{"FunctionName", {{"Ref", id}}},
            {"FunctionVersion", {{"Fn::GetAtt", ordered::array({id + "Version", "Version"})}}},
            {"Name", "live"}}}};
    }
    long most = f.provisioned, least = f.provisioned;
    ordered actions = ordered::array();
    for (size_t k = 0; k < f.schedule.size(); ++k) {
      const auto& step = f.schedule[k];
      most = std::max(most, step.provisioned);
      least = std::min(least, step.provisioned);
      actions.push_back(
          {{"ScheduledActionName", "servesim-step-" + std::to_string(k + 1)},
           {"Schedule", step.expression.empty() ? daily_cron(step.at_s) : step.expression},
           {"Timezone", "Etc/UTC"},
           {"ScalableTargetAction", {{"MinCapacity", step.provisioned}, {"MaxCapacity", step.provisioned}}}});
    }
    // Application Auto Scaling on a Lambda alias's provisioned concurrency (AWS::ApplicationAutoScaling::
    // ScalableTarget: ResourceId function:<name>:<alias>, ScalableDimension
    // lambda:function:ProvisionedConcurrency, ServiceNamespace lambda).
    resources[id + "ProvisionedSchedule"] = {
        {"Type", "AWS::ApplicationAutoScaling::ScalableTarget"},
        {"DependsOn", id + "Alias"},
        {"Properties",
         {{"MinCapacity", least},
          {"MaxCapacity", most},
          {"ResourceId", {{"Fn::Sub", "function:${" + id + "}:live"}}},
          {"ScalableDimension", "lambda:function:ProvisionedConcurrency"},
          {"ServiceNamespace", "lambda"},
          {"ScheduledActions", actions}}}};
  }
  ordered doc;
  doc["AWSTemplateFormatVersion"] = "2010-09-09";
  doc["Description"] = "servesim export of candidate " + request.candidate;
  doc["Parameters"] = {{"RoleArn", {{"Type", "String"}}},
                       {"CodeS3Bucket", {{"Type", "String"}}},
                       {"CodeS3Key", {{"Type", "String"}}}};
  doc["Resources"] = resources;
  std::string what = "AWS CloudFormation template: aws cloudformation deploy --template-file template.yaml";
  if (f.api_gateway)
    what += "\nThe simulation put API Gateway in front (api_gateway = true): add its REST API resources.";
  return {{"template.yaml", yaml_comments(lambda_head(request, what, schedule)) + to_yaml(doc)}};
}

}  // namespace

std::vector<ExportFormat> lambda_export_formats() {
  return {{"sam", "AWS SAM template (AWS::Serverless::Function)", write_sam},
          {"cloudformation", "AWS CloudFormation template (AWS::Lambda::Function, version, alias)",
           write_cloudformation}};
}

}  // namespace servesim::platforms
