#!/usr/bin/env python3
"""Derives the small schema files of this folder from the published ones (see README.md for the sources).

Usage: derive.py K8S_SWAGGER_JSON SAM_SCHEMA_JSON KNATIVE_SERVICE_CRD_YAML OUT_DIR

Only the definitions reachable from the resources servesim export writes are kept, so that the repository
holds kilobytes instead of megabytes; nothing else is changed except where README.md says so.
"""
import json
import sys

import yaml


def closure(definitions, roots):
    """The names of the definitions reachable from `roots` through "#/definitions/NAME" references."""
    seen, todo = set(), list(roots)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)

        def walk(node):
            if isinstance(node, dict):
                ref = node.get("$ref")
                if isinstance(ref, str) and ref.startswith("#/definitions/"):
                    todo.append(ref[len("#/definitions/"):])
                for value in node.values():
                    walk(value)
            elif isinstance(node, list):
                for value in node:
                    walk(value)

        walk(definitions[name])
    return sorted(seen)


def strict_kubernetes(definitions):
    """As the "strict" schemas of kubeconform do: objects with properties refuse unknown keys; an apiVersion
    and kind are the ones the definition is for; int-or-string and quantities take a string or a number."""
    for name, schema in definitions.items():
        if name.endswith("util.intstr.IntOrString"):
            definitions[name] = {"oneOf": [{"type": "string"}, {"type": "integer"}]}
            continue
        if name.endswith("api.resource.Quantity"):
            definitions[name] = {"oneOf": [{"type": "string"}, {"type": "number"}]}
            continue
        if "properties" in schema and "additionalProperties" not in schema:
            schema["additionalProperties"] = False
        for gvk in schema.get("x-kubernetes-group-version-kind", [])[:1]:
            group = gvk["group"]
            api_version = (group + "/" if group else "") + gvk["version"]
            schema["properties"]["apiVersion"] = {"type": "string", "enum": [api_version]}
            schema["properties"]["kind"] = {"type": "string", "enum": [gvk["kind"]]}
            schema["required"] = sorted(set(schema.get("required", [])) | {"apiVersion", "kind"})


def without_descriptions(node):
    """The schema without its prose (description, markdownDescription, title): a quarter of the size."""
    if isinstance(node, dict):
        return {k: without_descriptions(v) for k, v in node.items()
                if k not in ("description", "markdownDescription", "title") or not isinstance(v, str)}
    if isinstance(node, list):
        return [without_descriptions(v) for v in node]
    return node


def write(schema, path):
    with open(path, "w") as out:
        json.dump(without_descriptions(schema), out, indent=1, sort_keys=True)
        out.write("\n")


def strict_crd(node):
    """An object schema of the CRD with properties refuses unknown keys (the API server would prune them
    silently, losing a setting), unless it says x-kubernetes-preserve-unknown-fields."""
    if isinstance(node, dict):
        if ("properties" in node and "additionalProperties" not in node
                and not node.get("x-kubernetes-preserve-unknown-fields")):
            node["additionalProperties"] = False
        for value in node.values():
            strict_crd(value)
    elif isinstance(node, list):
        for value in node:
            strict_crd(value)


def derive_sam(sam_path, out):
    sam = json.load(open(sam_path))
    kept = ["samtranslator__internal__schema_source__aws_serverless_function__Resource",
            "samtranslator__internal__schema_source__aws_serverless_capacity_provider__Resource"]
    # A template whose every resource is a serverless function or a Lambda Managed Instances capacity
    # provider: the catch-all "any CloudFormation resource" alternative of the published schema is left out,
    # so a resource that does not match is an error.
    sam["properties"]["Resources"]["additionalProperties"] = {"anyOf": [{"$ref": "#/definitions/" + k} for k in kept]}
    roots = kept + [r["$ref"][len("#/definitions/"):] for r in sam["properties"].values() if "$ref" in r]
    sam["definitions"] = {name: sam["definitions"][name] for name in closure(sam["definitions"], roots)}
    write(sam, out + "/sam.json")


def main():
    k8s_path, sam_path, knative_path, out = sys.argv[1:5]

    swagger = json.load(open(k8s_path))
    roots = {
        "Deployment": "io.k8s.api.apps.v1.Deployment",
        "Service": "io.k8s.api.core.v1.Service",
        "HorizontalPodAutoscaler": "io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler",
    }
    names = closure(swagger["definitions"], roots.values())
    definitions = {name: swagger["definitions"][name] for name in names}
    strict_kubernetes(definitions)
    kubernetes = {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "description": "Deployment, Service and HorizontalPodAutoscaler (autoscaling/v2), strict",
        "kinds": {kind: {"$ref": "#/definitions/" + name} for kind, name in roots.items()},
        "definitions": definitions,
    }
    write(kubernetes, out + "/kubernetes.json")

    derive_sam(sam_path, out)

    crd = yaml.safe_load(open(knative_path))
    version = next(v for v in crd["spec"]["versions"] if v["name"] == "v1")
    service = dict(version["schema"]["openAPIV3Schema"])
    service["properties"] = dict(service["properties"])
    service["properties"]["apiVersion"] = {"type": "string", "enum": ["serving.knative.dev/v1"]}
    service["properties"]["kind"] = {"type": "string", "enum": ["Service"]}
    service["required"] = ["apiVersion", "kind", "metadata", "spec"]
    strict_crd(service)
    write(service, out + "/knative-service.json")


if __name__ == "__main__":
    main()
