"""build/push/pull steps: known step functions, their arguments, `{{ step-id.field }}` references.

Prefect imports a step only when it runs it, so a wrong step argument in `pull` deploys fine and
fails at run time (https://github.com/PrefectHQ/prefect/issues/16996), and a reference to an
undeclared step id renders to nothing (https://github.com/PrefectHQ/prefect/issues/17204).
"""

from __future__ import annotations

import inspect
import re
import typing
from dataclasses import dataclass
from functools import cache
from typing import Any

from .prefect_yaml import ACTION_SECTIONS, deployments
from .report import Finding, did_you_mean
from .source import Document, strings

#: Keys `run_step` consumes itself (prefect.deployments.steps.core.RESERVED_KEYWORDS).
RESERVED = {"id", "requires"}


@dataclass(frozen=True)
class StepSpec:
    """Argument names of a step function, `required` a subset; `outputs` None when unknown."""

    arguments: frozenset[str]
    required: frozenset[str]
    any_keyword: bool = False
    outputs: frozenset[str] | None = None


def _spec(arguments: str, required: str = "", any_keyword: bool = False,
          outputs: str | None = None) -> StepSpec:
    return StepSpec(frozenset(arguments.split()), frozenset(required.split()), any_keyword,
                    frozenset(outputs.split()) if outputs is not None else None)


#: Used when the step's package is not importable here (signatures of prefect 3.9,
#: prefect-docker 0.7, prefect-aws/gcp/azure storage steps).
KNOWN_STEPS: dict[str, StepSpec] = {
    "prefect.deployments.steps.set_working_directory": _spec("directory", "directory",
                                                             outputs="directory"),
    "prefect.deployments.steps.git_clone": _spec(
        "repository branch commit_sha include_submodules access_token credentials directories "
        "clone_directory_name", "repository", outputs="directory"),
    "prefect.deployments.steps.pull_from_remote_storage": _spec("url", "url", any_keyword=True),
    "prefect.deployments.steps.pull_with_block": _spec(
        "block_document_name block_type_slug", "block_document_name block_type_slug"),
    "prefect.deployments.steps.run_shell_script": _spec(
        "script directory env stream_output expand_env_vars shell", "script",
        outputs="stdout stderr"),
    "prefect.deployments.steps.pip_install_requirements": _spec(
        "directory requirements_file stream_output", outputs="stdout stderr"),
    "prefect_docker.deployments.steps.build_docker_image": _spec(
        "image_name dockerfile tag additional_tags ignore_cache persist_dockerfile "
        "dockerfile_output_path build_backend", "image_name", any_keyword=True,
        outputs="image_name tag image image_id additional_tags"),
    "prefect_docker.deployments.steps.push_docker_image": _spec(
        "image_name tag credentials additional_tags ignore_cache build_backend", "image_name",
        outputs="image_name tag image additional_tags"),
    "prefect_aws.deployments.steps.push_to_s3": _spec(
        "bucket folder credentials client_parameters ignore_file", "bucket folder",
        outputs="bucket folder"),
    "prefect_aws.deployments.steps.pull_from_s3": _spec(
        "bucket folder credentials client_parameters", "bucket folder",
        outputs="bucket folder directory"),
    "prefect_gcp.deployments.steps.push_to_gcs": _spec(
        "bucket folder project credentials ignore_file", "bucket folder"),
    "prefect_gcp.deployments.steps.pull_from_gcs": _spec(
        "bucket folder project credentials", "bucket folder"),
    "prefect_azure.deployments.steps.push_to_azure_blob_storage": _spec(
        "container folder credentials ignore_file", "container folder"),
    "prefect_azure.deployments.steps.pull_from_azure_blob_storage": _spec(
        "container folder credentials", "container folder"),
}
#: Packages whose `deployments.steps` modules we know completely: other names there are typos.
KNOWN_MODULES = {name.rsplit(".", 1)[0] for name in KNOWN_STEPS}


def prefect2_name(name: str) -> str | None:
    """The Prefect 3 name of a Prefect 2.10-era `*.projects.steps.*` step, else None.

    Prefect 3 removed the `projects` modules (`prefect.projects.steps.git_clone_project` is
    `prefect.deployments.steps.git_clone`, `prefect_aws.projects.steps.push_project_to_s3` is
    `prefect_aws.deployments.steps.push_to_s3`), so `prefect deploy` fails importing them.
    """
    module, _, function = name.rpartition(".")
    if not module.endswith(".projects.steps"):
        return None
    module = module.removesuffix(".projects.steps") + ".deployments.steps"
    function = function.replace("_project_", "_").removesuffix("_project")
    return f"{module}.{function}"


#: The versions KNOWN_STEPS describes: when the installed distribution is one of them, the table
#: is used instead of importing the step (importing prefect's steps costs more than a whole check).
TABLE_VERSIONS = {"prefect": "3.9.", "prefect-docker": "0.7."}


def _table_is_current(name: str) -> bool:
    return _table_describes(name.split(".", 1)[0].replace("_", "-"))


@cache  # once per distribution: each metadata lookup scans every installed package (~5 ms)
def _table_describes(distribution: str) -> bool:
    from importlib import metadata

    try:
        return metadata.version(distribution).startswith(TABLE_VERSIONS.get(distribution, "-"))
    except metadata.PackageNotFoundError:
        return False


def step_spec(name: str) -> StepSpec | None:
    """The step's signature: from KNOWN_STEPS when it describes the installed version, else from
    the installed function, else from KNOWN_STEPS."""
    if name in KNOWN_STEPS and _table_is_current(name):
        return KNOWN_STEPS[name]
    module, _, function = name.rpartition(".")
    try:
        from importlib import import_module

        func = getattr(import_module(module), function)
    except Exception:  # not installed here, or not a step at all
        return KNOWN_STEPS.get(name)
    try:
        parameters = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):
        return KNOWN_STEPS.get(name)
    plain = [p for p in parameters if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    known = KNOWN_STEPS.get(name)
    return StepSpec(
        arguments=frozenset(p.name for p in plain),
        required=frozenset(p.name for p in plain if p.default is p.empty),
        any_keyword=any(p.kind is p.VAR_KEYWORD for p in parameters),
        outputs=_outputs(func) or (known.outputs if known else None),
    )


def _outputs(func: Any) -> frozenset[str] | None:
    """Keys of the step's result when it is annotated with a TypedDict."""
    try:
        returned = typing.get_type_hints(func).get("return")
    except Exception:
        return None
    keys = getattr(returned, "__annotations__", None)
    return frozenset(keys) if keys and hasattr(returned, "__total__") else None


@dataclass(frozen=True)
class Step:
    section: str  #: build, push or pull
    path: tuple[str | int, ...]
    name: str
    arguments: Any


def all_steps(data: Any) -> list[Step]:
    """Steps of the top-level sections and of each deployment's own sections."""
    found: list[Step] = []
    owners: list[tuple[tuple[str | int, ...], Any]] = [((), data)]
    owners += [(("deployments", i), d) for i, d in enumerate(deployments(data))]
    for prefix, owner in owners:
        for section in ACTION_SECTIONS:
            items = owner.get(section) if isinstance(owner, dict) else None
            if isinstance(items, dict) and items:
                items = [items]
            for j, item in enumerate(items if isinstance(items, list) else []):
                if isinstance(item, dict) and len(item) == 1:
                    (name, arguments), = item.items()
                    found.append(Step(section, (*prefix, section, j), str(name), arguments))
                else:
                    found.append(Step(section, (*prefix, section, j), "", item))
    return found


def _overridden(data: Any, step: Step) -> bool:
    """A top-level step no deployment runs: each has its own section (prefect/cli/deploy/_core.py
    takes a deployment's `pull`/`build`/`push` instead of the file's)."""
    items = deployments(data)
    return len(step.path) == 2 and bool(items) and all(step.section in d for d in items)


def check_steps(doc: Document, file: str) -> list[Finding]:
    findings: list[Finding] = []
    for step in all_steps(doc.data):
        line = doc.line(step.path)
        if not step.name:
            findings.append(Finding(file, line, "step-shape", "error",
                                    f"a {step.section} step must be a mapping with one key, the "
                                    "step function's full name, e.g. "
                                    "`- prefect.deployments.steps.set_working_directory: "
                                    "{directory: /opt/prefect/flows}`"))
            continue
        renamed = prefect2_name(step.name)
        if renamed:
            unused = _overridden(doc.data, step)
            findings.append(Finding(file, line, "prefect2-step", "warning" if unused else "error",
                                    f"{step.name!r} is a Prefect 2 step that Prefect 3 no longer "
                                    f"has; use {renamed!r}"
                                    + ("; unused today: every deployment has its own "
                                       f"`{step.section}`" if unused else "")))
            continue
        spec = step_spec(step.name)
        if spec is None:
            module = step.name.rpartition(".")[0]
            if module in KNOWN_MODULES or "." not in step.name:
                findings.append(Finding(file, line, "unknown-step", "error",
                                        f"unknown step {step.name!r}"
                                        f"{did_you_mean(step.name, KNOWN_STEPS)}"))
            else:
                findings.append(Finding(file, line, "step-not-importable", "info",
                                        f"step {step.name!r} is not importable here; its "
                                        "arguments were not checked"))
            continue
        arguments = step.arguments
        if arguments is None:
            arguments = {}
        if not isinstance(arguments, dict):
            findings.append(Finding(file, line, "step-arguments", "error",
                                    f"{step.name}: arguments must be a mapping of "
                                    f"{', '.join(sorted(spec.arguments))}, "
                                    f"not {type(arguments).__name__} {arguments!r}"))
            continue
        for key in arguments:
            if key in RESERVED or key in spec.arguments or spec.any_keyword:
                continue
            findings.append(Finding(file, doc.line((*step.path, step.name, key)),
                                    "step-arguments", "error",
                                    f"{step.name} has no argument {key!r}"
                                    f"{did_you_mean(str(key), spec.arguments)}; it takes "
                                    f"{', '.join(sorted(spec.arguments))}"))
        for key in sorted(spec.required - set(arguments)):
            findings.append(Finding(file, line, "step-arguments", "error",
                                    f"{step.name} needs argument {key!r}"))
    return findings + check_references(doc, file)


REFERENCE = re.compile(r"\{\{\s*([A-Za-z0-9_\-]+)\.([A-Za-z0-9_\-]+)[^}]*\}\}")
NOT_STEPS = {"prefect", "ctx"}  #: `{{ prefect.variables.x }}`, `{{ prefect.blocks.t.n }}`
#: What an automation's Jinja sees (https://docs.prefect.io/v3/automate/events/automations-triggers)
TRIGGER_CONTEXT = {"event", "flow_run", "flow", "deployment", "work_pool", "work_queue",
                   "automation", "trigger", "labels"}


def _trigger_parameters(path: tuple[str | int, ...]) -> bool:
    """`deployments[i].triggers[j].parameters...`: stored as written (prefect/cli/deploy/_core.py
    pops them before templating)."""
    return len(path) > 4 and path[0] == "deployments" and path[2] == "triggers" \
        and path[4] == "parameters"


def check_references(doc: Document, file: str) -> list[Finding]:
    """Each `{{ id.field }}` names a step declared before it (pull steps only within pull)."""
    steps = all_steps(doc.data)
    outputs: dict[str, StepSpec | None] = {}
    declared = {"build": set(), "push": set(), "pull": set()}  # type: dict[str, set[str]]
    for step in steps:
        if isinstance(step.arguments, dict) and isinstance(step.arguments.get("id"), str):
            declared[step.section].add(step.arguments["id"])
            outputs[step.arguments["id"]] = step_spec(step.name) if step.name else None
    findings: list[Finding] = []
    for path, text in strings(doc.data):
        if _trigger_parameters(path):
            continue  # Prefect leaves these untemplated for the automation ({{ event.* }})
        in_pull = "pull" in path
        known = declared["build"] | declared["push"] | (declared["pull"] if in_pull else set())
        for match in REFERENCE.finditer(text):
            step_id, field = match.groups()
            if step_id in NOT_STEPS or step_id.startswith("$"):
                continue
            if "triggers" in path[2:3] and step_id in TRIGGER_CONTEXT:
                continue
            if step_id not in known:
                hint = did_you_mean(step_id, known)
                scope = "build, push or pull" if in_pull else "build or push"
                findings.append(Finding(
                    file, doc.line(path), "step-reference", "error",
                    f"{match.group(0)!r} refers to step id {step_id!r}, which no {scope} "
                    f"step declares{hint}; Prefect would leave the value empty"))
            elif (spec := outputs.get(step_id)) and spec.outputs is not None \
                    and field not in spec.outputs:
                findings.append(Finding(
                    file, doc.line(path), "step-reference", "error",
                    f"{match.group(0)!r}: step {step_id!r} has no output {field!r}"
                    f"{did_you_mean(field, spec.outputs)}; it returns "
                    f"{', '.join(sorted(spec.outputs))}"))
    return findings
