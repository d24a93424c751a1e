"""Helm values for the prefect-worker chart, against the chart's own values.schema.json.

The schema is vendored (data/, see data/README.md for its commit and license) so the check works
offline. `worker` and most objects below it have `additionalProperties: false`, so a misspelt or
renamed value fails `helm install`; we report it with the line and a did-you-mean, plus the
chart's documented renames (its UPGRADING.md).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from .report import Finding, did_you_mean
from .source import Document

SCHEMA_FILE = Path(__file__).parent / "data" / "prefect-worker.values.schema.json"

#: Values renamed by the chart (prefect-worker UPGRADING.md): old key -> new key.
RENAMED = {
    "serverApiConfig": "selfHostedServerApiConfig",
    "selfHostedCloudApiConfig": "customerManagedCloudApiConfig",
}
WORKER_KEYS = {"config", "apiConfig", "cloudApiConfig", "selfHostedServerApiConfig",
               "customerManagedCloudApiConfig", "image", *RENAMED}


@cache
def chart_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def is_worker_values(path: Path, data: Any) -> bool:
    """A values file of the prefect-worker chart: a `worker` mapping with the chart's keys."""
    if not isinstance(data, dict) or not isinstance(data.get("worker"), dict):
        return False
    return bool(WORKER_KEYS & set(data["worker"])) and "job_configuration" not in data


def check_helm_values(doc: Document, file: str) -> list[Finding]:
    import jsonschema

    schema = chart_schema()
    validator = jsonschema.Draft7Validator(schema)
    findings: list[Finding] = []
    for error in sorted(validator.iter_errors(doc.data), key=lambda e: list(map(str, e.path))):
        path = tuple(error.absolute_path)
        where = ".".join(str(p) for p in path) or "values"
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            allowed = set(error.schema.get("properties", {}))
            for key in error.instance:
                if key in allowed:
                    continue
                hint = (f" (renamed to {RENAMED[key]!r} by the chart)" if key in RENAMED
                        else did_you_mean(str(key), allowed))
                findings.append(Finding(file, doc.line((*path, key)), "helm-values", "error",
                                        f"{where}.{key}: not a value of the prefect-worker chart"
                                        f"{hint}"))
            continue
        findings.append(Finding(file, doc.line(path), "helm-values", "error",
                                f"{where}: {_message(error)}"))
    return findings


def _message(error: Any) -> str:
    if error.validator == "type":
        expected = error.validator_value
        expected = " or ".join(expected) if isinstance(expected, list) else expected
        return f"must be {expected}, not {type(error.instance).__name__} {error.instance!r}"
    if error.validator == "enum":
        return f"{error.instance!r} is not one of {', '.join(map(str, error.validator_value))}"
    return str(error.message)


def worker_setting(data: Any, *keys: str) -> Any:
    """`worker.<keys...>` of a values mapping, or None."""
    node = data.get("worker") if isinstance(data, dict) else None
    for key in keys:
        node = node.get(key) if isinstance(node, dict) else None
    return node
