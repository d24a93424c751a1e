"""Measure `check` on a folder of real prefect.yaml files, with Prefect 3.9's own code as judge.

    uv run python scripts/check_corpus_survey.py FOLDER [--show-false] [--json OUT]

The corpus is not in this repository (public files stay out of our commits): each FOLDER/*.yaml
or *.yml starts with `# source: https://github.com/OWNER/REPO/blob/COMMIT/PATH` and may say
`# deploy-root: DIR` (the folder, relative to the repository, from which its entrypoints resolve
in the real repository; default: the yaml's folder). Per file the survey

1. builds a temporary repository: the yaml at PATH, a `.git` folder at the top, and for each
   deployment entrypoint (`path.py:func` or `package.module:func`) a stub flow
   `@flow def func(**kwargs)` under the deploy root, so code missing from our copy is not held
   against the file;
2. runs `prefect_scaffold.check.check(yaml)` from the repository root (as `prefect deploy
   --prefect-file PATH` run there would), letting `check` choose the deploy root;
3. replays Prefect 3.9.1's `prefect deploy --all --no-prompt` for every deployment as far as it
   goes without a server (prefect/cli/deploy/_core.py `_run_single_deploy`): the file loader,
   `_handle_deprecated_schedule_fields`, env templating, `load_flow_from_entrypoint`, the name
   and work-pool checks, `_construct_schedules`, `_initialize_deployment_triggers`, the
   concurrency options and `RunnerDeployment`; plus what the worker later does with the pull
   steps (`import_object` of each step, every prefect-* integration being installed here) and
   the upsert of two deployments with one flow and name;
4. classifies every `check` error as agreed (Prefect breaks on that kind of thing in that
   file, see AGREES) or false, and lists Prefect breaks no `check` error speaks of (misses; those
   `check` reports as a warning are counted apart).

Unknown keys are the one judgement that is not Prefect's alone: Prefect's models drop every one
(`extra="ignore"`), so an unknown-key error is agreed only when that key's value is a setting the
run would have used (see _judge_dropped), a rule `check` applies too; the table shows each
dropped key so the rule can be argued with.

It prints one row per file and the totals (`--json` writes the rows). A measurement, not a test:
the exit code is 0. Reproduce the numbers with
`PREFECT_SCAFFOLD_SHARED=/work/shared uv run python scripts/check_corpus_survey.py CORPUS`.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import io
import json
import os
import re
import sys
import tempfile
from collections import Counter
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SOURCE = re.compile(r"^# source: https://github\.com/([^/]+)/([^/]+)/blob/([^/]+)/(\S+)$",
                    re.MULTILINE)
DEPLOY_ROOT = re.compile(r"^# deploy-root: (\S+)$", re.MULTILINE)

#: `check` rule -> the Prefect breaks that agree with an error of that rule.
AGREES: dict[str, set[str]] = {
    "syntax": {"file-skipped"},
    "prefect-model": {"file-skipped"},
    "unknown-key": set(),  # matched key by key against the `dropped:KEY` breaks
    "schedule": {"file-skipped", "schedule"},
    "trigger": {"file-skipped", "trigger"},
    "concurrency": {"file-skipped", "concurrency"},
    "work-pool": {"work-pool"},
    "entrypoint": {"entrypoint"},
    "deployment-name": {"name", "duplicate"},
    "prefect2-step": {"step"},
    "step": {"step"},
    "unknown-step": {"step"},
    "step-shape": {"step"},
    "step-reference": {"template-dropped"},
    "parameters": {"parameters"},
}


@dataclass
class Verdict:
    """Prefect's breaks for one file: kind -> one line saying why."""

    breaks: dict[str, str] = field(default_factory=dict)
    #: kind -> the deployments (indexes in the file) it breaks; None: the file or its sections
    where: dict[str, set[int | None]] = field(default_factory=dict)
    #: the line span of each deployment in the file, first and last line
    spans: list[tuple[int, int]] = field(default_factory=list)

    def add(self, kind: str, why: object, deployment: int | None = None) -> None:
        self.breaks.setdefault(kind, " ".join(str(why).split())[:160])
        self.where.setdefault(kind, set()).add(deployment)

    def breaks_at(self, kind: str, line: int | None) -> bool:
        """Whether Prefect breaks on `kind` where a finding on `line` is: in that deployment,
        or anywhere when the line is outside every deployment (an anchor, a file section) or
        the break is the file's."""
        where = self.where.get(kind)
        if not where:
            return False
        inside = [i for i, (first, last) in enumerate(self.spans)
                  if line is not None and first <= line <= last]
        return not inside or None in where or inside[0] in where


@dataclass
class Row:
    name: str
    repo: str
    errors: list[Any]
    warnings: int
    false: list[Any]
    misses: list[str]
    verdict: Verdict
    root: str
    warned: list[str]  #: Prefect breaks `check` reports as a warning only


def source(text: str, file: Path) -> tuple[str, str, str]:
    """(owner/repo, path in the repository, deploy root relative to the repository)."""
    match = SOURCE.search(text)
    if not match:  # one of our own fixtures: a file at the top of its project
        return f"ours/{file.stem}", "prefect.yaml", "."
    owner, repo, _, path = match.groups()
    root = DEPLOY_ROOT.search(text)
    return f"{owner}/{repo}", path, root.group(1) if root else (str(Path(path).parent) or ".")


def stub(root: Path, top: Path, entrypoint: object) -> None:
    """A flow file for the entrypoint, relative to `root`, inside the repository `top`
    (nothing for templated or odd entrypoints)."""
    if not isinstance(entrypoint, str) or "{{" in entrypoint or (":" not in entrypoint \
            and "." not in entrypoint):
        return
    if ".py:" in entrypoint:
        path, _, function = entrypoint.rpartition(":")
        target = root / path
    else:
        module, _, function = entrypoint.rpartition(":" if ":" in entrypoint else ".")
        parts = module.split(".")
        if not all(p.isidentifier() for p in parts):
            return
        target = root.joinpath(*parts).with_suffix(".py")
        for depth in range(1, len(parts)):
            init = root.joinpath(*parts[:depth], "__init__.py")
            init.parent.mkdir(parents=True, exist_ok=True)
            init.touch()
    owner, _, function = function.rpartition(".")
    if not function.isidentifier() or (owner and not owner.isidentifier()):
        return
    try:
        target.resolve().relative_to(top.resolve())
    except ValueError:
        return  # an entrypoint that climbs out of the repository
    target.parent.mkdir(parents=True, exist_ok=True)
    body = target.read_text() if target.exists() else "from prefect import flow\n"
    if owner:
        body += f"\n\nclass {owner}:\n    @flow\n    def {function}(**kwargs):\n        pass\n"
    else:
        body += f"\n\n@flow\ndef {function}(**kwargs):\n    pass\n"
    target.write_text(body)


def build(file: Path, workdir: Path) -> tuple[Path, Path, Path, str, str]:
    """The temporary repository for one corpus file: (repo root, yaml, deploy root, repo,
    path)."""
    import yaml

    text = file.read_text(encoding="utf-8")
    repo, path, deploy_root = source(text, file)
    top = workdir / "repo"
    (top / ".git").mkdir(parents=True)
    target = top / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    root = (top / deploy_root).resolve()
    root.mkdir(parents=True, exist_ok=True)
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError:
        loaded = None
    deployments = loaded.get("deployments") if isinstance(loaded, dict) else None
    for deployment in deployments if isinstance(deployments, list) else []:
        if isinstance(deployment, dict):
            stub(root, top, deployment.get("entrypoint"))
    return top, target, root, repo, path


@contextmanager
def inside(folder: Path):
    """cwd and sys.path as `prefect deploy` run in `folder` has them; modules loaded meanwhile
    are forgotten after (the next file may have a flows/main.py of its own)."""
    before, path, modules = Path.cwd(), list(sys.path), set(sys.modules)
    os.chdir(folder)
    sys.path.insert(0, str(folder))
    try:
        yield
    finally:
        os.chdir(before)
        sys.path[:] = path
        for name in set(sys.modules) - modules:
            loaded = getattr(sys.modules[name], "__file__", None) or ""
            if "corpus-survey-" in loaded:  # a stub of ours, not Prefect's own modules
                del sys.modules[name]


def judge(prefect_file: Path, deploy_root: Path) -> Verdict:
    """What Prefect 3.9.1 makes of the file, deployment by deployment (see the module doc)."""
    from prefect.cli.deploy._config import (
        _handle_deprecated_schedule_fields,
        _load_deploy_configs_and_actions,
        _merge_with_default_deploy_config,
    )
    from prefect.cli.deploy._schedules import _construct_schedules
    from prefect.cli.deploy._triggers import _initialize_deployment_triggers
    from prefect.flows import load_flow_from_entrypoint
    from prefect.utilities.collections import get_from_dict
    from prefect.utilities.templating import apply_values
    from rich.console import Console

    verdict = Verdict(spans=_spans(prefect_file))
    said = io.StringIO()
    console = Console(file=said, width=200)
    configs, actions = _load_deploy_configs_and_actions(prefect_file, console=console)
    raw = _raw(prefect_file)
    _judge_dropped(verdict, raw)
    if "Skipping" in said.getvalue():
        verdict.add("file-skipped", said.getvalue().strip().splitlines()[0])
        for deployment in raw.get("deployments") or [{}]:  # each one's own steps, or the file's
            own = deployment if isinstance(deployment, dict) else {}
            _judge_steps(verdict, [step for section in ("build", "push", "pull")
                                   for step in _list(own.get(section, raw.get(section)))])
        return verdict
    seen: dict[tuple[str, str], int] = {}
    with inside(deploy_root):
        for index, raw in enumerate(configs):
            if raw.get("name") is None:
                continue  # _run_multi_deploy: "Discovered unnamed deployment. Skipping..."
            # Prefect stops at the first break; the judge goes on, as the user will once
            # that one is fixed.
            label = raw.get("name") or f"deployment {index}"
            config = _merge_with_default_deploy_config(raw)
            try:
                config = _handle_deprecated_schedule_fields(config)
            except ValueError as why:
                verdict.add("schedule", f"{label}: {why}", index)
            config = apply_values(config, os.environ, remove_notset=False)
            flow = None
            if not config.get("entrypoint"):
                verdict.add("entrypoint", f"{label}: an entrypoint must be provided", index)
            else:
                try:
                    with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
                        flow = load_flow_from_entrypoint(config["entrypoint"])
                except Exception as why:
                    verdict.add("entrypoint",
                                f"{config['entrypoint']}: {type(why).__name__}: {why}", index)
            if not config.get("name"):
                verdict.add("name", f"deployment {index}: a deployment name must be provided",
                            index)
            elif flow is not None:
                key = (flow.name, str(config["name"]))
                if key in seen:
                    verdict.add("duplicate", f"{key[0]}/{key[1]} replaces deployment {seen[key]}",
                                index)
                seen.setdefault(key, index)
            if not get_from_dict(config, "work_pool.name"):
                verdict.add("work-pool", f"{label}: a work pool is required (without --pool "
                            "or PREFECT_DEFAULT_WORK_POOL_NAME)", index)
            try:
                config["schedules"] = _construct_schedules(
                    config, {}, console=console, is_interactive=lambda: False)
            except Exception as why:
                verdict.add("schedule", f"{label}: {type(why).__name__}: {why}", index)
                config["schedules"] = None
            _judge_triggers(verdict, config, _initialize_deployment_triggers, index)
            _judge_templates(verdict, config, actions)
            if flow is not None and config.get("name"):
                _judge_runner_deployment(verdict, config, flow, index)
            pull = config.get("pull", actions.get("pull")) or []
            _judge_steps(verdict, [*(config.get("build", actions.get("build")) or []),
                                   *(config.get("push", actions.get("push")) or []), *pull])
    return verdict


def _spans(prefect_file: Path) -> list[tuple[int, int]]:
    """The first and last line of each deployment under `deployments:` (none if unreadable)."""
    import yaml

    try:
        node = yaml.compose(prefect_file.read_text(encoding="utf-8"))
    except yaml.YAMLError:
        return []
    if not isinstance(node, yaml.MappingNode):
        return []
    for key, value in node.value:
        if key.value == "deployments" and isinstance(value, yaml.SequenceNode):
            return [(item.start_mark.line + 1, item.end_mark.line) for item in value.value]
    return []


def _raw(prefect_file: Path) -> dict[str, Any]:
    import yaml

    try:
        loaded = yaml.safe_load(prefect_file.read_text(encoding="utf-8"))
    except yaml.YAMLError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value] if isinstance(value, dict) else []


#: Prefect 2 keys Prefect 3 drops, and the value that equals Prefect 3's behaviour without them.
PREFECT2_DEFAULTS = {"is_schedule_active": True, "is_paused": False, "work_queue_name": "default"}
#: RawScheduleConfig's fields, less the deployment's own `parameters`.
SCHEDULE_KEYS = {"cron", "interval", "rrule", "timezone", "anchor_date", "day_or", "active", "slug",
                 "replaces"}


def _judge_dropped(verdict: Verdict, raw: dict[str, Any]) -> None:
    """Keys Prefect's models drop (prefect/cli/deploy/_models.py: `extra="ignore"`) whose value
    the run would have used: job variables beside the pool (the worker gets the pool's
    defaults instead), a Prefect 2 key set to something other than Prefect 3's default, a typo
    of a field left unset, a schedule's key on the deployment. Top-level keys feed no
    deployment; empty values lose nothing."""
    import difflib

    from prefect.cli.deploy._models import DeploymentConfig, WorkPoolConfig

    def fields(model: Any) -> set[str]:
        return {info.alias or name for name, info in model.model_fields.items()}

    variables = set().union(*(v.get("properties", {}) for v in _worker_variables()))
    for index, deployment in enumerate(raw.get("deployments") or []):
        if not isinstance(deployment, dict):
            continue
        pool = deployment.get("work_pool")
        for mapping, allowed in ((deployment, fields(DeploymentConfig)),
                                 (pool if isinstance(pool, dict) else {}, fields(WorkPoolConfig))):
            for key, value in mapping.items():
                key = str(key)
                if key in allowed or key == "type" or value in (None, {}, [], ""):
                    continue
                close = difflib.get_close_matches(key, list(allowed), n=1, cutoff=0.8)
                # a Prefect 2 key is judged by its value alone (`is_paused` is close to `paused`)
                typo = bool(close) and close[0] not in mapping and key not in PREFECT2_DEFAULTS
                # a looser likeness holding a structured setting (`params: {...}`)
                loose = difflib.get_close_matches(key, list(allowed), n=1, cutoff=0.6)
                typo = typo or (bool(loose) and loose[0] not in mapping
                                and isinstance(value, dict | list))
                misplaced = key in ("job_variables", "infra_overrides") or (
                    key not in PREFECT2_DEFAULTS and key in variables)
                changed = key in PREFECT2_DEFAULTS and value != PREFECT2_DEFAULTS[key]
                # a schedule's key on the deployment (`cron:`): _construct_schedules reads only
                # `schedules`, so no schedule is built from it
                unscheduled = mapping is deployment and key in SCHEDULE_KEYS and not (
                    key == "active" and value is True)
                if typo or misplaced or changed or unscheduled:
                    verdict.add(f"dropped:{key}", f"{key}: {str(value)[:60]}", index)


@functools.cache
def _worker_variables() -> list[dict[str, Any]]:
    """Every installed worker type's default job variables (the workers' own code)."""
    from prefect.workers.process import ProcessWorker

    workers: list[Any] = [ProcessWorker]
    for module, name in (("prefect_docker.worker", "DockerWorker"),
                         ("prefect_kubernetes.worker", "KubernetesWorker"),
                         ("prefect_aws.workers.ecs_worker", "ECSWorker"),
                         ("prefect_gcp.workers.cloud_run", "CloudRunWorker"),
                         ("prefect_gcp.workers.cloud_run_v2", "CloudRunWorkerV2"),
                         ("prefect_gcp.workers.vertex", "VertexAIWorker"),
                         ("prefect_azure.workers.container_instance", "AzureContainerWorker")):
        try:
            workers.append(getattr(__import__(module, fromlist=[name]), name))
        except (ImportError, AttributeError):
            continue
    return [w.get_default_base_job_template()["variables"] for w in workers]


PLACEHOLDER = re.compile(r"\{\{\s*([\w\-]+)\.([\w\-.]+)\s*\}\}")


def _judge_templates(verdict: Verdict, config: dict[str, Any], actions: dict[str, Any]) -> None:
    """A `{{ step-id.key }}` naming no build or push step: Prefect's apply_values (run on the
    deployment after the steps, _core.py) drops a value that is only that placeholder and
    blanks it inside a longer string."""
    from prefect.utilities.templating import apply_values

    steps = [*(config.get("build", actions.get("build")) or []),
             *(config.get("push", actions.get("push")) or [])]
    ids = {str(inputs.get("id")) for step in steps if isinstance(step, dict)
           for inputs in step.values() if isinstance(inputs, dict) and inputs.get("id")}
    body = {k: v for k, v in config.items() if k not in ("schedules", "triggers", "pull",
                                                         "build", "push")}
    text = json.dumps(body, default=str)
    outputs: dict[str, dict[str, str]] = {}
    for head, rest in PLACEHOLDER.findall(text):
        if head in ids:
            outputs.setdefault(head, {})[rest.split(".")[0]] = "value"
    for head, rest in PLACEHOLDER.findall(text):
        if head in ids or head in ("prefect", "ctx", "event", "flow_run") or head.startswith("$"):
            continue
        template = f"{{{{ {head}.{rest} }}}}"
        if apply_values({"value": template}, outputs, warn_on_notset=False) != {"value": template}:
            verdict.add("template-dropped", f"{template}: no build or push step has id {head!r}")


def _judge_triggers(verdict: Verdict, config: dict[str, Any], initialize: Any,
                    index: int) -> None:
    specs = config.get("triggers")
    if not specs:
        return
    try:
        initialize(str(config["name"]), [dict(s) for s in specs])
    except Exception as why:
        verdict.add("trigger", f"{config['name']}: {type(why).__name__}: {why}", index)


def _judge_runner_deployment(verdict: Verdict, config: dict[str, Any], flow: Any,
                             index: int) -> None:
    """The RunnerDeployment `_run_single_deploy` builds (concurrency options included)."""
    from prefect.cli.deploy._storage import _PullStepStorage
    from prefect.deployments.runner import RunnerDeployment
    from prefect.utilities.collections import get_from_dict

    options = None
    limit = config.get("concurrency_limit")
    if isinstance(limit, dict):
        options = {"collision_strategy": limit.get("collision_strategy")}
        if limit.get("grace_period_seconds") is not None:
            options["grace_period_seconds"] = limit["grace_period_seconds"]
        limit = limit.get("limit")
    try:
        deployment = RunnerDeployment(
            name=config["name"], flow_name=flow.name, entrypoint=config.get("entrypoint"),
            work_pool_name=get_from_dict(config, "work_pool.name"),
            work_queue_name=get_from_dict(config, "work_pool.work_queue_name"),
            parameters=config.get("parameters"), description=config.get("description"),
            version=config.get("version"), version_type=config.get("version_type"),
            tags=config.get("tags"), concurrency_limit=limit, concurrency_options=options,
            paused=config.get("paused"), storage=_PullStepStorage([]),
            job_variables=get_from_dict(config, "work_pool.job_variables"))
        deployment._set_defaults_from_flow(flow)
    except Exception as why:
        kind = "concurrency" if "concurrency" in str(why) else "runner-deployment"
        verdict.add(kind, f"{config['name']}: {type(why).__name__}: {why}", index)


def _judge_steps(verdict: Verdict, steps: list[Any]) -> None:
    """A step whose function cannot be imported with every prefect-* integration installed
    fails when it runs (prefect.deployments.steps.core._get_function_for_step)."""
    from prefect.utilities.importtools import import_object

    for step in steps:
        if isinstance(step, dict) and len(step) > 1:  # run_step raises
            verdict.add("step", f"step has unexpected additional keys: {list(step)[1:]}")
        if not isinstance(step, dict) or len(step) != 1:
            continue
        name = next(iter(step))
        top = name.split(".")[0]
        if top != "prefect" and not top.startswith("prefect_"):
            continue
        try:
            __import__(top)
        except ImportError:
            continue  # an integration not installed here: not judged
        try:
            with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
                import_object(name)
        except Exception as why:
            verdict.add("step", f"{name}: {type(why).__name__}")


def agrees(finding: Any, verdict: Verdict) -> bool:
    """Whether Prefect breaks on the kind of thing the error is about (an unknown key: on
    that very key), in the deployment the error is in (Verdict.breaks_at)."""
    if finding.rule == "unknown-key":
        key = re.search(r"unknown key '([^']+)'", finding.message)
        return bool(key) and verdict.breaks_at(f"dropped:{key.group(1)}", finding.line)
    return any(verdict.breaks_at(kind, finding.line) for kind in AGREES.get(finding.rule, ()))


def survey_file(file: Path) -> Row:
    from prefect_scaffold.check import check

    with tempfile.TemporaryDirectory(prefix="corpus-survey-") as tmp:
        top, prefect_file, deploy_root, repo, _ = build(file, Path(tmp))
        with inside(top):
            report = check(prefect_file)
        chosen = Path(report.deploy_root or deploy_root).resolve()
        root = str(chosen.relative_to(top.resolve())) if chosen.is_relative_to(
            top.resolve()) else str(chosen)
        with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
            verdict = judge(prefect_file, deploy_root)
    errors = [f for f in report.findings if f.severity == "error"]
    false = [f for f in errors if not agrees(f, verdict)]
    spoken = set().union(*(AGREES.get(f.rule, set()) for f in errors)) if errors else set()
    spoken |= {f"dropped:{key}" for f in errors if f.rule == "unknown-key"
               for key in re.findall(r"unknown key '([^']+)'", f.message)}
    warned = {kind for f in report.findings if f.severity == "warning"
              for kind in AGREES.get(f.rule, set())}
    warned |= {f"dropped:{key}" for f in report.findings if f.severity == "warning"
               and f.rule == "unknown-key" for key in re.findall(r"unknown key '([^']+)'",
                                                                 f.message)}
    misses = [f"{kind}: {why}" for kind, why in verdict.breaks.items() if kind not in spoken]
    warned_only = [m for m in misses if m.split(": ")[0] in warned]
    misses = [m for m in misses if m not in warned_only]
    return Row(file.name, repo, errors, report.warnings, false, misses, verdict, root,
               warned_only)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--show-false", action="store_true",
                        help="print each false error and each miss in full")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON here")
    args = parser.parse_args(argv)
    files = sorted(p for p in args.folder.iterdir() if p.suffix in (".yaml", ".yml"))
    import logging

    logging.disable(logging.WARNING)  # Prefect's loader logs; the verdict keeps what it said
    asyncio.set_event_loop(asyncio.new_event_loop())
    rows = [survey_file(file) for file in files]
    width = max((len(r.name) for r in rows), default=10)
    print(f"{'file':<{width}}  err  false  warn  prefect breaks           root")
    for r in rows:
        breaks = ",".join(sorted(r.verdict.breaks)) or "-"
        print(f"{r.name:<{width}}  {len(r.errors):>3}  {len(r.false):>5}  {r.warnings:>4}  "
              f"{breaks:<24} {r.root}")
        if args.show_false:
            for f in r.false:
                print(f"    FALSE {f.rule} line {f.line}: {f.message}")
            for miss in r.misses:
                print(f"    MISS  {miss}")
            for miss in r.warned:
                print(f"    WARN  {miss}")
    false_kinds = Counter(f.rule for r in rows for f in r.false)
    miss_kinds = Counter(m.split(":")[0] for r in rows for m in r.misses)
    print()
    print(f"files {len(rows)}  repos {len({r.repo for r in rows})}  "
          f"errors {sum(len(r.errors) for r in rows)}  "
          f"false errors {sum(len(r.false) for r in rows)} "
          f"(files {sum(1 for r in rows if r.false)})  "
          f"warnings {sum(r.warnings for r in rows)}  "
          f"prefect breaks {sum(len(r.verdict.breaks) for r in rows)} "
          f"(files {sum(1 for r in rows if r.verdict.breaks)})  "
          f"misses {sum(len(r.misses) for r in rows)}  "
          f"warned only {sum(len(r.warned) for r in rows)}")
    print(f"false errors by rule: {dict(sorted(false_kinds.items())) or '{}'}")
    print(f"misses by kind: {dict(sorted(miss_kinds.items())) or '{}'}")
    if args.json:
        args.json.write_text(json.dumps([{
            "file": r.name, "repo": r.repo, "root": r.root, "warnings": r.warnings,
            "errors": [f.as_text() for f in r.errors], "false": [f.as_text() for f in r.false],
            "breaks": r.verdict.breaks, "misses": r.misses, "warned": r.warned}
            for r in rows], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
