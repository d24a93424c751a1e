"""Deployment triggers validated as `prefect deploy` builds them, and keys Prefect drops.

prefect/cli/deploy/_triggers.py validates each trigger with `DeploymentTriggerTypes` after
templating; the trigger models ignore unknown keys (`extra="ignore"`), so `expects:` for
`expect:` deploys an automation that fires on every event. Triggers with `{{ ... }}` values are
validated only for their keys (their values are filled in at deploy time).
"""

from __future__ import annotations

from typing import Any

from .prefect_yaml import deployments
from .report import Finding, did_you_mean
from .source import Document, strings

Path_ = tuple[str | int, ...]


def check_triggers(doc: Document, file: str) -> list[Finding]:
    findings: list[Finding] = []
    for i, deployment in enumerate(deployments(doc.data)):
        items = deployment.get("triggers")
        if not isinstance(items, list) or not items:
            continue
        from prefect.cli.deploy._triggers import DeploymentTriggerAdapter
        from pydantic import ValidationError

        label = deployment.get("name") or i
        for j, spec in enumerate(items):
            path: Path_ = ("deployments", i, "triggers", j)
            if not isinstance(spec, dict):
                findings.append(Finding(file, doc.line(path), "trigger", "error",
                                        f"deployment {label}: a trigger must be a mapping"))
                continue
            templated = any("{{" in text for _, text in strings(
                {k: v for k, v in spec.items() if k != "parameters"}))
            try:
                trigger = DeploymentTriggerAdapter.validate_python(
                    {"name": "check", **spec})
            except ValidationError as problem:
                if not templated:
                    findings += _validation_errors(problem, doc, file, path, label, spec)
                continue
            findings += _unknown_keys(trigger, spec, doc, file, path, label)
    return findings


def _unknown_keys(model: Any, spec: dict[str, Any], doc: Document, file: str, path: Path_,
                  label: object) -> list[Finding]:
    fields = {info.alias or name for name, info in type(model).model_fields.items()}
    findings = [Finding(file, doc.line((*path, key)), "trigger", "error",
                        f"deployment {label}: unknown key {key!r} in a trigger"
                        f"{did_you_mean(str(key), fields)}; Prefect ignores it")
                for key in spec if str(key) not in fields]
    nested = getattr(model, "triggers", None)
    if isinstance(nested, list) and isinstance(spec.get("triggers"), list):
        for k, (inner, inner_spec) in enumerate(zip(nested, spec["triggers"], strict=False)):
            if isinstance(inner_spec, dict):
                findings += _unknown_keys(inner, inner_spec, doc, file, (*path, "triggers", k),
                                          label)
    return findings


def _validation_errors(problem: Any, doc: Document, file: str, path: Path_, label: object,
                       spec: dict[str, Any]) -> list[Finding]:
    """The first error of the union member the trigger's `type` selects."""
    error = problem.errors()[0]
    loc = [part for part in error["loc"] if not (isinstance(part, str) and part in (
        "event", "metric", "compound", "sequence"))]
    where: list[str | int] = []
    node: Any = spec
    for part in loc:
        if (isinstance(node, dict) and part in node) or (
                isinstance(node, list) and isinstance(part, int) and part < len(node)):
            where.append(part)
            node = node[part]
    field = ".".join(str(p) for p in where) or "trigger"
    return [Finding(file, doc.line((*path, *where)), "trigger", "error",
                    f"deployment {label}: trigger {field}: {error['msg']}; `prefect deploy` "
                    "fails creating its automation")]
