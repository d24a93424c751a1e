"""Entrypoints resolve to @flow functions and parameters match their signatures.

Static analysis with `ast`: user code is never imported or run, so a flow module that needs
credentials, a database or packages missing here is still checked.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .prefect_yaml import deployments, schedules
from .report import Finding, did_you_mean
from .source import Document, is_template_string


@dataclass(frozen=True)
class FlowSignature:
    name: str
    parameters: tuple[str, ...]
    required: tuple[str, ...]
    any_keyword: bool


class EntrypointError(Exception):
    pass


def _is_flow_decorator(node: ast.expr) -> bool:
    target = node.func if isinstance(node, ast.Call) else node
    if isinstance(target, ast.Name):
        return target.id in ("flow", "Flow")
    if isinstance(target, ast.Attribute):
        return target.attr in ("flow", "Flow")
    return False


def _signature(function: ast.FunctionDef | ast.AsyncFunctionDef) -> FlowSignature:
    args = function.args
    positional = [*args.posonlyargs, *args.args]
    defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    required = [a.arg for a, d in zip(positional, defaults, strict=True) if d is None]
    required += [a.arg for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d is None]
    names = [a.arg for a in positional] + [a.arg for a in args.kwonlyargs]
    return FlowSignature(function.name, tuple(names), tuple(required), args.kwarg is not None)


def resolve_entrypoint(root: Path, entrypoint: str) -> FlowSignature:
    """`path/to/file.py:function` -> the flow's signature; EntrypointError says what is wrong."""
    if ":" not in entrypoint:
        raise EntrypointError(f"entrypoint {entrypoint!r} must be `path/to/file.py:flow_function`")
    file_part, _, object_path = entrypoint.rpartition(":")
    source = root / file_part
    if not source.is_file():
        raise EntrypointError(f"entrypoint {entrypoint!r}: no file {file_part}")
    try:
        tree = ast.parse(source.read_text(encoding="utf-8"), filename=str(source))
    except SyntaxError as problem:
        raise EntrypointError(f"entrypoint {entrypoint!r}: {file_part} does not parse: "
                              f"line {problem.lineno}: {problem.msg}") from None
    body: list[ast.stmt] = tree.body
    *owners, name = object_path.split(".")
    for owner in owners:  # Class.method entrypoints
        classes = [n for n in body if isinstance(n, ast.ClassDef) and n.name == owner]
        if not classes:
            raise EntrypointError(f"entrypoint {entrypoint!r}: no class {owner} in {file_part}")
        body = classes[0].body
    functions = {n.name: n for n in body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    if name in functions:
        function = functions[name]
        if not any(_is_flow_decorator(d) for d in function.decorator_list):
            raise EntrypointError(f"entrypoint {entrypoint!r}: {name} in {file_part} is not "
                                  "decorated with @flow")
        return _signature(function)
    for node in body:  # `name = flow(some_function)`
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name
                                                for t in node.targets):
            value = node.value
            if isinstance(value, ast.Call) and _is_flow_decorator(value.func if isinstance(
                    value.func, ast.Call) else value):
                inner = value.args[0] if value.args else None
                if isinstance(inner, ast.Name) and inner.id in functions:
                    return _signature(functions[inner.id])
                return FlowSignature(name, (), (), any_keyword=True)  # cannot see the signature
    raise EntrypointError(f"entrypoint {entrypoint!r}: no function {name} in {file_part}"
                          f"{did_you_mean(name, functions)}")


def check_flows(doc: Document, file: str, root: Path) -> list[Finding]:
    findings: list[Finding] = []
    for i, deployment in enumerate(deployments(doc.data)):
        entrypoint = deployment.get("entrypoint")
        label = deployment.get("name") or i
        if not isinstance(entrypoint, str) or is_template_string(entrypoint):
            if entrypoint is None:
                findings.append(Finding(file, doc.line(("deployments", i)), "entrypoint",
                                        "error", f"deployment {label} has no entrypoint"))
            continue
        try:
            flow = resolve_entrypoint(root, entrypoint)
        except EntrypointError as problem:
            findings.append(Finding(file, doc.line(("deployments", i, "entrypoint")),
                                    "entrypoint", "error", str(problem)))
            continue
        given: list[tuple[tuple[str | int, ...], Any]] = [
            (("deployments", i, "parameters"), deployment.get("parameters"))]
        given += [((*path, "parameters"), s.get("parameters"))
                  for path, s in schedules(deployment, i) if isinstance(s, dict)]
        for path, parameters in given:
            if not isinstance(parameters, dict):
                continue
            for key in parameters:
                if key not in flow.parameters and not flow.any_keyword:
                    findings.append(Finding(
                        file, doc.line((*path, key)), "parameters", "error",
                        f"deployment {label}: flow {flow.name} has no parameter {key!r}"
                        f"{did_you_mean(str(key), flow.parameters)}"))
        params = deployment.get("parameters") if isinstance(deployment.get("parameters"),
                                                            dict) else {}
        scheduled = [s for _, s in schedules(deployment, i) if isinstance(s, dict)]
        for name in flow.required:
            if name in params:
                continue
            if scheduled and not all(name in (s.get("parameters") or {}) for s in scheduled):
                findings.append(Finding(
                    file, doc.line(("deployments", i, "parameters")), "parameters", "error",
                    f"deployment {label}: flow {flow.name} requires parameter {name!r}, which "
                    "neither `parameters` nor every schedule gives; scheduled runs would fail"))
    return findings
