// aws-lambda-managed-instances' deployment template for `servesim export`: an AWS SAM template with an
// AWS::Serverless::CapacityProvider (VpcConfig, InstanceRequirements, ScalingConfig with MaxVCpuCount and
// AverageCPUUtilization) and the AWS::Serverless::Function that runs on it (CapacityProviderConfig with
// ExecutionEnvironmentMemoryGiBPerVCpu and PerExecutionEnvironmentMaxConcurrency, MemorySize, Timeout, an
// alias: a version must be published for Lambda to launch the instances), and, for a GPU function,
// AcceleratorConfig.AcceleratorMemorySize on an Image package for x86_64. Property names: the SAM reference
// pages for AWS::Serverless::CapacityProvider, CapacityProviderConfig and AcceleratorConfig.
#include "platforms/aws_lambda_managed_instances/managed_instances_export.hpp"

#include <cmath>
#include <cstdio>

namespace servesim::platforms {

namespace {

using ordered = nlohmann::ordered_json;

const std::vector<std::string> kManagedWritten = {
    "function_vcpu",          "memory_gib_per_vcpu", "per_environment_max_concurrency", "max_vcpu_count",
    "target_cpu_utilization", "request_timeout_s",   "accelerator_memory_gib",          "gpu_instance_type"};

std::string text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

std::vector<ExportFile> write_sam(const ExportRequest& request) {
  const auto& s = request.settings;
  auto number = [&](const char* key, double fallback) { return s.value(key, fallback); };
  const double function_vcpu = number("function_vcpu", 1), gib_per_vcpu = number("memory_gib_per_vcpu", 2);
  const long accelerator_gib = std::lround(number("accelerator_memory_gib", 0));
  const bool gpu = accelerator_gib > 0;
  const std::string gpu_type = s.value("gpu_instance_type", std::string("g6.xlarge"));
  const std::string id = logical_id(request.candidate);
  const std::string provider = id + "CapacityProvider";

  ordered provider_props;
  provider_props["VpcConfig"] = {{"SubnetIds", {{"Ref", "SubnetIds"}}},
                                 {"SecurityGroupIds", {{"Ref", "SecurityGroupIds"}}}};
  ordered requirements = {{"Architectures", ordered::array({gpu ? "x86_64" : "arm64"})}};
  if (gpu) requirements["AllowedTypes"] = ordered::array({gpu_type});
  provider_props["InstanceRequirements"] = requirements;
  ordered scaling = {{"MaxVCpuCount", std::lround(number("max_vcpu_count", 400))}};
  // The CPU target in percent; a GPU function scales on GPU utilisation, which this property does not set.
  if (!gpu) scaling["AverageCPUUtilization"] = std::round(number("target_cpu_utilization", 0.5) * 1000) / 10;
  provider_props["ScalingConfig"] = scaling;

  ordered fn;
  if (gpu) {
    fn["PackageType"] = "Image";
    fn["ImageUri"] = "REPLACE-WITH-YOUR-MODEL-SERVER-IMAGE-URI";
  } else {
    fn["CodeUri"] = "./model-server/";
    fn["Handler"] = "app.handler";
    fn["Runtime"] = "python3.12";
  }
  fn["MemorySize"] = std::lround(function_vcpu * gib_per_vcpu * 1024);
  fn["Timeout"] = static_cast<long>(std::ceil(number("request_timeout_s", 900) - 1e-9));
  fn["Architectures"] = ordered::array({gpu ? "x86_64" : "arm64"});
  fn["AutoPublishAlias"] = "live";
  fn["CapacityProviderConfig"] = {
      {"Arn", {{"Fn::GetAtt", ordered::array({provider, "Arn"})}}},
      {"ExecutionEnvironmentMemoryGiBPerVCpu", gib_per_vcpu},
      {"PerExecutionEnvironmentMaxConcurrency", std::lround(number("per_environment_max_concurrency", 16))}};
  if (gpu) fn["AcceleratorConfig"] = {{"AcceleratorMemorySize", accelerator_gib}};

  ordered doc;
  doc["AWSTemplateFormatVersion"] = "2010-09-09";
  doc["Transform"] = "AWS::Serverless-2016-10-31";
  doc["Description"] = "servesim export of candidate " + request.candidate;
  doc["Parameters"] = {{"SubnetIds", {{"Type", "List<AWS::EC2::Subnet::Id>"}}},
                       {"SecurityGroupIds", {{"Type", "List<AWS::EC2::SecurityGroup::Id>"}}}};
  doc["Resources"] = {
      {provider, {{"Type", "AWS::Serverless::CapacityProvider"}, {"Properties", provider_props}}},
      {id, {{"Type", "AWS::Serverless::Function"}, {"Properties", fn}}}};

  std::vector<std::string> head = request.provenance;
  head.push_back("AWS SAM template: sam deploy --guided (a capacity provider and the function on it)");
  if (gpu)
    head.push_back(
        "Instances: " + gpu_type + " (one GPU, " + std::to_string(accelerator_gib) +
        " GiB accelerator memory per environment). The simulation scaled on GPU utilisation at " +
        text(number("target_gpu_utilization", 0.4) * 100) +
        "%: set a GPU-utilisation target-tracking policy on the capacity provider (CDK "
        "TargetTrackingScalingPolicy.gpuUtilization); ScalingConfig here carries MaxVCpuCount only.");
  else
    head.push_back("Instances: the simulation assumed " + text(number("instance_vcpu", 4)) + " vCPU / " +
                   text(number("instance_memory_gib", 16)) + " GiB at $" +
                   text(number("instance_price_usd_per_hour", 0.1632)) +
                   "/h (m7g.xlarge by default): add it to InstanceRequirements.AllowedTypes to match.");
  head.push_back("Floor: Lambda launches " + text(number("min_instances", 3)) +
                 " instance(s) at publication in the simulation (AWS's default is three; not a template "
                 "property). Replace the code placeholders with your model server's package.");
  add_settings_not_in_template(
      head, request, kManagedWritten,
      "Other settings the scenario gave (prices, scaling behaviour, the model), not template properties:");
  return {{"template.yaml", yaml_comments(head) + to_yaml(doc)}};
}

}  // namespace

std::vector<ExportFormat> managed_instances_export_formats() {
  return {{"sam", "AWS SAM template (AWS::Serverless::CapacityProvider and the function on it)", write_sam}};
}

}  // namespace servesim::platforms
