"""The files `adopt` writes from what a repository already has, instead of the template's example.

A template's serve.py and tests are written for its example flow; an adopted repository has its
own flows. From its prefect.yaml this module writes serve.py (serve_vm) with the repository's real
deployments (entrypoints imported by their module path, their parameters, schedules and tags;
nothing invented), tests of those deployments, and the template's tooling merged into the
repository's pyproject.toml (dev and deploy groups, uv settings, pytest and ruff configuration)
with every line of theirs kept.
"""

from __future__ import annotations

import json
import keyword
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from prefect_scaffold import project_files
from prefect_scaffold.errors import ScaffoldError
from prefect_scaffold.limits import Unbounded, load_yaml

_DOCSTRING = re.compile(r'"""(?:[^"]|"(?!""))*"""\n')
_SCHEDULES = {"cron": "Cron", "interval": "Interval", "rrule": "RRule"}
_LINE = 100


@dataclass(frozen=True)
class Deployment:
    """One deployment of prefect.yaml, as serve.py declares it."""

    name: str
    entrypoint: str  #: path/to/file.py:function, without a leading ./
    parameters: dict[str, Any] = field(default_factory=dict)
    schedules: list[dict[str, Any]] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)

    @property
    def function(self) -> str:
        return self.entrypoint.rpartition(":")[2]

    @property
    def module(self) -> str | None:
        """The import path of the entrypoint's file, or None when it is not importable by name."""
        parts = self.entrypoint.rpartition(":")[0].removesuffix(".py").split("/")
        return ".".join(parts) if all(map(_identifier, parts)) else None


def _identifier(text: str) -> bool:
    """Whether `text` may be written into Python source as a name (prefect.yaml is data: any
    other spelling goes into serve.py only as a string literal)."""
    return text.isidentifier() and not keyword.iskeyword(text)


def deployments(root: Path) -> list[Deployment]:
    """prefect.yaml's deployments that name an entrypoint (YAML anchors resolved)."""
    try:
        document = load_yaml(project_files.read_text(root, "prefect.yaml"))
    except (OSError, ScaffoldError, Unbounded, yaml.YAMLError, UnicodeDecodeError,
            RecursionError):
        return []
    entries = document.get("deployments") if isinstance(document, dict) else None
    found = []
    for entry in entries if isinstance(entries, list) else []:
        if not (isinstance(entry, dict) and isinstance(entry.get("entrypoint"), str)
                and ":" in entry["entrypoint"] and isinstance(entry.get("name"), str)):
            continue
        # Prefect 2 files have one `schedule:`, Prefect 3 files a list of `schedules:`.
        schedules = entry.get("schedules") or [entry.get("schedule")]
        found.append(Deployment(
            name=entry["name"], entrypoint=entry["entrypoint"].removeprefix("./"),
            parameters=entry.get("parameters") if isinstance(entry.get("parameters"), dict) else {},
            schedules=[s for s in schedules if isinstance(s, dict) and _schedule_kind(s)],
            tags=[t for t in entry.get("tags") or [] if isinstance(t, str)]))
    return found


def _schedule_kind(schedule: dict[str, Any]) -> str | None:
    for kind in ("cron", "interval", "rrule"):
        if schedule.get(kind) not in (None, ""):
            return kind
    return None


def _schedule_call(schedule: dict[str, Any]) -> str:
    kind = _schedule_kind(schedule)
    arguments = [_python(schedule[kind])]
    if kind == "interval" and isinstance(schedule.get("anchor_date"), str):
        anchor = _python(schedule["anchor_date"])
        arguments.append(f"anchor_date=datetime.fromisoformat({anchor})")
    if isinstance(schedule.get("timezone"), str):
        arguments.append(f"timezone={_python(schedule['timezone'])}")
    if schedule.get("active") is False:
        arguments.append("active=False")
    return f"{_SCHEDULES[kind]}({', '.join(arguments)})"


def _python(value: Any) -> str:
    """A Python literal for a YAML value (JSON, with Python's spelling of true/false/null)."""
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, dict):
        items = (f"{_python(str(k))}: {_python(v)}" for k, v in value.items())
        return "{" + ", ".join(items) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_python(v) for v in value) + "]"
    if isinstance(value, int | float):
        return repr(value) if math.isfinite(value) else f'float("{value}")'
    # JSON's \ud83d\ude00 would be two lone surrogates in Python: non-ASCII in Python's spelling.
    text = json.dumps(str(value), ensure_ascii=False)
    return "".join(c if c.isascii() else ascii(c)[1:-1] for c in text)


def _argument(name: str, value: str) -> str:
    line = f"            {name}={value},"
    return line if len(line) < _LINE else f"{line}  # noqa: E501"


def serve_script(template_serve: str, found: list[Deployment]) -> str | None:
    """The template's serve.py serving `found` instead of its example, or None when the
    template's serve.py is not the shape this knows (a team's own template)."""
    docstring = _DOCSTRING.match(template_serve)
    tail = re.search(r"^def wait_for_api\(", template_serve, re.MULTILINE)
    if not (docstring and tail and found):
        return None
    modules_of: dict[str, set[str | None]] = {}
    for deployment in found:
        modules_of.setdefault(deployment.function, set()).add(deployment.module)
    by_module: dict[str, set[str]] = {}
    flows = []  # each deployment's flow, as serve.py spells it
    for deployment in found:
        if (deployment.module and _identifier(deployment.function)
                and len(modules_of[deployment.function]) == 1):
            by_module.setdefault(deployment.module, set()).add(deployment.function)
            flows.append(deployment.function)
        else:  # no import path (01_load.py, my-flows/x.py), or two flows of one name
            flows.append(f"load_flow_from_entrypoint({_python(deployment.entrypoint)})")
    loads = any(flow.startswith("load_flow_from_entrypoint(") for flow in flows)
    kinds = sorted({_SCHEDULES[_schedule_kind(s)] for d in found for s in d.schedules})
    anchored = any("anchor_date" in s for d in found for s in d.schedules)
    prefect = ["from prefect import serve",
               "from prefect.client.orchestration import get_client",
               "from prefect.deployments.runner import RunnerDeployment",
               *(["from prefect.flows import load_flow_from_entrypoint"] if loads else []),
               *([f"from prefect.schedules import {', '.join(kinds)}"] if kinds else []),
               "from prefect.settings import PREFECT_API_URL"]
    lines = ["import logging", "import time", *(["from datetime import datetime"] if anchored
                                                 else []), "", *prefect, ""]
    lines += [f"from {module} import {', '.join(sorted(names))}"
              for module, names in sorted(by_module.items())]
    lines += ["", "", "def deployments() -> list[RunnerDeployment]:",
              '    """The deployments this process serves: those of prefect.yaml."""',
              "    return ["]
    for deployment, flow in zip(found, flows, strict=True):
        call = f"        {flow}.to_deployment("
        lines.append(call if len(call) < _LINE else f"{call}  # noqa: E501")
        lines.append(_argument("name", _python(deployment.name)))
        if deployment.schedules:
            calls = ", ".join(_schedule_call(s) for s in deployment.schedules)
            lines.append(_argument("schedules", f"[{calls}]"))
        if deployment.parameters:
            lines.append(_argument("parameters", _python(deployment.parameters)))
        if deployment.tags:
            lines.append(_argument("tags", _python(deployment.tags)))
        lines.append("        ),")
    lines += ["    ]", "", "", ""]
    return (docstring.group(0).rstrip("\n") + "\n\n" + "\n".join(lines)
            + template_serve[tail.start():])


DEPLOYMENTS_TEST = '''\
"""Every deployment in prefect.yaml loads its flow and passes it only parameters the flow takes.
Written by `prefect-scaffold adopt`; it reads prefect.yaml, so it follows your edits."""

import inspect
from pathlib import Path

import pytest
import yaml
from prefect.flows import load_flow_from_entrypoint

ROOT = Path(__file__).resolve().parent.parent
DEPLOYMENTS = (yaml.safe_load((ROOT / "prefect.yaml").read_text()) or {}).get("deployments") or []


@pytest.mark.parametrize("deployment", DEPLOYMENTS, ids=lambda d: str(d.get("name")))
def test_entrypoint_loads_a_flow_that_takes_its_parameters(deployment, monkeypatch):
    monkeypatch.chdir(ROOT)
    flow = load_flow_from_entrypoint(deployment["entrypoint"])
    signature = inspect.signature(flow.fn)
    takes_any = any(p.kind is p.VAR_KEYWORD for p in signature.parameters.values())
    unknown = set(deployment.get("parameters") or {}) - set(signature.parameters)
    assert takes_any or not unknown, f"{flow.name} takes no parameter {sorted(unknown)}"
'''

SERVE_TEST = '''\
"""serve.py serves the deployments prefect.yaml declares, and each registers with its parameters
and schedules. Written by `prefect-scaffold adopt` from this repository's prefect.yaml."""

import asyncio
from pathlib import Path

import pytest
import yaml
from prefect.client.orchestration import get_client

from serve import deployments

ROOT = Path(__file__).resolve().parent.parent
DECLARED = (yaml.safe_load((ROOT / "prefect.yaml").read_text()) or {}).get("deployments") or []


def test_serves_every_deployment_of_prefect_yaml():
    assert [d.name for d in deployments()] == [d["name"] for d in DECLARED]


@pytest.mark.prefect_server
def test_deployments_register_with_their_parameters_and_schedules():
    async def read(deployment_id):
        async with get_client() as client:
            return await client.read_deployment(deployment_id)

    for deployment in deployments():
        stored = asyncio.run(read(deployment.apply()))
        assert stored.parameters == deployment.parameters
        assert len(stored.schedules) == len(deployment.schedules or [])
'''


def _package(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;@(]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _add_missing(target: Any, requirements: list[str]) -> None:
    have = {_package(str(r)) for r in target}
    for requirement in requirements:
        if _package(requirement) not in have:
            target.append(requirement)


def _multiline(items: list[str]) -> Any:
    import tomlkit

    array = tomlkit.array()
    array.extend(items)
    return array.multiline(len(items) > 1)


def requirements_txt(root: Path) -> list[str]:
    """The requirements of requirements.txt (options, includes and comments left out)."""
    try:
        lines = project_files.read_text(root, "requirements.txt").splitlines()
    except (OSError, ScaffoldError, UnicodeDecodeError):
        return []
    found = [line.split(" #")[0].strip() for line in lines]
    return [line for line in found if re.match(r"[A-Za-z0-9]", line)]


def merged_pyproject(theirs: str | None, template: str, requirements: list[str],
                     not_linted: list[str]) -> str:
    """`theirs` (every line kept) plus what the template's CI, tests and deploy steps need.

    Without a pyproject of theirs, a project table from the template and requirements.txt, and no
    build system: uv then installs the dependencies without building the repository as a package.
    With no ruff configuration of theirs, the template's, excluding `not_linted` (their files as
    they were, which it never checked): CI lints what comes next from the first push.
    """
    import tomlkit

    ours = tomlkit.parse(template)
    document = tomlkit.parse(theirs) if theirs else tomlkit.document()
    dependencies = [str(r) for r in ours["project"]["dependencies"]]
    if "project" not in document:
        project = tomlkit.table()
        for key in ("name", "version", "description", "requires-python"):
            project[key] = ours["project"][key]
        template_packages = {_package(r) for r in dependencies}
        project["dependencies"] = _multiline(
            dependencies + [r for r in requirements if _package(r) not in template_packages])
        document.add("project", project)
    else:
        _add_missing(document["project"].setdefault("dependencies", tomlkit.array()), dependencies)
    groups = document.setdefault("dependency-groups", tomlkit.table())
    for name, items in ours.get("dependency-groups", {}).items():
        if name in groups:
            _add_missing(groups[name], [str(r) for r in items])
        else:
            groups[name] = _multiline([str(r) for r in items])
    tool = document.setdefault("tool", tomlkit.table(is_super_table=True))
    uv = tool.setdefault("uv", tomlkit.table())
    template_uv = ours["tool"]["uv"]
    default_groups = uv.setdefault("default-groups", tomlkit.array())
    for group in template_uv.get("default-groups", []):
        if group not in default_groups:
            default_groups.append(str(group))
    _add_missing(uv.setdefault("constraint-dependencies", tomlkit.array()),
                 [str(r) for r in template_uv.get("constraint-dependencies", [])])
    if "pytest" not in tool:
        pytest = tomlkit.table(is_super_table=True)
        options = tomlkit.table()
        options.update(ours["tool"]["pytest"]["ini_options"])
        options["pythonpath"] = ["."]  # your modules import from the repository root
        pytest["ini_options"] = options
        tool["pytest"] = pytest
    if "ruff" not in tool:
        ruff = tomlkit.table()
        ruff.update({k: v for k, v in ours["tool"]["ruff"].items() if k != "lint"})
        if not_linted:
            ruff.add(tomlkit.comment("Files that were here before adopt, never checked by ruff: "
                                     "remove each once `ruff check` passes on it."))
            ruff["extend-exclude"] = _multiline(not_linted)
        ruff["lint"] = ours["tool"]["ruff"]["lint"]
        tool["ruff"] = ruff
    return tomlkit.dumps(document)
