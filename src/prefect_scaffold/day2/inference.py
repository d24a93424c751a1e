"""Read a template's answers off a Prefect project that was not rendered by us (for `adopt`).

What a repository already says wins over a template's defaults: its project name, its first
deployment's flow, schedule, work pool and queue, image, namespace, git pull step, Helm values and
serve script. Each answer remembers the file it came from, so an answer the template rejects
names that file (and `--data` overrides it).
"""

from __future__ import annotations

import ast
import re
import tomllib
from keyword import iskeyword
from pathlib import Path
from typing import Any

import yaml

from prefect_scaffold import project_files
from prefect_scaffold.answers.team_defaults import TeamDefaults
from prefect_scaffold.check.serve_scripts import serve_scripts
from prefect_scaffold.limits import Unbounded, load_yaml

_FLOW_NAME = re.compile(r"[a-z][a-z0-9_]{0,49}")
_TEMPLATE_STRING = re.compile(r"\{\{.*\}\}")
_ECR = re.compile(r"(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com")


def _yaml(path: Path, root: Path) -> Any:
    """A YAML file of the repository (bounded, never outside it); None if absent or broken."""
    try:
        return load_yaml(project_files.read_text(root, path.relative_to(root)))
    except (OSError, yaml.YAMLError, UnicodeDecodeError, RecursionError, Unbounded):
        return None


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _literal(value: Any) -> bool:
    return isinstance(value, str | int | float) and not _TEMPLATE_STRING.search(str(value))


def has_prefect_project(root: Path) -> bool:
    return project_files.is_file(root, "prefect.yaml") or bool(serve_scripts(root))


def infer(root: Path) -> list[TeamDefaults]:
    """Answers found in `root`, one layer per file they came from (lowest precedence first)."""
    layers = [_pyproject(root), _helm_values(root), _serve_script(root), _prefect_yaml(root)]
    return [layer for layer in layers if layer.values]


#: How an inferred answer's source reads in messages (after the file it came from).
READ_BY_ADOPT = " (read by adopt; override with --data)"


def _layer(root: Path, file: Path, values: dict[str, Any]) -> TeamDefaults:
    source = f"{file.relative_to(root)}{READ_BY_ADOPT}"
    return TeamDefaults(source, {k: v for k, v in values.items() if _literal(v)}, {})


#: Distributions a rendered project depends on: a project named like one depends on itself.
_DEPENDED_ON = {"prefect", "prefect-aws", "prefect-azure", "prefect-docker", "prefect-gcp",
                "prefect-kubernetes"}


def _project_name(name: str) -> dict[str, str]:
    """{"project_name": ...} for a name, or nothing when it names a package we depend on."""
    project_name = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return {} if project_name in _DEPENDED_ON else {"project_name": project_name}


def _pyproject(root: Path) -> TeamDefaults:
    path = root / "pyproject.toml"
    try:
        project = _mapping(tomllib.loads(project_files.read_text(root, path.name))
                           .get("project"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        project = {}
    values = _project_name(project["name"]) if isinstance(project.get("name"), str) else {}
    if isinstance(project.get("description"), str):
        values["description"] = project["description"]
    return _layer(root, path, values)


def _helm_values(root: Path) -> TeamDefaults:
    for path in sorted(root.glob("*/values*.yaml")) + sorted(root.glob("values*.yaml")):
        config = _mapping(_mapping(_mapping(_yaml(path, root)).get("worker")).get("config"))
        if isinstance(config.get("workPool"), str):
            values = {"work_pool_name": config["workPool"]}
            if queues := _list(config.get("workQueues")):
                values["work_queue_name"] = queues[0]
            return _layer(root, path, values)
    return _layer(root, root, {})


def _serve_script(root: Path) -> TeamDefaults:
    """The first `flow.serve(...)`/`to_deployment(...)`: flow module, cron or interval."""
    for script in serve_scripts(root):
        try:
            tree = ast.parse(project_files.read_text(root, script.relative_to(root)))
        except (SyntaxError, UnicodeDecodeError, RecursionError, MemoryError):
            continue
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("serve", "to_deployment")):
                continue
            values: dict[str, Any] = {"schedule": "", "interval_minutes": 0}
            if isinstance(node.func.value, ast.Name):
                values["flow_name"] = node.func.value.id
            for keyword in node.keywords:
                if keyword.arg == "cron" and isinstance(keyword.value, ast.Constant):
                    values["schedule"] = keyword.value.value
                    values.pop("interval_minutes")  # asked only without a cron schedule
                elif keyword.arg == "interval" and isinstance(keyword.value, ast.Constant) \
                        and isinstance(keyword.value.value, int) and keyword.value.value % 60 == 0:
                    values["interval_minutes"] = keyword.value.value // 60
            return _layer(root, script, values)
    return _layer(root, root, {})


def _prefect_yaml(root: Path) -> TeamDefaults:
    path = root / "prefect.yaml"
    document = _mapping(_yaml(path, root))
    values: dict[str, Any] = {}
    if isinstance(document.get("name"), str):
        values.update(_project_name(document["name"]))
    deployment = _mapping((_list(document.get("deployments")) or [{}])[0])
    entrypoint = deployment.get("entrypoint")
    if isinstance(entrypoint, str) and ":" in entrypoint:
        # Your flow's function names the template's flow (adopt adds no example flow of that name).
        function = entrypoint.rpartition(":")[2]
        if _FLOW_NAME.fullmatch(function) and not iskeyword(function) \
                and function not in ("flow", "task", "test"):
            values["flow_name"] = function
    # Prefect 3 files list `schedules:`, Prefect 2 files have one `schedule:`. No schedule (or one
    # the answers cannot say, like 30 seconds) is no schedule, never the template's default cron.
    schedule = _mapping((_list(deployment.get("schedules")) or [deployment.get("schedule")])[0])
    if deployment:
        values.update(schedule="", interval_minutes=0)
    if isinstance(schedule.get("cron"), str):
        values["schedule"] = schedule["cron"]
        values.pop("interval_minutes", None)  # asked only without a cron schedule
    elif isinstance(schedule.get("interval"), int | float) and schedule["interval"] % 60 == 0:
        values["interval_minutes"] = int(schedule["interval"]) // 60
    pool = _mapping(deployment.get("work_pool"))
    if isinstance(pool.get("name"), str):
        values["work_pool_name"] = pool["name"]
    if isinstance(pool.get("work_queue_name"), str):
        values["work_queue_name"] = pool["work_queue_name"]
    job_variables = _mapping(pool.get("job_variables"))
    for key in ("namespace", "service_account_name", "cpu", "memory", "cluster"):
        if key in job_variables:
            values["ecs_cluster" if key == "cluster" else key] = job_variables[key]
    values.update(_image(document, job_variables))
    values.update(_git_pull(document))
    return _layer(root, path, values)


def _image(document: dict[str, Any], job_variables: dict[str, Any]) -> dict[str, Any]:
    """image_registry and image_name (and ECR's account, region, repository) of the flow image."""
    image = job_variables.get("image")
    for step in _list(document.get("build")):
        for name, spec in _mapping(step).items():
            if name.endswith("build_docker_image") and _literal(_mapping(spec).get("image_name")):
                image = _mapping(spec)["image_name"]
    if not (isinstance(image, str) and _literal(image) and "/" in image):
        return {}
    registry, _, name = image.split("@")[0].rpartition("/")
    name = name.split(":")[0]
    values: dict[str, Any] = {"image_registry": registry, "image_name": name}
    if match := _ECR.fullmatch(registry):
        values.update(aws_account_id=match["account"], aws_region=match["region"],
                      ecr_repository=name)
    return values


def _git_pull(document: dict[str, Any]) -> dict[str, Any]:
    for step in _list(document.get("pull")):
        for name, spec in _mapping(step).items():
            if name.endswith("git_clone") and _literal(_mapping(spec).get("repository")):
                values = {"code_storage": "git", "git_repository": _mapping(spec)["repository"]}
                if _literal(_mapping(spec).get("branch")):
                    values["git_branch"] = _mapping(spec)["branch"]
                return values
    return {}
