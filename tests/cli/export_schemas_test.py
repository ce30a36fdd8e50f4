#!/usr/bin/env python3
"""`servesim export` as a deployer relies on it (docs/export.md): for one candidate per template shape
(every platform, with and without GPU, HPA and KEDA, provisioned concurrency and SnapStart), run a short
scenario, export the candidate in each format of its platform, and check that

- the template validates against the platform's published JSON schema (tests/data/export_schemas: SAM's
  AWS::Serverless::Function, Knative's serving.knative.dev/v1 Service, Kubernetes' Deployment, Service and
  autoscaling/v2 HorizontalPodAutoscaler), or, where no schema could be had (CloudFormation's
  AWS::Lambda::Function, Azure Container Apps, KEDA's ScaledObject), has the fields and types of the
  platform's reference page;
- every setting the simulation used that the platform lets one set is in the template, with the value the
  run used (read from the run's report_context.json, mapped here by hand from the reference pages);
- its comment head names the run and its figures (cost, SLO attainment, p99 from summary.json);
- a format that is not the candidate's platform's is one line on stderr and exit status 2.

Then it validates the same way every template tests/cli/bundled_scenarios_test.cpp exported for the bundled
scenarios' candidates ($SERVESIM_EXPORT_BUNDLED), when that test has run.

Run by CTest from the source root with $SERVESIM_BIN; needs python3-jsonschema and python3-yaml.
"""
import json
import os
import subprocess
import sys
import tempfile

import jsonschema
import yaml

SCHEMAS = "tests/data/export_schemas"
FORMATS = {
    "aws-lambda": ["sam", "cloudformation"],
    "gcp-cloud-run": ["cloud-run"],
    "azure-container-apps": ["container-apps"],
    "kubernetes-gpu": ["kubernetes"],
    "fixed-pool": ["kubernetes"],
    "aws-lambda-managed-instances": ["sam"],
}
FILES = {"sam": "template.yaml", "cloudformation": "template.yaml", "cloud-run": "service.yaml",
         "container-apps": "containerapp.yaml", "kubernetes": "kubernetes.yaml"}

SCENARIO = {
    "name": "export-cases", "seed": 7,
    "workload": {"type": "poisson", "rate_rps": 2, "duration_s": 120},
    "service": {"warm": {"type": "constant", "value_ms": 50}},
    "slo": {"p99_ms": 2000, "timeout_s": 30},
    "candidates": [
        {"name": "lambda-full", "platform": "aws-lambda", "memory_mb": 2048, "timeout_s": 30,
         "architecture": "arm64", "reserved_concurrency": 50, "provisioned_concurrency": 5,
         "ephemeral_storage_mb": 1024, "api_gateway": True},
        {"name": "lambda-plain", "platform": "aws-lambda", "memory_mb": 512, "timeout_s": 12.5},
        {"name": "lambda-snap", "platform": "aws-lambda", "memory_mb": 1024, "snapstart": True},
        {"name": "lambda-scheduled", "platform": "aws-lambda", "memory_mb": 1024,
         "provisioned_concurrency_schedule": [{"at_s": 30, "provisioned_concurrency": 3},
                                              {"at_s": 90, "provisioned_concurrency": 1}]},
        {"name": "run-cpu", "platform": "gcp-cloud-run", "vcpu": 2, "memory_gib": 4, "concurrency": 8,
         "min_instances": 1, "max_instances": 20, "billing": "instance", "startup_cpu_boost": True,
         "request_timeout_s": 60},
        {"name": "run-l4", "platform": "gcp-cloud-run", "vcpu": 4, "memory_gib": 16, "concurrency": 4,
         "gpu": "nvidia-l4", "billing": "instance", "max_instances": 5},
        {"name": "run-half", "platform": "gcp-cloud-run", "vcpu": 1, "memory_gib": 0.5},
        {"name": "aca-cpu", "platform": "azure-container-apps", "vcpu": 1, "memory_gib": 2,
         "concurrent_requests": 20, "min_replicas": 1, "max_replicas": 30, "cooldown_period_s": 120},
        {"name": "aca-t4", "platform": "azure-container-apps", "gpu": "nvidia-t4", "vcpu": 8, "memory_gib": 56,
         "max_replicas": 4},
        {"name": "k8s-hpa-spot", "platform": "kubernetes-gpu", "node_type": "g5.xlarge",
         "hpa_metric": "requests_per_pod", "hpa_target_requests_per_pod_per_s": 25, "min_replicas": 2,
         "max_replicas": 40, "purchase_option": "spot", "node_provisioner": "karpenter", "hpa_scale_up_pods": 8,
         "hpa_scale_down_stabilization_s": 120, "termination_grace_period_s": 45, "max_batch_size": 4},
        {"name": "k8s-keda", "platform": "kubernetes-gpu", "node_type": "p4d.24xlarge", "gpus_per_pod": 2,
         "autoscaler": "keda", "hpa_metric": "gpu_utilization", "hpa_target_gpu_utilization": 0.7,
         "keda_polling_interval_s": 15, "keda_cooldown_s": 200, "min_replicas": 1, "max_replicas": 8},
        {"name": "pool", "platform": "fixed-pool", "servers": 3, "vcpu_per_server": 2},
        {"name": "lmi-cpu", "platform": "aws-lambda-managed-instances", "function_vcpu": 2, "memory_gib_per_vcpu": 4,
         "per_environment_max_concurrency": 32, "max_vcpu_count": 64, "target_cpu_utilization": 0.65,
         "request_timeout_s": 60},
        {"name": "lmi-l4", "platform": "aws-lambda-managed-instances", "accelerator_memory_gib": 24,
         "gpu_instance_type": "g6.xlarge", "per_environment_max_concurrency": 8, "model_weight_mb": 30},
    ],
}

# A language model served token by token: the templates run vLLM's OpenAI server with the engine settings
# the simulation used (platforms/fleet/vllm_server.hpp).
LLM_SCENARIO = {
    "name": "export-llm", "seed": 7,
    "workload": {"type": "poisson", "rate_rps": 0.2, "duration_s": 60},
    "service": {"llm": {"model": "llama-3.1-8b", "max_context_tokens": 8192}},
    "slo": {"p99_ms": 600000, "timeout_s": 600},
    "candidates": [
        {"name": "k8s-70b-tp2", "platform": "kubernetes-gpu", "node_type": "p5.48xlarge", "max_nodes": 1,
         "llm_tensor_parallel": 2, "llm_max_num_batched_tokens": 4096, "llm_max_num_seqs": 64,
         "llm": {"model": "llama-3.1-70b", "precision": "fp8", "kv_precision": "fp8", "max_context_tokens": 4096}},
        {"name": "k8s-8b", "platform": "kubernetes-gpu", "node_type": "g6.xlarge", "max_nodes": 1,
         "llm_chunked_prefill": False, "llm_max_num_batched_tokens": 8192, "llm_gpu_memory_utilization": 0.85},
        {"name": "run-l4-8b", "platform": "gcp-cloud-run", "gpu": "nvidia-l4", "vcpu": 8, "memory_gib": 32,
         "concurrency": 8, "max_instances": 2},
        {"name": "aca-a100-8b", "platform": "azure-container-apps", "gpu": "nvidia-a100", "vcpu": 24,
         "memory_gib": 220, "max_replicas": 2, "llm_kv_block_tokens": 32},
    ],
}
# The checkpoints the presets' shapes are copied from (their config.json, docs/scenario.md).
CHECKPOINTS = {"llama-3.1-8b": "meta-llama/Llama-3.1-8B", "llama-3.1-70b": "meta-llama/Llama-3.1-70B"}

failures = []


def check(condition, what):
    if not condition:
        failures.append(what)


def load_schema(name):
    with open(os.path.join(SCHEMAS, name)) as f:
        return json.load(f)


SAM = load_schema("sam.json")
KNATIVE = load_schema("knative-service.json")
KUBERNETES = load_schema("kubernetes.json")


def validate(schema, doc, what, root=None):
    """Validates `doc` against `schema` (or against the definition `root` refers to, within `schema`)."""
    if root is not None:
        schema = dict(schema, **root)
        schema.pop("kinds", None)
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    for e in errors[:5]:
        failures.append(f"{what}: schema: /{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}")


def mib(quantity):
    """A Kubernetes memory quantity in MiB."""
    for suffix, factor in (("Gi", 1024), ("Mi", 1)):
        if quantity.endswith(suffix):
            return float(quantity[: -len(suffix)]) * factor
    raise ValueError(quantity)


def cpus(quantity):
    return float(quantity[:-1]) / 1000 if quantity.endswith("m") else float(quantity)


def the_function(doc, type_name):
    functions = [r for r in doc["Resources"].values() if r["Type"] == type_name]
    check(len(functions) == 1, f"one {type_name}")
    return functions[0]["Properties"]


def check_lambda(fmt, doc, s, what):
    """AWS::Lambda::Function and AWS::Serverless::Function: MemorySize, Timeout (whole seconds, rounded up so
    that nothing the simulation served times out), Architectures, EphemeralStorage.Size,
    ReservedConcurrentExecutions, SnapStart; provisioned concurrency on the alias (SAM: AutoPublishAlias and
    ProvisionedConcurrencyConfig on the function)."""
    if fmt == "sam":
        validate(SAM, doc, what)
        p = the_function(doc, "AWS::Serverless::Function")
    else:
        # No schema here: the reference page's required properties and types.
        check(doc.get("AWSTemplateFormatVersion") == "2010-09-09", f"{what}: AWSTemplateFormatVersion")
        p = the_function(doc, "AWS::Lambda::Function")
        check(isinstance(p.get("Role"), dict) and "Ref" in p["Role"], f"{what}: Role")
        check(set(p.get("Code", {})) == {"S3Bucket", "S3Key"}, f"{what}: Code")
        for r in doc["Resources"].values():
            check(r["Type"] in ("AWS::Lambda::Function", "AWS::Lambda::Version", "AWS::Lambda::Alias",
                                "AWS::ApplicationAutoScaling::ScalableTarget"),
                  f"{what}: resource type {r['Type']}")
            for key in r["Properties"]:
                allowed = {
                    "AWS::Lambda::Function": {"Role", "Code", "Handler", "Runtime", "MemorySize", "Timeout",
                                              "Architectures", "EphemeralStorage", "ReservedConcurrentExecutions",
                                              "SnapStart"},
                    "AWS::Lambda::Version": {"FunctionName"},
                    "AWS::Lambda::Alias": {"FunctionName", "FunctionVersion", "Name",
                                           "ProvisionedConcurrencyConfig"},
                    # AWS::ApplicationAutoScaling::ScalableTarget's reference page (RoleARN optional: the
                    # service-linked role).
                    "AWS::ApplicationAutoScaling::ScalableTarget": {
                        "MinCapacity", "MaxCapacity", "ResourceId", "RoleARN", "ScalableDimension",
                        "ScheduledActions", "ServiceNamespace", "SuspendedState"},
                }[r["Type"]]
                check(key in allowed, f"{what}: {r['Type']} has no property {key}")
        check_pc_schedule(doc, s, what)
        for key in ("MemorySize", "Timeout", "ReservedConcurrentExecutions"):
            check(key not in p or isinstance(p[key], int), f"{what}: {key} an integer")
    check(p["MemorySize"] == s["memory_mb"], f"{what}: MemorySize {p['MemorySize']} vs memory_mb {s['memory_mb']}")
    timeout = s["timeout_s"]
    check(p["Timeout"] >= timeout and p["Timeout"] - timeout < 1, f"{what}: Timeout {p['Timeout']} vs {timeout}")
    check(p["Architectures"] == [s["architecture"]], f"{what}: Architectures")
    check(p["EphemeralStorage"]["Size"] == s["ephemeral_storage_mb"], f"{what}: EphemeralStorage")
    check(p.get("ReservedConcurrentExecutions", 0) == s["reserved_concurrency"], f"{what}: reserved")
    check(("SnapStart" in p) == s["snapstart"], f"{what}: SnapStart")
    provisioned = 0
    if fmt == "sam":
        provisioned = p.get("ProvisionedConcurrencyConfig", {}).get("ProvisionedConcurrentExecutions", 0)
        if provisioned:
            check(p.get("AutoPublishAlias"), f"{what}: provisioned concurrency needs an alias")
        check(("Events" in p) == s["api_gateway"], f"{what}: API Gateway event")
    else:
        for r in doc["Resources"].values():
            if r["Type"] == "AWS::Lambda::Alias":
                provisioned = r["Properties"].get("ProvisionedConcurrencyConfig", {}).get(
                    "ProvisionedConcurrentExecutions", 0)
    check(provisioned == s["provisioned_concurrency"], f"{what}: provisioned {provisioned}")


def check_pc_schedule(doc, s, what):
    """A provisioned-concurrency schedule (Application Auto Scaling scheduled actions on the alias): one
    ScalableTarget on function:<name>:live whose actions are the steps, each a daily cron at its time of day
    (the run's start as 00:00 UTC) or its own schedule expression, setting min = max = its provisioned concurrency (the reference pages of
    AWS::ApplicationAutoScaling::ScalableTarget and ScheduledAction)."""
    steps = s.get("provisioned_concurrency_schedule") or []
    targets = [(k, r) for k, r in doc["Resources"].items()
               if r["Type"] == "AWS::ApplicationAutoScaling::ScalableTarget"]
    if not steps or any(step.get("at_s", 0) >= 86400 for step in steps):
        check(not targets, f"{what}: no scalable target without a daily schedule")
        return
    check(len(targets) == 1, f"{what}: one scalable target for the schedule")
    if len(targets) != 1:
        return
    _, target = targets[0]
    p = target["Properties"]
    function_id = next(k for k, r in doc["Resources"].items() if r["Type"] == "AWS::Lambda::Function")
    check(p.get("ResourceId") == {"Fn::Sub": "function:${" + function_id + "}:live"}, f"{what}: ResourceId")
    check(p.get("ScalableDimension") == "lambda:function:ProvisionedConcurrency", f"{what}: ScalableDimension")
    check(p.get("ServiceNamespace") == "lambda", f"{what}: ServiceNamespace")
    aliases = [r for r in doc["Resources"].values() if r["Type"] == "AWS::Lambda::Alias"]
    check(len(aliases) == 1 and aliases[0]["Properties"].get("Name") == "live", f"{what}: the alias live")
    actions = p.get("ScheduledActions", [])
    check(len(actions) == len(steps), f"{what}: one scheduled action per step")
    for action, step in zip(actions, steps):
        if "schedule" in step:  # a schedule expression, written as it is
            check(action.get("Schedule") == step["schedule"], f"{what}: step {step['schedule']}")
        else:
            minute = int(step["at_s"] // 60)
            check(action.get("Schedule") == f"cron({minute % 60} {minute // 60} * * ? *)",
                  f"{what}: step at {step['at_s']} s as {action.get('Schedule')}")
        n = step["provisioned_concurrency"]
        check(action.get("ScalableTargetAction") == {"MinCapacity": n, "MaxCapacity": n},
              f"{what}: step capacity {n}")
    capacities = [step["provisioned_concurrency"] for step in steps] + [s["provisioned_concurrency"]]
    check(p.get("MinCapacity") == min(capacities) and p.get("MaxCapacity") == max(capacities),
          f"{what}: capacity range")


def check_managed_instances(doc, s, what):
    """Lambda Managed Instances as SAM: an AWS::Serverless::CapacityProvider (ScalingConfig.MaxVCpuCount =
    max_vcpu_count, AverageCPUUtilization = target_cpu_utilization in percent for a CPU function, the GPU
    instance type as InstanceRequirements.AllowedTypes) and the function on it (CapacityProviderConfig with
    the provider's Arn, ExecutionEnvironmentMemoryGiBPerVCpu, PerExecutionEnvironmentMaxConcurrency;
    MemorySize = function_vcpu x memory_gib_per_vcpu GiB; Timeout; a published alias). A GPU function has
    AcceleratorConfig.AcceleratorMemorySize (SAM's AcceleratorConfig page: an integer, 3, 6, 12, 16, 24 or
    48), on an Image package for x86_64. The vendored SAM schema predates AcceleratorConfig, so the
    function is validated without it and AcceleratorConfig by hand."""
    accelerator = None
    for r in doc["Resources"].values():
        if r["Type"] == "AWS::Serverless::Function":
            accelerator = r["Properties"].pop("AcceleratorConfig", None)
    validate(SAM, doc, what)
    providers = [r["Properties"] for r in doc["Resources"].values() if r["Type"] == "AWS::Serverless::CapacityProvider"]
    check(len(providers) == 1, f"{what}: one capacity provider")
    cp = providers[0]
    p = the_function(doc, "AWS::Serverless::Function")
    provider_id = next(k for k, r in doc["Resources"].items() if r["Type"] == "AWS::Serverless::CapacityProvider")
    config = p["CapacityProviderConfig"]
    check(config["Arn"] == {"Fn::GetAtt": [provider_id, "Arn"]}, f"{what}: Arn of the provider")
    check(config["ExecutionEnvironmentMemoryGiBPerVCpu"] == s["memory_gib_per_vcpu"], f"{what}: GiB per vCPU")
    check(config["PerExecutionEnvironmentMaxConcurrency"] == s["per_environment_max_concurrency"],
          f"{what}: max concurrency")
    check(p["MemorySize"] == round(s["function_vcpu"] * s["memory_gib_per_vcpu"] * 1024), f"{what}: MemorySize")
    check(p["Timeout"] >= s["request_timeout_s"] and p["Timeout"] - s["request_timeout_s"] < 1, f"{what}: Timeout")
    check(p.get("AutoPublishAlias"), f"{what}: a published version")
    check(cp["ScalingConfig"]["MaxVCpuCount"] == s["max_vcpu_count"], f"{what}: MaxVCpuCount")
    gpu = s["accelerator_memory_gib"] > 0
    check((accelerator is not None) == gpu, f"{what}: AcceleratorConfig iff a GPU")
    if gpu:
        check(accelerator == {"AcceleratorMemorySize": s["accelerator_memory_gib"]}
              and isinstance(accelerator["AcceleratorMemorySize"], int)
              and accelerator["AcceleratorMemorySize"] in (3, 6, 12, 16, 24, 48), f"{what}: AcceleratorMemorySize")
        check(p.get("PackageType") == "Image" and p.get("Architectures") == ["x86_64"], f"{what}: Image, x86_64")
        check(cp["InstanceRequirements"].get("AllowedTypes") == [s["gpu_instance_type"]], f"{what}: instance type")
        check("AverageCPUUtilization" not in cp["ScalingConfig"], f"{what}: no CPU target on a GPU function")
    else:
        check(cp["ScalingConfig"]["AverageCPUUtilization"] == round(s["target_cpu_utilization"] * 100, 1),
              f"{what}: AverageCPUUtilization")


def check_cloud_run(doc, s, what):
    """Cloud Run's Knative Service: limits cpu and memory, containerConcurrency, timeoutSeconds, min/max
    instances as autoscaling.knative.dev/minScale and maxScale on the revision template, CPU throttling off
    for instance-based billing, startup CPU boost, and an L4 as nvidia.com/gpu with the accelerator selector."""
    validate(KNATIVE, doc, what)
    template = doc["spec"]["template"]
    annotations = template["metadata"]["annotations"]
    spec = template["spec"]
    limits = spec["containers"][0]["resources"]["limits"]
    check(cpus(limits["cpu"]) == s["vcpu"], f"{what}: cpu {limits['cpu']} vs vcpu {s['vcpu']}")
    check(mib(limits["memory"]) == s["memory_gib"] * 1024, f"{what}: memory {limits['memory']}")
    check(spec["containerConcurrency"] == s["concurrency"], f"{what}: containerConcurrency")
    check(spec["timeoutSeconds"] == s["request_timeout_s"], f"{what}: timeoutSeconds")
    check(annotations["autoscaling.knative.dev/minScale"] == str(s["min_instances"]), f"{what}: minScale")
    check(annotations["autoscaling.knative.dev/maxScale"] == str(s["max_instances"]), f"{what}: maxScale")
    check(annotations["run.googleapis.com/cpu-throttling"] == ("true" if s["billing"] == "request" else "false"),
          f"{what}: cpu-throttling")
    check(annotations["run.googleapis.com/startup-cpu-boost"] == ("true" if s["startup_cpu_boost"] else "false"),
          f"{what}: startup-cpu-boost")
    if s["gpu"] == "none":
        check("nvidia.com/gpu" not in limits and "nodeSelector" not in spec, f"{what}: no GPU")
    else:
        check(limits.get("nvidia.com/gpu") == "1", f"{what}: GPU limit")
        check(spec.get("nodeSelector", {}).get("run.googleapis.com/accelerator") == s["gpu"], f"{what}: accelerator")


def check_container_apps(doc, s, what):
    """Container Apps YAML (az containerapp create --yaml; Microsoft.App/containerApps): the container's
    resources.cpu (a number) and memory ("<GiB>Gi"), scale.minReplicas/maxReplicas/cooldownPeriod, an http
    scale rule on concurrentRequests (a string), and the serverless GPU workload profile for a GPU."""
    check(doc.get("type") == "Microsoft.App/containerApps", f"{what}: type")
    props = doc["properties"]
    for key in ("managedEnvironmentId", "workloadProfileName", "configuration", "template"):
        check(key in props, f"{what}: properties.{key}")
    container = props["template"]["containers"][0]
    check(isinstance(container["resources"]["cpu"], (int, float)), f"{what}: cpu a number")
    check(container["resources"]["cpu"] == s["vcpu"], f"{what}: cpu")
    check(container["resources"]["memory"] == f"{s['memory_gib']:g}Gi", f"{what}: memory")
    scale = props["template"]["scale"]
    check(scale["minReplicas"] == s["min_replicas"] and scale["maxReplicas"] == s["max_replicas"], f"{what}: replicas")
    check(scale["cooldownPeriod"] == s["cooldown_period_s"], f"{what}: cooldownPeriod")
    rule = scale["rules"][0]["http"]["metadata"]["concurrentRequests"]
    check(rule == str(s["concurrent_requests"]), f"{what}: concurrentRequests {rule}")
    profile = {"none": "Consumption", "nvidia-t4": "Consumption-GPU-NC8as-T4",
               "nvidia-a100": "Consumption-GPU-NC24-A100"}[s["gpu"]]
    check(props["workloadProfileName"] == profile, f"{what}: workload profile")


def check_kubernetes(docs, s, platform, what):
    """Deployment + Service + HPA (autoscaling/v2) or KEDA ScaledObject. kubernetes-gpu: nvidia.com/gpu per
    pod, the node type as node.kubernetes.io/instance-type, spot as the provisioner's capacity-type label,
    the HPA's min/max replicas, metric target and scale-up/down behaviour (the HPA defaults the catalogue
    mirrors: 100% or 4 pods per 15 s up, 100% per 15 s down after 300 s). fixed-pool: servers replicas of
    vcpu_per_server CPU, no autoscaler."""
    kinds = {d["kind"]: d for d in docs}
    for d in docs:
        if d["kind"] in KUBERNETES["kinds"]:
            validate(KUBERNETES, d, f"{what} {d['kind']}", KUBERNETES["kinds"][d["kind"]])
    check("Deployment" in kinds and "Service" in kinds, f"{what}: Deployment and Service")
    pod = kinds["Deployment"]["spec"]["template"]["spec"]
    container = pod["containers"][0]
    service = kinds["Service"]["spec"]
    check(service["selector"] == kinds["Deployment"]["spec"]["selector"]["matchLabels"], f"{what}: selector")
    if platform == "fixed-pool":
        check(kinds["Deployment"]["spec"]["replicas"] == s["servers"], f"{what}: replicas")
        check(cpus(container["resources"]["limits"]["cpu"]) == s["vcpu_per_server"], f"{what}: cpu")
        check("HorizontalPodAutoscaler" not in kinds, f"{what}: no autoscaler")
        return
    limits = container["resources"]["limits"]
    check(limits["nvidia.com/gpu"] == str(s["gpus_per_pod"]), f"{what}: GPUs per pod")
    check(pod["nodeSelector"]["node.kubernetes.io/instance-type"] == s["node_type"], f"{what}: node type")
    spot = s["purchase_option"] == "spot"
    label = "karpenter.sh/capacity-type" if s["node_provisioner"] == "karpenter" else "eks.amazonaws.com/capacityType"
    check((label in pod["nodeSelector"]) == spot, f"{what}: capacity type")
    check(pod["terminationGracePeriodSeconds"] == s["termination_grace_period_s"], f"{what}: grace period")
    # Karpenter v1 NodePool (no schema here: the fields and types of karpenter.sh's NodePool reference, by
    # hand): the node type and capacity type as requirements, a GPU limit of max_nodes nodes' GPUs, and
    # empty-node removal after karpenter_empty_node_removal_s.
    pool = kinds.get("NodePool")
    check((pool is not None) == (s["node_provisioner"] == "karpenter"), f"{what}: NodePool iff karpenter")
    if pool is not None:
        check(pool["apiVersion"] == "karpenter.sh/v1", f"{what}: NodePool apiVersion")
        tmpl = pool["spec"]["template"]["spec"]
        reqs = {r["key"]: (r["operator"], r["values"]) for r in tmpl["requirements"]}
        check(reqs.get("node.kubernetes.io/instance-type") == ("In", [s["node_type"]]), f"{what}: NodePool type")
        check(reqs.get("karpenter.sh/capacity-type") == ("In", ["spot" if spot else "on-demand"]),
              f"{what}: NodePool capacity type")
        check(set(tmpl["nodeClassRef"]) == {"group", "kind", "name"}, f"{what}: nodeClassRef")
        per_node = s["gpus_per_node"] or s["node_gpus_" + s["node_type"].replace(".", "_")]
        check(pool["spec"]["limits"]["nvidia.com/gpu"] == str(s["max_nodes"] * per_node), f"{what}: GPU limit")
        d = pool["spec"]["disruption"]
        check(d["consolidationPolicy"] in ("WhenEmpty", "WhenEmptyOrUnderutilized"), f"{what}: policy")
        check(d["consolidateAfter"] == f"{round(s['karpenter_empty_node_removal_s'])}s", f"{what}: consolidateAfter")
    env = {e["name"]: e["value"] for e in container.get("env", [])}
    check(env.get("MAX_BATCH_SIZE") == str(s["max_batch_size"]), f"{what}: batch size")
    check(kinds["Deployment"]["spec"]["replicas"] == s["min_replicas"], f"{what}: initial replicas")
    metric_target = {
        "gpu_utilization": ("DCGM_FI_DEV_GPU_UTIL", s["hpa_target_gpu_utilization"] * 100),
        "requests_per_pod": ("requests_per_second", s["hpa_target_requests_per_pod_per_s"]),
        "in_flight": ("requests_in_flight", s["hpa_target_in_flight_per_pod"]),
        "queue_length": ("vllm:num_requests_waiting", s["hpa_target_queue_length_per_pod"]),
        "kv_cache_utilization": ("vllm:kv_cache_usage_perc", s["hpa_target_kv_cache_utilization"]),
    }[s["hpa_metric"]]
    if s["autoscaler"] == "keda":
        so = kinds.get("ScaledObject")
        check(so is not None and so["apiVersion"] == "keda.sh/v1alpha1", f"{what}: ScaledObject")
        spec = so["spec"]
        check(spec["scaleTargetRef"]["name"] == kinds["Deployment"]["metadata"]["name"], f"{what}: target")
        check(spec["pollingInterval"] == s["keda_polling_interval_s"], f"{what}: pollingInterval")
        check(spec["cooldownPeriod"] == s["keda_cooldown_s"], f"{what}: cooldownPeriod")
        check(spec["minReplicaCount"] == s["min_replicas"] and spec["maxReplicaCount"] == s["max_replicas"],
              f"{what}: replica counts")
        trigger = spec["triggers"][0]
        check(metric_target[0] in trigger["metadata"]["query"], f"{what}: trigger metric")
        check(float(trigger["metadata"]["threshold"]) == metric_target[1], f"{what}: threshold")
        behavior = spec["advanced"]["horizontalPodAutoscalerConfig"]["behavior"]
        validate(KUBERNETES, behavior, f"{what} behavior",
                 {"$ref": "#/definitions/io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerBehavior"})
    else:
        hpa = kinds["HorizontalPodAutoscaler"]["spec"]
        check(hpa["minReplicas"] == s["min_replicas"] and hpa["maxReplicas"] == s["max_replicas"], f"{what}: replicas")
        metric = hpa["metrics"][0]["pods"]
        check(metric["metric"]["name"] == metric_target[0], f"{what}: metric")
        check(float(metric["target"]["averageValue"]) == metric_target[1], f"{what}: target")
        behavior = hpa["behavior"]
    up, down = behavior["scaleUp"], behavior["scaleDown"]
    check(up["stabilizationWindowSeconds"] == s["hpa_scale_up_stabilization_s"], f"{what}: up window")
    check(down["stabilizationWindowSeconds"] == s["hpa_scale_down_stabilization_s"], f"{what}: down window")
    check({(p["type"], p["value"], p["periodSeconds"]) for p in up["policies"]} ==
          {("Percent", s["hpa_scale_up_percent"], s["hpa_scale_up_period_s"]),
           ("Pods", s["hpa_scale_up_pods"], s["hpa_scale_up_period_s"])}, f"{what}: up policies")
    check({(p["type"], p["value"], p["periodSeconds"]) for p in down["policies"]} ==
          {("Percent", s["hpa_scale_down_percent"], s["hpa_scale_down_period_s"])}, f"{what}: down policies")


def check_vllm(container, model, s, tensor_parallel, port, what):
    """The model server of a GPU candidate serving a language model: vLLM's OpenAI server image, and its
    arguments (vLLM's engine-argument reference) carry what the simulation used: the preset's checkpoint,
    --port of the container port, the weights' precision (--dtype bfloat16, or --quantization fp8), an FP8
    KV cache, --tensor-parallel-size (left out at 1), --max-model-len = max_context_tokens, --max-num-seqs,
    --max-num-batched-tokens when set (0 = vLLM's default for the GPU: left out), chunked prefill and prefix
    caching on or off (vLLM V1 caches prefixes unless told not to), --block-size, --gpu-memory-utilization."""
    check(container["image"].startswith("vllm/vllm-openai"), f"{what}: vLLM image, got {container['image']}")
    args = container.get("args", [])
    flags = {a for a in args if a.startswith("--")}
    values = {a: b for a, b in zip(args, args[1:]) if a.startswith("--") and not b.startswith("--")}
    check(values.get("--model") == CHECKPOINTS[model["name"]], f"{what}: --model {values.get('--model')}")
    check(values.get("--port") == str(port), f"{what}: --port")
    if model["precision"] == "fp8":
        check(values.get("--quantization") == "fp8" and "--dtype" not in values, f"{what}: fp8 weights")
    else:
        check(values.get("--dtype") == {"bf16": "bfloat16", "fp16": "float16"}[model["precision"]], f"{what}: dtype")
    check((values.get("--kv-cache-dtype") == "fp8") == (model["kv_precision"] == "fp8"), f"{what}: KV dtype")
    check(values.get("--tensor-parallel-size") == (str(tensor_parallel) if tensor_parallel > 1 else None),
          f"{what}: --tensor-parallel-size {values.get('--tensor-parallel-size')}")
    check(values.get("--max-model-len") == str(model["max_context_tokens"]), f"{what}: --max-model-len")
    check(values.get("--max-num-seqs") == str(s["llm_max_num_seqs"]), f"{what}: --max-num-seqs")
    batched = s["llm_max_num_batched_tokens"]
    check(values.get("--max-num-batched-tokens") == (str(batched) if batched > 0 else None),
          f"{what}: --max-num-batched-tokens {values.get('--max-num-batched-tokens')} vs {batched}")
    check(("--enable-chunked-prefill" in flags) == s["llm_chunked_prefill"] and
          ("--no-enable-chunked-prefill" in flags) != s["llm_chunked_prefill"], f"{what}: chunked prefill")
    check(("--enable-prefix-caching" in flags) == s["llm_prefix_caching"] and
          ("--no-enable-prefix-caching" in flags) != s["llm_prefix_caching"], f"{what}: prefix caching")
    check(values.get("--block-size") == str(s["llm_kv_block_tokens"]), f"{what}: --block-size")
    check(float(values.get("--gpu-memory-utilization", "nan")) == s["llm_gpu_memory_utilization"],
          f"{what}: --gpu-memory-utilization")


def check_llm_template(docs, fmt, model, s, what):
    if fmt == "kubernetes":
        kinds = {d["kind"]: d for d in docs}
        for d in docs:
            if d["kind"] in KUBERNETES["kinds"]:
                validate(KUBERNETES, d, f"{what} {d['kind']}", KUBERNETES["kinds"][d["kind"]])
        container = kinds["Deployment"]["spec"]["template"]["spec"]["containers"][0]
        # One pod is one replica on llm_tensor_parallel GPUs (docs/models/llm-serving.md).
        tp = s["llm_tensor_parallel"]
        check(container["resources"]["limits"]["nvidia.com/gpu"] == str(tp), f"{what}: {tp} GPUs per pod")
        check("env" not in container, f"{what}: no dynamic-batching variables for a token-level server")
        check_vllm(container, model, s, tp, container["ports"][0]["containerPort"], what)
    elif fmt == "cloud-run":
        validate(KNATIVE, docs[0], what)
        container = docs[0]["spec"]["template"]["spec"]["containers"][0]
        check_vllm(container, model, s, 1, container["ports"][0]["containerPort"], what)
    else:
        props = docs[0]["properties"]
        container = props["template"]["containers"][0]
        check_vllm(container, model, s, 1, props["configuration"]["ingress"]["targetPort"], what)


def check_template(path, fmt, platform, settings, what):
    with open(path) as f:
        text = f.read()
    docs = [d for d in yaml.safe_load_all(text) if d is not None]
    if fmt == "kubernetes":
        check_kubernetes(docs, settings, platform, what)
    else:
        check(len(docs) == 1, f"{what}: one document")
        {"sam": lambda: (check_managed_instances(docs[0], settings, what)
                         if platform == "aws-lambda-managed-instances" else check_lambda(fmt, docs[0], settings, what)),
         "cloudformation": lambda: check_lambda(fmt, docs[0], settings, what),
         "cloud-run": lambda: check_cloud_run(docs[0], settings, what),
         "container-apps": lambda: check_container_apps(docs[0], settings, what)}[fmt]()
    return text


def settings_of(run_dir):
    with open(os.path.join(run_dir, "report_context.json")) as f:
        context = json.load(f)
    return {c["name"]: (c["platform"], {p["key"]: p["value"] for p in c["parameters"]}) for c in context["candidates"]}


def servesim(*args):
    return subprocess.run([os.environ.get("SERVESIM_BIN", "build/cli/servesim"), *args], capture_output=True,
                          text=True)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        scenario = os.path.join(tmp, "scenario.json")
        with open(scenario, "w") as f:
            json.dump(SCENARIO, f)
        run_dir = os.path.join(tmp, "run")
        r = servesim("run", scenario, "--out", run_dir, "--quiet")
        if r.returncode != 0:
            print("servesim run failed:", r.stderr)
            return 1
        with open(os.path.join(run_dir, "summary.json")) as f:
            summary = {c["name"]: c for c in json.load(f)["candidates"]}
        for name, (platform, settings) in settings_of(run_dir).items():
            for fmt in FORMATS[platform]:
                out = os.path.join(tmp, "export", name, fmt)
                r = servesim("export", run_dir, "--candidate", name, "--format", fmt, "--out", out)
                what = f"{name} ({platform}) as {fmt}"
                check(r.returncode == 0 and r.stderr == "", f"{what}: exit {r.returncode}: {r.stderr}")
                path = os.path.join(out, FILES[fmt])
                check(r.stdout == path + "\n", f"{what}: prints the path it wrote, got {r.stdout!r}")
                text = check_template(path, fmt, platform, settings, what)
                # The head names the run and its figures, as summary.json has them.
                c = summary[name]
                head = "".join(line for line in text.splitlines(True) if line.startswith("#"))
                check(f"candidate {name} ({platform})" in head and "export-cases" in head, f"{what}: run in head")
                check(f"cost ${c['cost_usd']['total']:.6g}" in head, f"{what}: cost in head")
                check(f"SLO attainment {c['slo']['attainment'] * 100:.2f}%" in head, f"{what}: attainment in head")
                check(f"p99 {c['latency_ms']['p99']:.1f} ms" in head, f"{what}: p99 in head")
            # A format of another platform: one line, exit status 2, nothing written.
            other = next(f for p, fs in FORMATS.items() if p != platform for f in fs if f not in FORMATS[platform])
            out = os.path.join(tmp, "refused", name)
            r = servesim("export", run_dir, "--candidate", name, "--format", other, "--out", out)
            check(r.returncode == 2 and r.stderr.count("\n") == 1, f"{name} as {other}: {r.returncode} {r.stderr!r}")
            check(f"runs on {platform}, which exports as {', '.join(FORMATS[platform])}" in r.stderr,
                  f"{name} as {other}: names the formats it has: {r.stderr!r}")
            check(not os.path.exists(out), f"{name} as {other}: nothing written")

        # An unknown candidate and a folder that is not a run: one line, exit status 2.
        r = servesim("export", run_dir, "--candidate", "nope", "--format", "sam", "--out", os.path.join(tmp, "x"))
        check(r.returncode == 2 and "expected one of the run's candidates (lambda-full, " in r.stderr,
              f"unknown candidate: {r.stderr!r}")
        r = servesim("export", tmp, "--candidate", "pool", "--format", "kubernetes", "--out", os.path.join(tmp, "x"))
        check(r.returncode == 2 and "expected a servesim run folder (with report_context.json)" in r.stderr,
              f"not a run folder: {r.stderr!r}")

        # A language model: each GPU candidate's template runs vLLM as the run simulated it.
        scenario = os.path.join(tmp, "llm.json")
        with open(scenario, "w") as f:
            json.dump(LLM_SCENARIO, f)
        run_dir = os.path.join(tmp, "llm-run")
        r = servesim("run", scenario, "--out", run_dir, "--quiet")
        check(r.returncode == 0, f"LLM run: {r.stderr}")
        if r.returncode == 0:
            with open(os.path.join(run_dir, "summary.json")) as f:
                models = {c["name"]: c["model"] for c in json.load(f)["candidates"]}
            for name, (platform, settings) in settings_of(run_dir).items():
                fmt = FORMATS[platform][0]
                out = os.path.join(tmp, "llm-export", name)
                r = servesim("export", run_dir, "--candidate", name, "--format", fmt, "--out", out)
                what = f"{name} ({platform}) as {fmt}"
                check(r.returncode == 0, f"{what}: exit {r.returncode}: {r.stderr}")
                if r.returncode == 0:
                    with open(os.path.join(out, FILES[fmt])) as f:
                        docs = [d for d in yaml.safe_load_all(f) if d is not None]
                    check_llm_template(docs, fmt, models[name], settings, what)

    # The bundled scenarios' candidates, exported by tests/cli/bundled_scenarios_test.cpp.
    bundled = os.environ.get("SERVESIM_EXPORT_BUNDLED", "")
    checked = 0
    if bundled and os.path.isdir(bundled):
        for scenario in sorted(os.listdir(bundled)):
            with open(os.path.join("scenarios", scenario + ".json")) as f:
                candidates = {c["name"]: c for c in json.load(f)["candidates"]}
            platforms = {n: c["platform"] for n, c in candidates.items()}
            for name in sorted(os.listdir(os.path.join(bundled, scenario))):
                for fmt in sorted(os.listdir(os.path.join(bundled, scenario, name))):
                    path = os.path.join(bundled, scenario, name, fmt, FILES[fmt])
                    with open(path) as f:
                        docs = [d for d in yaml.safe_load_all(f) if d is not None]
                    what = f"{scenario}/{name} as {fmt}"
                    if fmt == "kubernetes":
                        # A gateway's routing is no manifest field: the comment head says which to deploy.
                        routing = candidates[name].get("llm_routing", "round-robin")
                        with open(path) as f:
                            text = f.read()
                        check(("# Routing:" in text) == (routing != "round-robin"), f"{what}: routing comment")
                        check((routing != "prefix-aware") or "cache_aware policy" in text, f"{what}: gateway")
                    if fmt == "sam":
                        # The vendored SAM schema predates AcceleratorConfig (a GPU Lambda Managed Instances
                        # function): checked by hand in check_managed_instances, left out here.
                        for r in docs[0]["Resources"].values():
                            accelerator = r["Properties"].pop("AcceleratorConfig", None)
                            check(accelerator is None or accelerator.get("AcceleratorMemorySize") in
                                  (3, 6, 12, 16, 24, 48), f"{what}: AcceleratorMemorySize")
                        validate(SAM, docs[0], what)
                    elif fmt == "cloud-run":
                        validate(KNATIVE, docs[0], what)
                    elif fmt == "kubernetes":
                        for d in docs:
                            if d["kind"] in KUBERNETES["kinds"]:
                                validate(KUBERNETES, d, f"{what} {d['kind']}", KUBERNETES["kinds"][d["kind"]])
                    check(platforms.get(name) in FORMATS, f"{what}: a platform with formats")
                    checked += 1
    print(f"export_schemas: {checked} bundled templates validated")
    for f in failures:
        print("FAILED:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
