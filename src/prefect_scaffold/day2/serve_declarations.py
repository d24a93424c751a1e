"""What a serve script declares, as prefect.yaml deployments (for `switch` off `serve_vm`).

Reads `flow.to_deployment(...)` and `flow.serve(...)` calls statically (nothing is imported or
run): the deployment name, cron or interval, parameters, tags, description, version and
concurrency limit, with the flow's entrypoint from the script's `from flows.x import y`. A value
that is not a literal cannot be carried over faithfully, so it is refused with its line.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from prefect_scaffold.errors import UnconvertibleServeScript

_CALLS = ("to_deployment", "serve")
_COPIED = {"parameters": "parameters", "tags": "tags", "description": "description",
           "version": "version", "concurrency_limit": "concurrency_limit",
           "limit": "concurrency_limit"}
_TIMEDELTA_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}


def deployments(project: Path, script: str = "serve.py") -> list[dict[str, Any]]:
    """The prefect.yaml `deployments` entries equivalent to `script`'s declarations."""
    path = project / script
    tree = ast.parse(path.read_text(), filename=script)
    entrypoints = _flow_imports(tree)
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in _CALLS and isinstance(node.func.value, ast.Name)
                and node.func.value.id in entrypoints):
            continue
        found.append((node.lineno, _deployment(node, entrypoints[node.func.value.id], script)))
    return [deployment for _, deployment in sorted(found, key=lambda item: item[0])]


def _flow_imports(tree: ast.Module) -> dict[str, str]:
    """Local name -> `flows/x.py:y` for `from flows.x import y` (the only flows we can locate)."""
    found = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            module = node.module.replace(".", "/") + ".py"
            for alias in node.names:
                found[alias.asname or alias.name] = f"{module}:{alias.name}"
    return found


def _deployment(call: ast.Call, entrypoint: str, script: str) -> dict[str, Any]:
    def literal(node: ast.expr, what: str) -> Any:
        try:
            return ast.literal_eval(node)
        except ValueError:
            problem = f"{what} is not a literal"
            raise UnconvertibleServeScript(script, node.lineno, problem) from None

    flow_name = entrypoint.rsplit(":", 1)[1]
    deployment: dict[str, Any] = {"name": flow_name.replace("_", "-"), "entrypoint": entrypoint}
    schedules: list[dict[str, Any]] = []
    for keyword in call.keywords:
        if keyword.arg == "name":
            deployment["name"] = literal(keyword.value, "name")
        elif keyword.arg == "cron":
            schedules.append({"cron": literal(keyword.value, "cron"), "timezone": "UTC"})
        elif keyword.arg == "interval":
            schedules.append({"interval": _seconds(keyword.value, script)})
        elif keyword.arg in _COPIED:
            deployment[_COPIED[keyword.arg]] = literal(keyword.value, keyword.arg)
        elif keyword.arg in ("rrule", "schedule", "schedules", "triggers"):
            raise UnconvertibleServeScript(script, keyword.value.lineno,
                                           f"{keyword.arg}= is not converted")
    deployment["schedules"] = schedules
    return deployment


def _seconds(node: ast.expr, script: str) -> int | float:
    """`interval=`: seconds as a number, or `timedelta(minutes=5)`-style."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return node.value
    if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) \
            == "timedelta" and not node.args:
        total = 0.0
        for keyword in node.keywords:
            unit = _TIMEDELTA_SECONDS.get(keyword.arg or "")
            if unit is None or not isinstance(keyword.value, ast.Constant):
                break
            total += keyword.value.value * unit
        else:
            return int(total) if total.is_integer() else total
    raise UnconvertibleServeScript(script, node.lineno, "interval is not a number of seconds or "
                                   "a literal timedelta(...)")
