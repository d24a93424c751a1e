"""job_variables against the work pool's base job template, and custom base job templates.

Which template: a base job template file in the project (a JSON/YAML file with `job_configuration`
and `variables`) when prefect.yaml uses one pool, else the default template of the pool's type.
The type comes from `--pool-type`, else from hints in the project (see `pool_types`); the default
template from the installed worker package, else the copy Prefect ships offline
(`prefect/server/api/collections_data/views/aggregate-worker-metadata.json`). A push type
(`ecs:push`) is checked against its hybrid type's variables. Unknown type: an info finding.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from .ecs_task_definition import fargate_problem
from .prefect_yaml import deployments
from .report import Finding, Severity, did_you_mean
from .source import Document, is_template_string, strings

KNOWN_TYPES = ("kubernetes", "ecs", "cloud-run-v2", "cloud-run", "azure-container-instance",
               "docker", "process", "vertex-ai", "modal", "coiled")
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


@dataclass(frozen=True)
class PoolTemplate:
    """The `variables` schema of a pool's base job template and where it came from."""

    variables: dict[str, Any]
    source: str


def is_base_job_template(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("job_configuration"), dict) \
        and isinstance(data.get("variables"), dict)


#: The distribution that provides each worker type.
WORKER_PACKAGES = {"kubernetes": "prefect-kubernetes", "ecs": "prefect-aws",
                   "docker": "prefect-docker", "cloud-run": "prefect-gcp",
                   "cloud-run-v2": "prefect-gcp",
                   "vertex-ai": "prefect-gcp", "azure-container-instance": "prefect-azure",
                   "process": "prefect"}


def default_template(pool_type: str) -> PoolTemplate | None:
    """The installed worker's default template (cached per worker and Prefect version, since
    importing a worker costs more than the rest of `check`), else Prefect's offline copy."""
    from importlib import metadata

    from .pool_inference import worker_templates

    base = pool_type.removesuffix(":push")
    try:
        package = WORKER_PACKAGES[base]
        versions = f"{package}-{metadata.version(package)}-prefect-{metadata.version('prefect')}"
    except (KeyError, metadata.PackageNotFoundError):
        versions = None  # no worker package installed: Prefect's copy is all there is
    if versions:
        from . import cache

        stored = cache.folder().parent / "worker-templates" / f"{base}-{versions}.json"
        try:
            return PoolTemplate(json.loads(stored.read_text(encoding="utf-8")),
                                f"the {base} worker's default template")
        except (OSError, ValueError):
            pass
        variables = _installed_template(base)
        if variables is not None:
            cache.write_atomically(stored, json.dumps(variables))
            return PoolTemplate(variables, f"the {base} worker's default template")
    variables = worker_templates().get(base)
    if variables is None:
        return None
    return PoolTemplate(variables, f"the {base} worker's default template (Prefect's copy)")


def _installed_template(base: str) -> dict[str, Any] | None:
    try:
        from prefect.workers.base import BaseWorker

        worker = BaseWorker.get_worker_class_from_type(base)
        if worker is not None:
            variables = worker.get_default_base_job_template()["variables"]
            return variables if isinstance(variables, dict) else None
    except Exception:  # a broken worker install: fall back to Prefect's offline copy
        pass
    return None


def check_job_variables(doc: Document, file: str, pool_types: dict[str, str],
                        templates: dict[str, PoolTemplate],
                        inferred: set[str] | frozenset[str] = frozenset()) -> list[Finding]:
    """`templates` maps pool names to a project base job template; `pool_types` pool -> type;
    pools in `inferred` have a guessed type, so their findings are warnings."""
    from .pool_inference import all_variables

    findings: list[Finding] = []
    unchecked: list[str] = []
    for i, deployment in enumerate(deployments(doc.data)):
        pool = deployment.get("work_pool")
        if not isinstance(pool, dict) or not isinstance(pool.get("job_variables"), dict):
            continue
        job_variables, name = pool["job_variables"], pool.get("name")
        path = ("deployments", i, "work_pool", "job_variables")
        pool_type = pool_types.get(str(name))
        template = templates.get(str(name)) or (default_template(pool_type) if pool_type else None)
        severity: Severity = "warning" if str(name) in inferred and str(name) not in templates \
            else "error"
        findings += _never_pulled(doc, file, i, deployment, job_variables)
        if template is None:
            known = all_variables()
            for key in job_variables if known else ():
                if str(key) not in known:
                    findings.append(Finding(
                        file, doc.line((*path, key)), "job-variables", "warning",
                        f"{key!r} is not a job variable of any work pool type Prefect knows"
                        f"{did_you_mean(str(key), known)}; the type of pool {name!r} is "
                        f"unknown, pass --pool-type {name}=TYPE to check exactly"))
                elif problem := _invalid_for_every_type(key, job_variables[key]):
                    findings.append(Finding(
                        file, doc.line((*path, key)), "job-variables", "warning",
                        f"job variable {key}: {problem} (for every work pool type that has "
                        f"{key!r}; the type of pool {name!r} is unknown)"))
            if job_variables and str(name) not in unchecked:
                unchecked.append(str(name))
            continue
        properties = template.variables.get("properties", {})
        for key, value in job_variables.items():
            if key not in properties:
                findings.append(Finding(
                    file, doc.line((*path, key)), "job-variables", severity,
                    f"{key!r} is not a variable of work pool {name!r} ({template.source})"
                    f"{_hint(str(key), properties)}"))
            elif not is_template_string(value) and not _contains_template(value):
                problem = _schema_problem(value, properties[key], template.variables)
                if problem:
                    findings.append(Finding(file, doc.line((*path, key)), "job-variables",
                                            severity, f"job variable {key}: {problem}"))
        if (pool_type or "").startswith("ecs"):
            launch = job_variables.get("launch_type", "FARGATE")
            cpu, memory = job_variables.get("cpu"), job_variables.get("memory")
            if launch in ("FARGATE", "FARGATE_SPOT") and cpu is not None and memory is not None:
                problem = fargate_problem(cpu, memory)
                if problem:
                    findings.append(Finding(file, doc.line((*path, "memory")), "fargate",
                                            severity, f"job variables cpu/memory: {problem}"))
    if unchecked:  # once per file, not once per deployment
        first = doc.line(("deployments",))
        findings.append(Finding(file, first, "job-variables", "info",
                                "job_variables values not checked for work pool(s) "
                                f"{', '.join(map(repr, unchecked))}: type unknown (pass "
                                "--pool-type NAME=TYPE, or keep the base job template or Helm "
                                "values in the project)"))
    return findings


#: Variables people write for another one: Docker's `network` is `network_mode` (host,
#: bridge) or `networks` (names to attach) in the docker worker (prefect_docker/worker.py).
CONFUSED = {"network": ("network_mode", "networks")}


def _hint(key: str, properties: dict[str, Any]) -> str:
    meant = [name for name in CONFUSED.get(key, ()) if name in properties]
    if meant:
        return f" (did you mean {' or '.join(map(repr, meant))}?)"
    return did_you_mean(key, properties)


def _invalid_for_every_type(key: str, value: Any) -> str | None:
    """The schema problem of `value` when every known worker type that has `key` rejects it."""
    from .pool_inference import worker_templates

    if is_template_string(value) or _contains_template(value):
        return None
    problems = [_schema_problem(value, variables["properties"][key], variables)
                for variables in worker_templates().values() if key in variables["properties"]]
    return problems[0] if problems and all(problems) else None


def _never_pulled(doc: Document, file: str, index: int, deployment: dict[str, Any],
                  job_variables: dict[str, Any]) -> list[Finding]:
    """`image_pull_policy: Never` with an image this project pushes: the node never pulls the
    new tag, so runs fail with ErrImageNeverPull (Kubernetes) or "No such image"."""
    if job_variables.get("image_pull_policy") != "Never":
        return []
    push = deployment["push"] if "push" in deployment else (
        doc.data.get("push") if isinstance(doc.data, dict) else None)
    steps = push if isinstance(push, list) else [push] if isinstance(push, dict) else []
    if not any(isinstance(step, dict) and any("push_docker_image" in str(name) for name in step)
               for step in steps):
        return []
    path = ("deployments", index, "work_pool", "job_variables", "image_pull_policy")
    return [Finding(file, doc.line(path), "image-pull-policy", "warning",
                    "image_pull_policy: Never with an image this project pushes to a registry: "
                    "nodes never pull the pushed tag, so runs fail unless it is already on the "
                    "node; use IfNotPresent (or Always for a reused tag)")]


def _contains_template(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_contains_template(v) for v in value.values())
    if isinstance(value, list):
        return any(_contains_template(v) for v in value)
    return is_template_string(value)


def _schema_problem(value: Any, schema: dict[str, Any], variables: dict[str, Any]) -> str | None:
    import jsonschema

    wrapped = {**schema, "definitions": variables.get("definitions", {}),
               "$defs": variables.get("$defs", variables.get("definitions", {}))}
    try:
        error = jsonschema.exceptions.best_match(
            jsonschema.Draft202012Validator(wrapped).iter_errors(value))
    except jsonschema.exceptions.SchemaError:
        return None
    except Exception:  # unresolvable $ref in a custom template: not ours to report here
        return None
    return error.message if error else None


def check_base_job_template(doc: Document, file: str) -> list[Finding]:
    """Variables not placed in job_configuration have no effect; placeholders need a variable.

    https://github.com/PrefectHQ/prefect/pull/20133 (a declared variable is ignored unless
    `{{ var }}` appears in job_configuration).
    """
    data = doc.data
    declared = set(data["variables"].get("properties", {}))
    used: dict[str, tuple[str | int, ...]] = {}
    for path, text in strings(data["job_configuration"], ("job_configuration",)):
        for name in PLACEHOLDER.findall(text):
            used.setdefault(name, path)
    findings = [Finding(file, doc.line(path), "base-job-template", "error",
                        f"{{{{ {name} }}}} in job_configuration is not a declared variable"
                        f"{did_you_mean(name, declared)}")
                for name, path in used.items() if name not in declared]
    findings += [Finding(file, doc.line(("variables", "properties", name)), "base-job-template",
                         "warning", f"variable {name!r} is never used in job_configuration, so "
                         "setting it has no effect")
                 for name in sorted(declared - set(used))]
    return findings
