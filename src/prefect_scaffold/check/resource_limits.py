"""Kubernetes requests above limits: the API server refuses such a pod, so every flow run fails.

No schema sees it (each value is a valid quantity on its own), so the job variables of each
deployment are compared with the defaults of the pool's base job template they fall back to, a
base job template's own defaults are compared too, and so is every `resources` block of Helm
values and Kubernetes manifests (the worker's own pod). Quantities compare by value (`500m` < `1`,
`512Mi` < `1Gi`), as https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/
defines them.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from .job_variables import PoolTemplate
from .prefect_yaml import deployments
from .report import Finding
from .source import Document

RULE = "requests-limits"
_SUFFIXES = {"m": Decimal("0.001"), "": Decimal(1),
             **{s: Decimal(1000) ** (i + 1) for i, s in enumerate("kMGTPE")},
             **{f"{s}i": Decimal(1024) ** (i + 1) for i, s in enumerate("KMGTPE")}}
_QUANTITY = re.compile(r"^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(?:[eE]([+-]?[0-9]+))?"
                       r"(m|[kMGTPE]i?|Ki)?$")


def parse_quantity(value: Any) -> Decimal | None:
    """The value of a Kubernetes quantity (`500m`, `1Gi`, `2`, `1e3`), None when it is not one."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    match = _QUANTITY.match(str(value).strip())
    if not match or (match.group(3) or "") not in _SUFFIXES:
        return None
    number = Decimal(match.group(1)) * Decimal(10) ** int(match.group(2) or 0)
    return number * _SUFFIXES[match.group(3) or ""]


def _defaults(variables: dict[str, Any]) -> dict[str, Any]:
    properties = variables.get("properties")
    if not isinstance(properties, dict):
        return {}
    return {k: v.get("default") for k, v in properties.items() if isinstance(v, dict)}


def _compare(values: dict[str, Any], where: str) -> list[tuple[str, str]]:
    """(resource, message) for each resource whose request exceeds its limit."""
    found = []
    for resource in ("cpu", "memory"):
        request, limit = values.get(f"{resource}_request"), values.get(f"{resource}_limit")
        request_value, limit_value = parse_quantity(request), parse_quantity(limit)
        if request_value is not None and limit_value is not None and request_value > limit_value:
            found.append((resource, f"{resource}_request {request} exceeds {resource}_limit "
                                    f"{limit}{where}: Kubernetes refuses a pod whose request is "
                                    "above its limit, so every flow run would fail"))
    return found


def check_job_variable_limits(doc: Document, file: str,
                              templates: dict[str, PoolTemplate]) -> list[Finding]:
    """Each deployment's requests and limits: job variables over its pool template's defaults."""
    findings = []
    for i, deployment in enumerate(deployments(doc.data)):
        pool = deployment.get("work_pool")
        if not isinstance(pool, dict) or not isinstance(pool.get("job_variables"), dict):
            continue
        job_variables = pool["job_variables"]
        template = templates.get(str(pool.get("name")))
        defaults = _defaults(template.variables) if template else {}
        values = {**defaults, **job_variables}
        for resource, message in _compare(values, f" (deployment {i + 1})"):
            given = next((k for k in (f"{resource}_limit", f"{resource}_request")
                          if k in job_variables), None)
            if given is None:
                continue  # both from the template: reported on the template itself
            line = doc.line(("deployments", i, "work_pool", "job_variables", given))
            findings.append(Finding(file, line, RULE, "error", message))
    return findings


def check_template_limits(doc: Document, file: str) -> list[Finding]:
    """A base job template whose own defaults request more than they allow."""
    variables = doc.data.get("variables") if isinstance(doc.data, dict) else None
    if not isinstance(variables, dict):
        return []
    return [Finding(file, doc.line(("variables", "properties", f"{resource}_limit")), RULE,
                    "error", message)
            for resource, message in _compare(_defaults(variables), " (defaults)")]


def check_resources_blocks(doc: Document, file: str) -> list[Finding]:
    """Every `resources: {requests, limits}` in Helm values or a manifest (containers, worker)."""
    findings = []
    for path, resources in _resources_blocks(doc.data, ()):
        requests, limits = resources["requests"], resources["limits"]
        for resource in ("cpu", "memory"):
            request = parse_quantity(requests.get(resource))
            limit = parse_quantity(limits.get(resource))
            if request is not None and limit is not None and request > limit:
                where = ".".join(str(part) for part in path)
                findings.append(Finding(
                    file, doc.line((*path, "limits", resource)), RULE, "error",
                    f"{where}: {resource} request {requests[resource]} exceeds its limit "
                    f"{limits[resource]}: Kubernetes refuses a pod whose request is above its "
                    "limit"))
    return findings


def _resources_blocks(data: Any, path: tuple[Any, ...]) -> list[tuple[tuple[Any, ...], dict]]:
    found: list[tuple[tuple[Any, ...], dict]] = []
    if isinstance(data, dict):
        block = data.get("resources")
        if isinstance(block, dict) and isinstance(block.get("requests"), dict) \
                and isinstance(block.get("limits"), dict):
            found.append(((*path, "resources"), block))
        for key, value in data.items():
            found += _resources_blocks(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _resources_blocks(value, (*path, index))
    return found
