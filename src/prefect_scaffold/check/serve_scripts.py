"""Serve scripts (`flow.serve(...)`, `flow.to_deployment(...)`): the prefect.yaml of serve projects.

Statically: the flow is imported from a project file and decorated with @flow, literal `cron`
strings are valid, `interval` > 0, literal `parameters` match the flow's signature.
"""

from __future__ import annotations

import ast
from pathlib import Path

from .flows import (
    EntrypointError,
    EntrypointNotChecked,
    FlowSignature,
    parse_python,
    resolve_entrypoint,
)
from .report import Finding, did_you_mean
from .source import SourceError, read_text

SERVE_METHODS = ("serve", "to_deployment", "deploy")


def serve_scripts(root: Path) -> list[Path]:
    """Top-level Python files that serve or deploy flows."""
    found = []
    for path in sorted(root.glob("*.py")):
        try:
            text = read_text(path, root)
        except SourceError:
            continue  # not a small UTF-8 file inside the project: not a serve script of ours
        if any(f".{m}(" in text for m in SERVE_METHODS):
            found.append(path)
    return found


def _imports(tree: ast.Module, root: Path) -> dict[str, str]:
    """Local name -> `path/to/module.py:name` for `from pkg.mod import name` of project files."""
    found = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            module = Path(*node.module.split("."))
            source = root / module.with_suffix(".py")
            if not source.is_file():
                continue
            for alias in node.names:
                found[alias.asname or alias.name] = f"{module.with_suffix('.py').as_posix()}:" \
                                                    f"{alias.name}"
    return found


def check_serve_scripts(script: Path, file: str, root: Path) -> list[Finding]:
    from prefect.client.schemas.schedules import CronSchedule
    from pydantic import ValidationError

    try:
        tree = parse_python(script, root)
    except SourceError as problem:
        return [Finding(file, problem.line, "syntax", "error", f"Python file {problem}")]
    imports = _imports(tree, root)
    findings: list[Finding] = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in SERVE_METHODS and isinstance(node.func.value, ast.Name)):
            continue
        entrypoint = imports.get(node.func.value.id)
        if entrypoint is None:
            continue  # not a flow imported from this project (or defined here): not checked
        flow: FlowSignature | None = None
        try:
            flow = resolve_entrypoint(root, entrypoint)
        except EntrypointError as problem:
            findings.append(Finding(file, node.lineno, "entrypoint", "info" if isinstance(
                problem, EntrypointNotChecked) else "error", str(problem)))
        keywords = {k.arg: k.value for k in node.keywords if k.arg}
        cron = keywords.get("cron")
        if isinstance(cron, ast.Constant) and isinstance(cron.value, str):
            try:
                CronSchedule(cron=cron.value)
            except ValidationError:
                findings.append(Finding(file, cron.lineno, "schedule", "error",
                                        f"invalid cron schedule {cron.value!r}"))
        interval = keywords.get("interval")
        if isinstance(interval, ast.Constant) and isinstance(interval.value, (int, float)) \
                and interval.value <= 0:
            findings.append(Finding(file, interval.lineno, "schedule", "error",
                                    "interval must be greater than 0 seconds"))
        parameters = keywords.get("parameters")
        if flow and isinstance(parameters, ast.Dict) and not flow.any_keyword:
            for key in parameters.keys:
                if isinstance(key, ast.Constant) and key.value not in flow.parameters:
                    findings.append(Finding(file, key.lineno, "parameters", "error",
                                            f"flow {flow.name} has no parameter {key.value!r}"
                                            f"{did_you_mean(str(key.value), flow.parameters)}"))
    return findings
