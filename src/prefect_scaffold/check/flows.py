"""Entrypoints resolve to @flow functions and parameters match their signatures.

Static analysis with `ast`: user code is never imported or run, so a flow module that needs
credentials, a database or packages missing here is still checked.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .files import is_inside
from .prefect_yaml import deployments, schedules
from .report import Finding, Severity, did_you_mean
from .source import Document, SourceError, is_template_string, read_text


@dataclass(frozen=True)
class FlowSignature:
    name: str
    parameters: tuple[str, ...]
    required: tuple[str, ...]
    any_keyword: bool
    #: parameter -> its annotation when that is a bare `int`, `float`, `str` or `bool`
    scalar_types: tuple[tuple[str, str], ...] = ()


class EntrypointError(Exception):
    pass


def _is_flow_decorator(node: ast.expr) -> bool:
    target = node.func if isinstance(node, ast.Call) else node
    if isinstance(target, ast.Name):
        return target.id in ("flow", "Flow")
    if isinstance(target, ast.Attribute):
        return target.attr in ("flow", "Flow")
    return False


def _signature(function: ast.FunctionDef | ast.AsyncFunctionDef,
               flow_calls: list[ast.expr]) -> FlowSignature:
    """The flow's signature; `flow_calls` are its `@flow(...)` / `flow(...)` expressions (with
    `validate_parameters=False` Prefect does not validate parameter types)."""
    args = function.args
    positional = [*args.posonlyargs, *args.args]
    defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    required = [a.arg for a, d in zip(positional, defaults, strict=True) if d is None]
    required += [a.arg for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d is None]
    names = [a.arg for a in positional] + [a.arg for a in args.kwonlyargs]
    validated = not any(isinstance(call, ast.Call) and any(
        k.arg == "validate_parameters" and not (isinstance(k.value, ast.Constant) and k.value.value)
        for k in call.keywords) for call in flow_calls)
    scalars = tuple((a.arg, a.annotation.id) for a in [*positional, *args.kwonlyargs]
                    if validated and isinstance(a.annotation, ast.Name)
                    and a.annotation.id in SCALAR_TYPES)
    return FlowSignature(function.name, tuple(names), tuple(required), args.kwarg is not None,
                         scalars)


#: Annotations whose values `check` validates as Prefect does before a run (pydantic, lax mode).
SCALAR_TYPES = {"int": int, "float": float, "str": str, "bool": bool}


def _type_mismatch(annotation: str, value: Any) -> str | None:
    """Pydantic's first error for `value` as the flow's `annotation` (Prefect's
    Flow.validate_parameters builds a pydantic model of the signature), or None when valid.
    Only YAML scalars are judged: `{{ }}` templates, `__prefect_kind` mappings, dates and null
    are resolved or special-cased by Prefect first."""
    if isinstance(value, bool | int | float) or (isinstance(value, str)
                                                 and not is_template_string(value)):
        from pydantic import TypeAdapter, ValidationError

        try:
            TypeAdapter(SCALAR_TYPES[annotation]).validate_python(value)
        except ValidationError as problem:
            return str(problem.errors()[0]["msg"])
    return None


class EntrypointNotChecked(EntrypointError):
    """The entrypoint may well be valid but its code is not here (an installed package)."""


class EntrypointElsewhere(EntrypointNotChecked):
    """An absolute path: valid only on a machine (or in an image) that has the file there."""


def parse_python(source: Path, root: Path) -> ast.Module:
    """A project Python file's syntax tree; SourceError says why there is none."""
    text = read_text(source, root)
    try:
        return ast.parse(text, filename=str(source))
    except SyntaxError as problem:
        raise SourceError(f"does not parse: {problem.msg}", problem.lineno) from None
    except (RecursionError, MemoryError, ValueError):  # nesting deeper than CPython's parser
        raise SourceError("nested too deeply for Python's parser", None) from None


def module_file(root: Path, module: str) -> Path | None:
    """The file of `module` in the project (flat or src layout) or on this interpreter's path,
    found without importing anything."""
    parts = module.split(".")
    if not all(part.isidentifier() for part in parts):
        return None
    for base in [root, root / "src", *(Path(p) for p in sys.path if p)]:
        for candidate in (base.joinpath(*parts).with_suffix(".py"),
                          base.joinpath(*parts, "__init__.py")):
            if candidate.is_file():
                return candidate
    return None


def resolve_entrypoint(root: Path, entrypoint: str) -> FlowSignature:
    """`path/to/file.py:function` or `pkg.module:function` / `pkg.module.function` -> the flow's
    signature; EntrypointError says what is wrong.

    Prefect's rule (`prefect.utilities.importtools.import_object`): with `.py:` it is a script
    path, else a module path split at the last `:` or, without one, at the last `.`.
    """
    if ".py:" in entrypoint:
        file_part, _, object_path = entrypoint.rpartition(":")
        source = root / file_part
        if Path(file_part).is_absolute() and not source.is_file():
            raise EntrypointElsewhere(
                f"entrypoint {entrypoint!r} is an absolute path: `prefect deploy` loads the flow "
                f"from the machine it runs on, so it works only where {file_part} exists (inside "
                "an image, say); a path relative to the deploy root works everywhere")
        if not is_inside(source, root):
            raise EntrypointNotChecked(f"entrypoint {entrypoint!r}: {file_part} is outside the "
                                       "project; not checked")
        if not source.is_file():
            raise EntrypointError(f"entrypoint {entrypoint!r}: no file {file_part}")
    else:
        separator = ":" if ":" in entrypoint else "."
        module, _, object_path = entrypoint.rpartition(separator)
        if not module or not object_path:
            raise EntrypointError(f"entrypoint {entrypoint!r} must be `path/to/file.py:flow` or "
                                  "`package.module:flow`")
        found = module_file(root, module)
        if found is None:
            raise EntrypointNotChecked(f"entrypoint {entrypoint!r}: module {module} is not in the "
                                       "project or installed here; not checked")
        source, file_part = found, module
        if not is_inside(source, root):  # an installed package: read, never imported
            root = source.parent
    try:
        tree = parse_python(source, root)
    except SourceError as problem:
        where = f" line {problem.line}:" if problem.line else ""
        raise EntrypointError(f"entrypoint {entrypoint!r}: {file_part}{where} {problem}") from None
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
        decorators = [d for d in function.decorator_list if _is_flow_decorator(d)]
        if decorators:
            return _signature(function, decorators)
        others = [ast.unparse(d) for d in function.decorator_list
                  if not ast.unparse(d).split("(")[0].endswith("task")]
        if others:  # a decorator of the project's own may return a flow
            raise EntrypointNotChecked(f"entrypoint {entrypoint!r}: {name} is decorated with "
                                       f"@{others[0]}, not @flow; not checked")
        raise EntrypointError(f"entrypoint {entrypoint!r}: {name} in {file_part} is not "
                              "decorated with @flow")
    for node in body:  # `name = flow(some_function)`
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name
                                                for t in node.targets):
            value = node.value
            if isinstance(value, ast.Call) and _is_flow_decorator(value.func if isinstance(
                    value.func, ast.Call) else value):
                inner = value.args[0] if value.args else None
                if isinstance(inner, ast.Name) and inner.id in functions:
                    return _signature(functions[inner.id], [value, value.func])
                return FlowSignature(name, (), (), any_keyword=True)  # cannot see the signature
    if name in _bound_names(body):  # imported or assigned: Prefect's import would find it
        raise EntrypointNotChecked(f"entrypoint {entrypoint!r}: {name} is imported or assigned "
                                   f"in {file_part}, not defined there; not checked")
    raise EntrypointError(f"entrypoint {entrypoint!r}: no function {name} in {file_part}"
                          f"{did_you_mean(name, functions)}")


def _bound_names(body: list[ast.stmt]) -> set[str]:
    """Names a module binds at top level other than by `def`."""
    names: set[str] = set()
    for node in body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
        elif isinstance(node, (ast.If, ast.Try)):  # `try: from x import f except ImportError`
            names |= _bound_names([*node.body, *getattr(node, "handlers", []), *node.orelse])
        elif isinstance(node, ast.ExceptHandler):
            names |= _bound_names(node.body)
    return names


def _severity(problem: EntrypointError) -> Severity:
    if isinstance(problem, EntrypointElsewhere):
        return "warning"
    return "info" if isinstance(problem, EntrypointNotChecked) else "error"


def check_flows(doc: Document, file: str, root: Path) -> list[Finding]:
    findings: list[Finding] = []
    resolved: dict[str, FlowSignature | EntrypointError] = {}  # many deployments, one flow
    for i, deployment in enumerate(deployments(doc.data)):
        entrypoint = deployment.get("entrypoint")
        label = deployment.get("name") or i
        if not isinstance(entrypoint, str) or is_template_string(entrypoint):
            if entrypoint is None:  # a nameless stub (`prefect init`) is filled from flags
                findings.append(Finding(file, doc.line(("deployments", i)), "entrypoint",
                                        "error" if deployment.get("name") else "info",
                                        f"deployment {label} has no entrypoint"))
            continue
        if entrypoint not in resolved:
            try:
                resolved[entrypoint] = resolve_entrypoint(root, entrypoint)
            except EntrypointError as problem:
                resolved[entrypoint] = problem
        flow = resolved[entrypoint]
        if isinstance(flow, EntrypointError):
            problem = flow
            findings.append(Finding(file, doc.line(("deployments", i, "entrypoint")),
                                    "entrypoint", _severity(problem),
                                    str(problem)))
            continue
        given: list[tuple[tuple[str | int, ...], Any]] = [
            (("deployments", i, "parameters"), deployment.get("parameters"))]
        given += [((*path, "parameters"), s.get("parameters"))
                  for path, s in schedules(deployment, i) if isinstance(s, dict)]
        for path, parameters in given:
            if not isinstance(parameters, dict):
                continue
            types = dict(flow.scalar_types)
            for key, value in parameters.items():
                if key not in flow.parameters and not flow.any_keyword:
                    findings.append(Finding(
                        file, doc.line((*path, key)), "parameters", "error",
                        f"deployment {label}: flow {flow.name} has no parameter {key!r}"
                        f"{did_you_mean(str(key), flow.parameters)}"))
                elif key in types and (why := _type_mismatch(types[key], value)):
                    findings.append(Finding(
                        file, doc.line((*path, key)), "parameters", "error",
                        f"deployment {label}: parameter {key!r} = {value!r} is not a valid "
                        f"{types[key]} for flow {flow.name} ({why}); Prefect fails each run "
                        "validating its parameters"))
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
