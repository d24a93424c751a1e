"""Infer a work pool's type when the project only names the pool (the usual case).

Hints, strongest first: job variable keys that only one worker type has (`namespace` ->
kubernetes, `task_definition_arn` -> ecs), then the pool's name (`prod-k8s`, `ecs-pool`) when the
keys do not contradict it; no guess when every key is one no worker type has. Types inferred here
are hints, not facts (the pool's real template may be customised), so job_variables checked
against them yield warnings, never errors.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

#: Words in pool names and the type they suggest.
NAME_HINTS = (
    (re.compile(r"k8s|kube"), "kubernetes"),
    (re.compile(r"\becs\b|fargate|ecs[-_]|[-_]ecs"), "ecs"),
    (re.compile(r"docker"), "docker"),
    (re.compile(r"cloud[-_]?run"), "cloud-run-v2"),
    (re.compile(r"\baci\b|azure|aci[-_]|[-_]aci"), "azure-container-instance"),
    (re.compile(r"vertex"), "vertex-ai"),
    (re.compile(r"process|local"), "process"),
)


@cache
def worker_templates() -> dict[str, dict[str, Any]]:
    """Worker type -> its default template's `variables`, from the metadata Prefect ships offline
    (`prefect/server/api/collections_data/views/aggregate-worker-metadata.json`), read without
    importing prefect."""
    import importlib.util

    spec = importlib.util.find_spec("prefect")
    if spec is None or not spec.origin:
        return {}
    aggregate = Path(spec.origin).parent / "server/api/collections_data/views" \
        / "aggregate-worker-metadata.json"
    try:
        metadata = json.loads(aggregate.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    found: dict[str, dict[str, Any]] = {}
    for workers in metadata.values():
        for name, worker in workers.items():
            variables = (worker.get("default_base_job_configuration") or {}).get("variables")
            if isinstance(variables, dict) and isinstance(variables.get("properties"), dict):
                found[name] = variables
    return found


def worker_variables() -> dict[str, frozenset[str]]:
    """Worker type -> its default template's variable names."""
    return {name: frozenset(v["properties"]) for name, v in worker_templates().items()}


def all_variables() -> frozenset[str]:
    """Every job variable some known worker type has."""
    return frozenset().union(*worker_variables().values())


def _name_hint(name: str) -> str | None:
    return next((kind for pattern, kind in NAME_HINTS if pattern.search(name.lower())), None)


def _confused(key: str, variables: frozenset[str]) -> bool:
    """Whether `key` is a known misnaming of one of `variables` (job_variables.CONFUSED)."""
    from .job_variables import CONFUSED

    return any(meant in variables for meant in CONFUSED.get(key, ()))


def infer_type(name: str, job_variables: Any) -> tuple[str, str] | None:
    """(type, why) for a pool from its job variable keys, then its name; None when unsure."""
    variables = worker_variables()
    keys = {str(k) for k in job_variables} if isinstance(job_variables, dict) else set()
    owners = {key: {t for t, names in variables.items() if key in names} for key in keys}
    unique = {next(iter(types)) for types in owners.values() if len(types) == 1}
    if len(unique) == 1:
        kind = unique.pop()
        telling = sorted(k for k, types in owners.items() if types == {kind})
        named = _name_hint(name)
        if named and named != kind and all(_confused(k, variables.get(named, frozenset()))
                                          for k in telling):
            # `network` on a pool named `local-docker`: a docker variable misnamed, not a
            # vertex-ai pool (the only type with `network`)
            return named, f"the pool's name {name!r}"
        return kind, f"job variable {telling[0]!r}, which only {kind} pools have"
    if unique:
        return None  # keys of several types: a custom template, or a mix-up; do not guess
    if keys and not any(owners.values()):
        # Only keys no worker type has (`my_flag`): the pool's template is customised, so the
        # name's type would only call them typos of a template the pool does not use.
        return None
    possible = set(variables)
    for types in owners.values():
        if types:
            possible &= types
    for pattern, kind in NAME_HINTS:
        if pattern.search(name.lower()) and kind in possible:
            return kind, f"the pool's name {name!r}"
    return None
