"""Kubernetes objects: YAML manifests in the project and the Job a base job template describes.

Validated strictly (unknown fields are errors, as `kubectl apply --validate=strict` does) with
kubernetes-validate, a development dependency: when it is not importable, each file gets an info
finding instead. A base job template's `job_manifest` is validated as the worker would submit it:
each `{{ var }}` replaced with the variable's default, or a value of the variable's type when it
has none (Prefect's own `apply_values`), then the fields prefect-kubernetes fills in itself
(env as a list, args split, image and generateName when absent).
"""

from __future__ import annotations

import copy
import shlex
from typing import Any

from .files import install_hint
from .report import Finding
from .source import Document, strings

#: The Kubernetes version manifests are validated for (a release kubernetes-validate ships).
K8S_VERSION = "1.33"
RULE = "k8s-manifest"
#: What prefect-kubernetes uses when the manifest has no image or args.
DEFAULT_IMAGE = "prefecthq/prefect:3-latest"
DEFAULT_ARGS = ["prefect", "flow-run", "execute"]


def is_manifest(data: Any) -> bool:
    """A Kubernetes object: `apiVersion` and `kind` strings (prefect.yaml and others have not)."""
    return isinstance(data, dict) and isinstance(data.get("apiVersion"), str) \
        and isinstance(data.get("kind"), str) and "{{" not in data["apiVersion"] + data["kind"]


def is_templated(data: Any) -> bool:
    """A Helm or other template (`{{ .Values.x }}`): not a manifest until rendered."""
    return any("{{" in text for _, text in strings(data))


def _validator() -> Any:
    try:
        import kubernetes_validate
    except ImportError:
        return None
    return kubernetes_validate


NOT_INSTALLED = "Kubernetes manifests not validated: kubernetes-validate is not installed"


def _not_installed(file: str, doc: Document) -> Finding:
    return Finding(file, doc.line(()), RULE, "info",
                   f"{NOT_INSTALLED} ({install_hint('kubernetes-validate', file)})")


def check_manifest(doc: Document, file: str) -> list[Finding]:
    """One YAML document that is a Kubernetes object."""
    validator = _validator()
    if validator is None:
        return [_not_installed(file, doc)]
    if is_templated(doc.data):
        return [Finding(file, doc.line(()), RULE, "info",
                        f"{doc.data['kind']} holds `{{{{ ... }}}}` templating; not validated")]
    return _validate(validator, doc.data, doc, file, ())


def check_base_job_manifest(doc: Document, file: str) -> list[Finding]:
    """The Job a Kubernetes base job template makes the worker submit."""
    manifest = doc.data["job_configuration"].get("job_manifest")
    if not is_manifest(manifest):
        return []
    validator = _validator()
    if validator is None:
        return [_not_installed(file, doc)]
    rendered = worker_manifest(doc.data)
    return _validate(validator, rendered, doc, file, ("job_configuration", "job_manifest"),
                     manifest)


def worker_manifest(template: dict[str, Any]) -> dict[str, Any]:
    """job_manifest with variables at their defaults, completed as prefect-kubernetes does."""
    from prefect.utilities.templating import apply_values

    variables = template.get("variables") or {}
    values = {name: value for name, schema in (variables.get("properties") or {}).items()
              if (value := _sample(schema, variables)) is not None}
    manifest = apply_values(copy.deepcopy(template["job_configuration"]["job_manifest"]), values)
    if not isinstance(manifest, dict):
        return {}
    containers = (((manifest.get("spec") or {}).get("template") or {}).get("spec") or {}) \
        .get("containers")
    for container in containers if isinstance(containers, list) else []:
        if not isinstance(container, dict):
            continue
        env = container.get("env")
        if isinstance(env, dict):  # the worker turns the env variable into a list of pairs
            container["env"] = [{"name": k, "value": v} for k, v in env.items()]
        if isinstance(container.get("args"), str):
            container["args"] = shlex.split(container["args"])
    if isinstance(containers, list) and containers and isinstance(containers[0], dict):
        containers[0].setdefault("image", DEFAULT_IMAGE)
        containers[0].setdefault("args", list(DEFAULT_ARGS))
    metadata = manifest.get("metadata")
    if isinstance(metadata, dict):
        name = metadata.get("generateName")
        if not name or (isinstance(name, str) and (name in ("-", "None-") or "{{" in name)):
            metadata["generateName"] = "prefect-job-"
    return manifest


def _placeholder_at(template: Any, path: list[Any]) -> str | None:
    """The `{{ var }}` string at (or above) `path` in the un-rendered manifest."""
    node = template
    for part in path:
        if isinstance(node, str):
            break
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    return f"{node.strip()!s}" if isinstance(node, str) and "{{" in node else None


def _sample(schema: Any, variables: dict[str, Any]) -> Any:
    """The variable's default, else a value of its type (None when neither is known)."""
    if not isinstance(schema, dict):
        return None
    if schema.get("default") is not None:
        return schema["default"]
    if schema.get("examples"):
        return schema["examples"][0]
    if schema.get("enum"):
        return schema["enum"][0]
    reference = schema.get("$ref")
    if isinstance(reference, str):
        name = reference.rsplit("/", 1)[-1]
        target = (variables.get("definitions") or variables.get("$defs") or {}).get(name)
        return _sample({k: v for k, v in (target or {}).items() if k != "default"}, variables) \
            if target else None
    for option in schema.get("anyOf") or schema.get("oneOf") or []:
        value = _sample(option, variables)
        if value is not None:
            return value
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    return {"string": "placeholder", "integer": max(schema.get("minimum", 1), 0),
            "number": max(schema.get("minimum", 1), 0), "boolean": True, "object": {},
            "array": []}.get(kind)


def _validate(validator: Any, data: dict[str, Any], doc: Document, file: str,
              prefix: tuple[str | int, ...], template: Any = None) -> list[Finding]:
    """Validate `data`; `template` is the job_manifest it was rendered from, if any."""
    label = f"{data.get('kind')} {data.get('apiVersion')}"
    try:
        validator.validate(data, K8S_VERSION, strict=True)
    except validator.utils.SchemaNotFoundError:
        return [Finding(file, doc.line(prefix), RULE, "info",
                        f"{label}: no Kubernetes {K8S_VERSION} schema (a custom resource?); "
                        "not validated")]
    except validator.ValidationError as error:
        path = (*prefix, *error.path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            known = (error.schema or {}).get("properties") or {}
            extra = [key for key in error.instance if key not in known]
            path = (*path, extra[0]) if extra else path
        where = ".".join(str(p) for p in error.path) or "(top)"
        rendered = ""
        if template is not None:
            source = _placeholder_at(template, list(error.path))
            rendered = f" ({source} at its default or a sample value)" if source else \
                " (job_manifest with its variables at their defaults)"
        return [Finding(file, doc.line(path), RULE, "error",
                        f"{label}{rendered} is not valid for Kubernetes "
                        f"{K8S_VERSION} at {where}: {error.message}")]
    except Exception as problem:  # a manifest too malformed for the schema lookup
        return [Finding(file, doc.line(prefix), RULE, "error",
                        f"{label}: cannot be validated: {problem}")]
    return []
