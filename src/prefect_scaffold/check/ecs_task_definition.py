"""ECS task definitions (JSON with `containerDefinitions`): botocore's model and Fargate sizes.

Validated against the input shape of ECS RegisterTaskDefinition in botocore's service model, the
same description the AWS CLI validates `--cli-input-json` with. botocore is optional: without it
this check is skipped with an info finding.
"""

from __future__ import annotations

from typing import Any

from .files import install_hint
from .report import Finding, did_you_mean
from .source import Document

#: Valid Fargate memory (MiB) per task CPU units, from AWS's "task CPU and memory" table
#: (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html);
#: 8192 and 16384 CPU need Linux platform version 1.4.0 or later.
FARGATE_MEMORY: dict[int, list[int]] = {
    256: [512, 1024, 2048],
    512: list(range(1024, 4096 + 1, 1024)),
    1024: list(range(2048, 8192 + 1, 1024)),
    2048: list(range(4096, 16384 + 1, 1024)),
    4096: list(range(8192, 30720 + 1, 1024)),
    8192: list(range(16384, 61440 + 1, 4096)),
    16384: list(range(32768, 122880 + 1, 8192)),
}


def _units(value: Any, unit: str) -> int | None:
    """ECS accepts `1024`, `"1024"`, `"1 vCPU"` / `"2 GB"`; None when it is something else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        if text.isdigit():
            return int(text)
        number, _, suffix = text.partition(" ")
        try:
            amount = float(number)
        except ValueError:
            return None
        if unit == "cpu" and suffix == "vcpu":
            return int(amount * 1024)
        if unit == "memory" and suffix == "gb":
            return int(amount * 1024)
    return None


def fargate_problem(cpu: Any, memory: Any) -> str | None:
    """Why cpu/memory is not a Fargate size, or None (also None when not checkable)."""
    cpu_units, memory_mib = _units(cpu, "cpu"), _units(memory, "memory")
    if cpu_units is None or memory_mib is None:
        return None
    if cpu_units not in FARGATE_MEMORY:
        return (f"cpu {cpu} is not a Fargate size; use one of "
                f"{', '.join(map(str, FARGATE_MEMORY))}")
    allowed = FARGATE_MEMORY[cpu_units]
    if memory_mib not in allowed:
        return (f"memory {memory} is not allowed with cpu {cpu} on Fargate; allowed: "
                f"{allowed[0]}-{allowed[-1]} MiB"
                + (f" in steps of {allowed[1] - allowed[0]}" if len(allowed) > 3 else
                   f" ({', '.join(map(str, allowed))})"))
    return None


def is_task_definition(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("containerDefinitions"), list)


def check_task_definition(doc: Document, file: str) -> list[Finding]:
    data = doc.data
    findings: list[Finding] = []
    try:
        import botocore.session
    except ImportError:
        findings.append(Finding(file, 1, "ecs-task-definition", "info",
                                "botocore is not installed: task definition fields not checked "
                                f"({install_hint('botocore', file)})"))
    else:
        model = botocore.session.get_session().get_service_model("ecs")
        shape = model.operation_model("RegisterTaskDefinition").input_shape
        # `describe-task-definition` output carries read-only fields: accept them quietly.
        read_only = set(model.shape_for("TaskDefinition").members) - set(shape.members)
        for path, message in _validate(data, shape, (), read_only):
            findings.append(Finding(file, doc.line(path), "ecs-task-definition", "error",
                                    message))
    fargate = "FARGATE" in (data.get("requiresCompatibilities") or [])
    if fargate and data.get("cpu") is not None and data.get("memory") is not None:
        problem = fargate_problem(data["cpu"], data["memory"])
        if problem:
            findings.append(Finding(file, doc.line(("memory",)), "fargate", "error", problem))
    elif fargate:
        findings.append(Finding(file, doc.line(()), "fargate", "error",
                                "a FARGATE task definition needs task-level cpu and memory"))
    return findings


def _validate(value: Any, shape: Any, path: tuple[str | int, ...],
              ignore: set[str] | frozenset[str] = frozenset(),
              ) -> list[tuple[tuple[str | int, ...], str]]:
    where = ".".join(str(p) for p in path) or "task definition"
    kind = shape.type_name
    problems: list[tuple[tuple[str | int, ...], str]] = []
    if kind == "structure":
        if not isinstance(value, dict):
            return [(path, f"{where}: expected an object, got {type(value).__name__}")]
        members = shape.members
        for key, item in value.items():
            if key in members:
                problems += _validate(item, members[key], (*path, key))
            elif key not in ignore:
                problems.append(((*path, key), f"{where}: unknown field {key!r}"
                                 f"{did_you_mean(str(key), members)}"))
        for key in shape.required_members:
            if key not in value:
                problems.append((path, f"{where}: missing required field {key!r}"))
    elif kind == "list":
        if not isinstance(value, list):
            return [(path, f"{where}: expected a list, got {type(value).__name__}")]
        for index, item in enumerate(value):
            problems += _validate(item, shape.member, (*path, index))
    elif kind == "map":
        if not isinstance(value, dict):
            return [(path, f"{where}: expected an object, got {type(value).__name__}")]
        for key, item in value.items():
            problems += _validate(item, shape.value, (*path, key))
    elif kind == "string":
        if not isinstance(value, str):
            return [(path, f"{where}: expected a string, got {type(value).__name__} {value!r}")]
        if shape.enum and value not in shape.enum:
            problems.append((path, f"{where}: {value!r} is not one of {', '.join(shape.enum)}"))
    elif kind in ("integer", "long") and (not isinstance(value, int) or isinstance(value, bool)):
        return [(path, f"{where}: expected an integer, got {type(value).__name__} {value!r}")]
    elif kind == "boolean" and not isinstance(value, bool):
        return [(path, f"{where}: expected true or false, got {value!r}")]
    return problems
