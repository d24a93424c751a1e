"""Across files: one pool name, one namespace, a worker image that can run its pool type.

Also infers each work pool's type from the project (Helm values, a `prefect worker start --pool P
--type T` command in a task definition or stack, or a `T:push` / `--type T` note in prefect.yaml),
which job_variables.py needs to pick the pool's default base job template.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .helm_values import worker_setting
from .job_variables import KNOWN_TYPES
from .pool_inference import infer_type
from .prefect_yaml import deployments
from .report import Finding
from .source import Document

WORKER_START = re.compile(r"worker[\"',\s]+start\b")
OPTION = r"--{}[\"',\s=]+(?P<value>[A-Za-z0-9_.:\-]+)"
TYPE_NOTE = re.compile(r"\b(?P<type>{})(?::push\b)".format("|".join(map(re.escape, KNOWN_TYPES))))


@dataclass(frozen=True)
class WorkerCommand:
    """A `prefect worker start` found in a project file."""

    file: str
    line: int
    pool: str | None
    type: str | None
    image: str | None = None
    extra_packages: str | None = None


@dataclass
class Project:
    """The artifacts found in a project, each with the path shown in findings."""

    prefect_yaml: tuple[str, Document] | None = None
    prefect_yaml_text: str = ""
    helm: list[tuple[str, Document]] = field(default_factory=list)
    task_definitions: list[tuple[str, Document]] = field(default_factory=list)
    base_job_templates: list[tuple[str, Document]] = field(default_factory=list)
    workers: list[WorkerCommand] = field(default_factory=list)
    k8s_manifests: list[tuple[str, Document]] = field(default_factory=list)

    def pools(self) -> dict[str, list[tuple[int, dict[str, Any]]]]:
        """Pool name -> (deployment index, deployment) of prefect.yaml's work-pool deployments."""
        found: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        data = self.prefect_yaml[1].data if self.prefect_yaml else None
        for i, deployment in enumerate(deployments(data)):
            pool = deployment.get("work_pool")
            if isinstance(pool, dict) and isinstance(pool.get("name"), str):
                found.setdefault(pool["name"], []).append((i, deployment))
        return found


def worker_commands(file: str, text: str) -> list[WorkerCommand]:
    commands = []
    for match in WORKER_START.finditer(text):
        rest = _command_rest(text[match.end():match.end() + 400])
        pool = re.search(OPTION.format("pool"), rest) or re.search(OPTION.format("p"), rest)
        kind = re.search(OPTION.format("type"), rest) or re.search(OPTION.format("t"), rest)
        commands.append(WorkerCommand(file, text.count("\n", 0, match.start()) + 1,
                                      pool.group("value") if pool else None,
                                      kind.group("value") if kind else None))
    return commands


def _command_rest(text: str) -> str:
    """The rest of one command: up to `]` (a JSON/YAML list) or an unescaped line end."""
    rest = text.split("]", 1)[0]
    kept = []
    for line in rest.split("\n"):
        kept.append(line)
        if not line.rstrip().endswith((",", "\\", "[")):
            break
    return " ".join(kept)


def parse_pool_types(given: str, pools: Any) -> dict[str, str]:
    """`--pool-type TYPE` (every pool) or `NAME=TYPE[,NAME=TYPE...]` -> pool name -> type."""
    if "=" not in given:
        return {name: given for name in pools}
    pairs = (item.partition("=") for item in given.split(",") if item.strip())
    return {name.strip(): kind.strip() for name, _, kind in pairs}


def pool_types(project: Project,
               given: str | None) -> tuple[dict[str, str], list[Finding], set[str]]:
    """Each prefect.yaml pool's type, an info finding saying where it came from, and the pools
    whose type is only inferred (see pool_inference)."""
    types: dict[str, str] = {}
    inferred: set[str] = set()
    notes: list[Finding] = []
    pools = project.pools()
    exact = parse_pool_types(given, pools) if given else {}
    note_types = {m.group(0) for m in TYPE_NOTE.finditer(project.prefect_yaml_text)}
    note_types |= set(re.findall(OPTION.format("type"), project.prefect_yaml_text))
    for name in pools:
        source = None
        if name in exact:
            types[name], source = exact[name], "from --pool-type"
        for file, doc in project.helm:
            if name not in types and worker_setting(doc.data, "config", "workPool") == name:
                types[name] = worker_setting(doc.data, "config", "type") or "kubernetes"
                source = f"from {file}"
        for worker in project.workers:
            if name not in types and worker.pool == name and worker.type:
                types[name], source = worker.type, f"from {worker.file}"
        if name not in types and len(note_types) == 1:
            types[name], source = next(iter(note_types)), "from a note in prefect.yaml"
        if name not in types:
            for _, deployment in pools[name]:
                guess = infer_type(name, deployment["work_pool"].get("job_variables"))
                if guess:
                    types[name] = guess[0]
                    source = f"inferred from {guess[1]}; pass --pool-type {name}={guess[0]} " \
                             "to be exact"
                    inferred.add(name)
                    break
        if name in types and project.prefect_yaml:
            file, doc = project.prefect_yaml
            index = pools[name][0][0]
            notes.append(Finding(file, doc.line(("deployments", index, "work_pool", "name")),
                                 "pool-type", "info",
                                 f"work pool {name!r}: type {types[name]} ({source})"))
    return types, notes, inferred


def check_consistency(project: Project) -> list[Finding]:
    findings: list[Finding] = []
    pools = project.pools()
    names = ", ".join(repr(p) for p in pools) or "none"
    for file, doc in project.helm:
        pool = worker_setting(doc.data, "config", "workPool")
        line = doc.line(("worker", "config", "workPool"))
        if pools and isinstance(pool, str) and pool and pool not in pools:
            findings.append(Finding(file, line, "pool-name", "error",
                                    f"the worker serves work pool {pool!r}, but prefect.yaml "
                                    f"deploys to {names}"))
        findings += _image_extra(file, doc)
        if isinstance(pool, str) and pool in pools:
            findings += _namespaces(project, file, doc, pools[pool])
    for worker in project.workers:
        if pools and worker.pool and worker.pool not in pools and "{" not in worker.pool \
                and "$" not in worker.pool:
            findings.append(Finding(worker.file, worker.line, "pool-name", "error",
                                    f"`prefect worker start --pool {worker.pool}`, but "
                                    f"prefect.yaml deploys to {names}"))
    for file, doc in project.task_definitions:
        findings += _ecs_worker_image(file, doc)
    return findings


def _image_extra(file: str, doc: Document) -> list[Finding]:
    """The chart's worker image must be the variant carrying the worker's package.

    https://github.com/PrefectHQ/prefect-helm/issues/200: a tag without `-kubernetes` starts a
    worker that cannot load the kubernetes worker.
    """
    kind = worker_setting(doc.data, "config", "type") or "kubernetes"
    repository = worker_setting(doc.data, "image", "repository") or "prefecthq/prefect"
    tag = worker_setting(doc.data, "image", "prefectTag")
    if kind != "kubernetes" or repository != "prefecthq/prefect" or not isinstance(tag, str):
        return []
    if tag.endswith("-kubernetes"):
        return []
    return [Finding(file, doc.line(("worker", "image", "prefectTag")), "worker-image", "error",
                    f"worker image prefecthq/prefect:{tag} lacks prefect-kubernetes; use a "
                    "`-kubernetes` tag, e.g. 3-python3.12-kubernetes")]


def _namespaces(project: Project, file: str, doc: Document,
                on_pool: list[tuple[int, dict[str, Any]]]) -> list[Finding]:
    """Jobs run in the job variable's namespace (or the template default); the worker's
    observer watches `jobNamespace`. Different namespaces: runs are never seen finishing, or
    RBAC forbids them (https://github.com/PrefectHQ/prefect-helm/issues/457)."""
    seen: list[tuple[str, int | None, str, str]] = []  # file, line, what, namespace
    if project.prefect_yaml:
        yaml_file, yaml_doc = project.prefect_yaml
        for i, deployment in on_pool:
            value = (deployment["work_pool"].get("job_variables") or {}).get("namespace")
            if isinstance(value, str) and "{{" not in value:
                seen.append((yaml_file, yaml_doc.line(("deployments", i, "work_pool",
                                                       "job_variables", "namespace")),
                             f"job_variables.namespace of {deployment.get('name')}", value))
    for template_file, template in project.base_job_templates:
        default = template.data["variables"].get("properties", {}).get("namespace", {})
        if isinstance(default, dict) and isinstance(default.get("default"), str):
            seen.append((template_file, template.line(("variables", "properties", "namespace")),
                         "the base job template's namespace default", default["default"]))
    findings: list[Finding] = []
    if seen:
        reference = seen[0]
        for where in seen[1:]:
            if where[3] != reference[3]:
                findings.append(Finding(where[0], where[1], "namespace", "error",
                                        f"{where[2]} is {where[3]!r} but {reference[2]} "
                                        f"({reference[0]}) is {reference[3]!r}"))
    watched = worker_setting(doc.data, "config", "jobNamespace")
    if isinstance(watched, str) and watched and seen and \
            not worker_setting(doc.data, "config", "observerClusterWide"):
        namespaces = {n.strip() for n in watched.split(",")}
        if seen[0][3] not in namespaces:
            findings.append(Finding(file, doc.line(("worker", "config", "jobNamespace")),
                                    "namespace", "error",
                                    f"worker.config.jobNamespace is {watched!r} but flow-run "
                                    f"Jobs run in {seen[0][3]!r} ({seen[0][2]})"))
    return findings


def _ecs_worker_image(file: str, doc: Document) -> list[Finding]:
    """An ECS worker container needs prefect-aws: its image, or EXTRA_PIP_PACKAGES."""
    findings = []
    for index, container in enumerate(doc.data.get("containerDefinitions") or []):
        if not isinstance(container, dict):
            continue
        command = " ".join(map(str, container.get("command") or []))
        if not re.search(r"worker start.*--type[ =]ecs\b", command):
            continue
        image = str(container.get("image", ""))
        env = {e.get("name"): str(e.get("value", "")) for e in container.get("environment") or []
               if isinstance(e, dict)}
        if "prefect-aws" not in image and "prefect-aws" not in env.get("EXTRA_PIP_PACKAGES", "") \
                and "prefecthq/prefect:" in image:
            findings.append(Finding(file, doc.line(("containerDefinitions", index, "image")),
                                    "worker-image", "error",
                                    f"the ECS worker runs {image}, which lacks prefect-aws; use "
                                    "the prefecthq/prefect-aws image or set EXTRA_PIP_PACKAGES "
                                    "to prefect-aws"))
    return findings
