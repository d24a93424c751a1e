"""prefect.yaml: loads with Prefect's own models, no unknown keys, valid schedules, a pull section.

Prefect's models (`prefect.cli.deploy._models`) ignore unknown keys (`extra="ignore"`), so a typo
like `job_variable:` or `enforce_parameters_schema:` deploys silently without effect
(https://github.com/PrefectHQ/prefect/issues/16600); this module reports them with a did-you-mean.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from .report import Finding, did_you_mean
from .source import Document, is_template_string

#: Top-level keys the models do not declare but prefect.yaml files use: YAML anchors live under
#: `definitions` in Prefect's docs (https://docs.prefect.io/v3/how-to-guides/deployments/prefect-yaml).
EXTRA_TOP_KEYS = {"definitions"}
ACTION_SECTIONS = ("build", "push", "pull")


def _field_names(model: Any) -> set[str]:
    return {info.alias or name for name, info in model.model_fields.items()}


def check_models(doc: Document, file: str) -> list[Finding]:
    """Validate with PrefectYamlModel, then flag keys the models would silently ignore."""
    from prefect.cli.deploy._models import (
        ConcurrencyLimitSpec,
        DeploymentConfig,
        PrefectYamlModel,
        RawScheduleConfig,
        WorkPoolConfig,
    )
    from pydantic import ValidationError

    data = doc.data
    if not isinstance(data, dict):
        return [Finding(file, doc.line(()), "prefect-yaml-shape", "error",
                        "prefect.yaml must be a mapping with a `deployments` list")]
    findings: list[Finding] = []
    try:
        PrefectYamlModel.model_validate(data)
    except ValidationError as problem:
        findings += _model_errors(problem, doc, file)

    def unknown(mapping: Any, path: tuple[str | int, ...], allowed: set[str], what: str) -> None:
        if not isinstance(mapping, dict):
            return
        for key, value in mapping.items():
            if str(key) not in allowed:
                lost = _setting_lost(str(key), value, path, allowed, mapping)
                hint = (_SCHEDULE_HINT if len(path) == 2 and str(key) in SCHEDULE_KEYS
                        else did_you_mean(str(key), allowed))
                findings.append(Finding(
                    file, doc.line((*path, key)), "unknown-key", "error" if lost else "warning",
                    f"unknown key {key!r} in {what}; Prefect ignores it"
                    f"{hint}{'' if lost else _NOTHING_LOST}"))

    top = dict(data)
    if "version" in top:  # `prefect init` of Prefect 2.10 wrote it; harmless, ignored
        del top["version"]
        findings.append(Finding(file, doc.line(("version",)), "unknown-key", "warning",
                                "top-level `version:` is ignored by Prefect 3 (set a deployment's "
                                "`version:` instead, or delete it)"))
    # Any top-level key can hold YAML anchors the deployments use (`common: &pool ...`).
    holders = {str(anchor[0]) for anchor in doc.aliases.values() if anchor}
    unknown(top, (), _field_names(PrefectYamlModel) | EXTRA_TOP_KEYS | holders, "prefect.yaml")
    deployment_keys = _field_names(DeploymentConfig)
    for i, deployment in enumerate(deployments(data)):
        label = f"deployment {deployment.get('name') or i}"
        unknown(deployment, ("deployments", i), deployment_keys, label)
        pool = deployment.get("work_pool")
        if isinstance(pool, dict) and "type" in pool:
            # The type belongs to the pool (`prefect work-pool create --type`), not the
            # deployment: WorkPoolConfig drops the key, and the deployment runs as the pool says.
            findings.append(Finding(file, doc.line(("deployments", i, "work_pool", "type")),
                                    "unknown-key", "warning",
                                    f"{label} work_pool: `type` is ignored by Prefect (a pool's "
                                    "type is set when the pool is created); pass --pool-type to "
                                    "`check` instead, or delete it"))
            pool = {k: v for k, v in pool.items() if k != "type"}
        unknown(pool, ("deployments", i, "work_pool"), _field_names(WorkPoolConfig),
                f"{label} work_pool")
        if isinstance(deployment.get("concurrency_limit"), dict):
            unknown(deployment["concurrency_limit"], ("deployments", i, "concurrency_limit"),
                    _field_names(ConcurrencyLimitSpec), f"{label} concurrency_limit")
            findings += _concurrency_options(doc, file, i, label, deployment["concurrency_limit"])
        pool = deployment.get("work_pool")
        if "work_pool" not in deployment and deployment.get("name"):
            findings.append(Finding(file, doc.line(("deployments", i)), "work-pool", "warning",
                                    f"{label} names no work pool: `prefect deploy --all "
                                    "--no-prompt` stops with \"A work pool is required\" unless "
                                    "PREFECT_DEFAULT_WORK_POOL_NAME is set (`--pool` applies only "
                                    "when deploying it alone)"))
        if "work_pool" in deployment and (not isinstance(pool, dict) or not pool.get("name")):
            # `prefect init` writes a nameless stub whose name, pool and entrypoint come from
            # `prefect deploy` flags: only a named deployment must say its pool.
            findings.append(Finding(file, doc.line(("deployments", i, "work_pool")), "work-pool",
                                    "error" if deployment.get("name") else "info",
                                    f"{label}: work_pool has no `name`; a "
                                    "non-interactive `prefect deploy` stops with \"A work pool is "
                                    "required\""))
        for path, schedule in schedules(deployment, i):
            if not isinstance(schedule, dict) or _accepted_schedule(schedule):
                continue
            for key in schedule:
                if str(key) not in _field_names(RawScheduleConfig):
                    findings.append(Finding(
                        file, doc.line((*path, key)), "schedule", "error",
                        f"unknown key {key!r} in {label} schedule"
                        f"{did_you_mean(str(key), _field_names(RawScheduleConfig))}: Prefect "
                        "rejects the whole prefect.yaml over it (`prefect deploy` skips every "
                        "deployment in the file)"))
    return findings + _duplicate_names(doc, file)


#: Prefect 2 deployment keys Prefect 3 drops -> the value that changes nothing when dropped
#: (Prefect 3's own default): `is_schedule_active: true` is what an active schedule does anyway.
PREFECT2_DEFAULTS: dict[str, Any] = {"is_schedule_active": True, "is_paused": False,
                                     "work_queue_name": "default"}
_NOTHING_LOST = " (a warning: dropping it changes nothing the run relies on)"
#: Schedule fields (RawScheduleConfig's, less the deployment's own `parameters`) written on the
#: deployment, as `prefect deploy --cron/--interval/--timezone` take them: the file's models drop
#: them, so the deployment is never scheduled, or its schedule runs in UTC.
SCHEDULE_KEYS = frozenset({"cron", "interval", "rrule", "timezone", "anchor_date", "day_or",
                           "active", "slug", "replaces"})
_SCHEDULE_HINT = " (a schedule's key: it belongs in an entry under `schedules:`)"


def _setting_lost(key: str, value: Any, path: tuple[str | int, ...], allowed: set[str],
                  mapping: dict[Any, Any]) -> bool:
    """Whether Prefect dropping the unknown `key` loses a setting the run relies on (an error),
    rather than an inert note (a warning): the models ignore extra keys (`extra="ignore"`), so
    the deployment runs as if the key were absent.

    Lost: a misspelling of a key Prefect reads and the mapping leaves unset (a looser likeness
    only when the value is a mapping or list: `params` for `parameters`); job variables
    written beside the work pool (`job_variables`, Prefect 2's `infra_overrides`, or any worker
    type's variable such as `env` or `image`); a Prefect 2 key whose value differs from what
    Prefect 3 does without it (a paused schedule, a work queue other than `default`). Not
    lost: empty values, top-level notes (`project:`, `description:`) and keys no Prefect
    version reads (`flow_path:`). A schedule's key on the deployment (`cron:`) is lost: no
    schedule is built from it."""
    import difflib

    from .pool_inference import worker_templates

    if value is None or value in ({}, [], ""):
        return False
    if path and key in PREFECT2_DEFAULTS:  # before the typo test: `is_paused` is close to `paused`
        return value != PREFECT2_DEFAULTS[key]
    close = difflib.get_close_matches(key, list(allowed), n=1, cutoff=0.8)
    if close and close[0] not in mapping:
        return True
    if not path:
        return False
    # A looser likeness (the one the message names) loses a structured setting: `params:` or
    # `job_vars:` holding a mapping is the deployment's parameters or job variables.
    meant = did_you_mean(key, allowed)
    if meant and isinstance(value, dict | list) and meant.split("'")[1] not in mapping:
        return True
    if len(path) == 2 and key in SCHEDULE_KEYS:
        return not (key == "active" and value is True)  # True: what a schedule does anyway
    if key in ("job_variables", "infra_overrides"):
        return True
    return any(key in variables.get("properties", {}) for variables in worker_templates().values())


def _concurrency_options(doc: Document, file: str, index: int, label: str,
                         spec: dict[str, Any]) -> list[Finding]:
    """collision_strategy and grace_period_seconds as RunnerDeployment validates them
    (prefect/cli/deploy/_core.py passes them on as ConcurrencyOptions)."""
    from prefect.client.schemas.objects import ConcurrencyOptions
    from pydantic import ValidationError

    options = {k: spec[k] for k in ("collision_strategy", "grace_period_seconds")
               if spec.get(k) is not None}
    if not options or any(is_template_string(v) for v in options.values()):
        return []
    try:
        ConcurrencyOptions.model_validate({"collision_strategy": "ENQUEUE", **options})
    except ValidationError as problem:
        error = problem.errors()[0]
        key = str(error["loc"][0])
        return [Finding(file, doc.line(("deployments", index, "concurrency_limit", key)),
                        "concurrency", "error",
                        f"{label} concurrency_limit.{key}: {error['msg']}; `prefect deploy` "
                        "fails building the deployment")]
    return []


def _duplicate_names(doc: Document, file: str) -> list[Finding]:
    """Two deployments of one name and flow: the second replaces the first on the server."""
    findings, seen = [], {}  # type: list[Finding], dict[tuple[str, str], int]
    for i, deployment in enumerate(deployments(doc.data)):
        name, entrypoint = deployment.get("name"), deployment.get("entrypoint")
        if not isinstance(name, str) or not name or is_template_string(name):
            continue
        flow = str(entrypoint).rpartition(":")[2] if entrypoint else ""
        key = (name, flow)
        if key in seen:
            first = doc.line(("deployments", seen[key], "name"))
            findings.append(Finding(file, doc.line(("deployments", i, "name")), "deployment-name",
                                    "error", f"deployment name {name!r} is used twice for the "
                                    f"same flow (first on line {first}); the second deploy "
                                    "replaces the first"))
        else:
            seen[key] = i
    return findings


def _accepted_schedule(schedule: dict[str, Any]) -> bool:
    """Whether Prefect's model takes this schedule item (its union also allows other shapes)."""
    from prefect.cli.deploy._models import ScheduleItem
    from pydantic import TypeAdapter, ValidationError

    try:
        TypeAdapter(ScheduleItem).validate_python(schedule)
    except ValidationError:
        return False
    return True


def _model_errors(problem: Any, doc: Document, file: str) -> list[Finding]:
    """One finding per field: pydantic's union errors repeat a field once per union member."""
    findings, seen = [], set()
    for error in problem.errors():
        loc = [part for part in error["loc"] if not isinstance(part, str) or "[" not in part]
        if any(part in ("schedule", "schedules") for part in loc):
            continue  # check_schedules reports these one per schedule, in Prefect's words
        data_path: list[str | int] = []
        node: Any = doc.data
        for part in loc:  # keep the parts that exist in the data (drop union member names)
            if (isinstance(node, dict) and part in node) or \
                    (isinstance(node, list) and isinstance(part, int) and part < len(node)):
                data_path.append(part)
                node = node[part]
        key = tuple(data_path)
        if key in seen:
            continue
        seen.add(key)
        where = ".".join(str(p) for p in data_path) or "prefect.yaml"
        findings.append(Finding(file, doc.line(key), "prefect-model", "error",
                                f"{where}: {error['msg']}; `prefect deploy` skips the whole file "
                                "over it"))
    return findings


def deployments(data: Any) -> list[dict[str, Any]]:
    """The deployment mappings (anything else in the list is reported by the model check)."""
    items = data.get("deployments") if isinstance(data, dict) else None
    return [d if isinstance(d, dict) else {} for d in items] if isinstance(items, list) else []


def schedules(deployment: dict[str, Any], index: int) -> list[tuple[tuple[str | int, ...], Any]]:
    found: list[tuple[tuple[str | int, ...], Any]] = []
    # Prefect reads `schedule` only when truthy, so `schedule: {}` (`prefect init` writes it) is
    # no schedule (prefect/cli/deploy/_config.py, _handle_deprecated_schedule_fields).
    if deployment.get("schedule") and isinstance(deployment["schedule"], dict):
        found.append((("deployments", index, "schedule"), deployment["schedule"]))
    items = deployment.get("schedules")
    if isinstance(items, list):
        found += [(("deployments", index, "schedules", j), s) for j, s in enumerate(items)]
    return found


def check_schedules(doc: Document, file: str) -> list[Finding]:
    """Build each schedule as `prefect deploy` does (cron, interval > 0, rrule; timezone)."""
    from prefect.client.schemas.schedules import CronSchedule, IntervalSchedule, RRuleSchedule
    from pydantic import ValidationError

    findings: list[Finding] = []
    for i, deployment in enumerate(deployments(doc.data)):
        if deployment.get("schedule") and "schedules" in deployment:
            findings.append(Finding(file, doc.line(("deployments", i, "schedule")), "schedule",
                                    "error", "both `schedule` and `schedules`: `prefect deploy` "
                                    "refuses the deployment; keep only `schedules`"))
        legacy = deployment.get("schedule")
        if legacy is not None and not isinstance(legacy, dict):
            findings.append(Finding(file, doc.line(("deployments", i, "schedule")), "schedule",
                                    "error", f"`schedule: {legacy!r}` is not a schedule mapping: "
                                    "Prefect rejects the whole prefect.yaml over it (\"Invalid "
                                    "fields in deployments: schedule\"); use `schedules:` (a "
                                    "list) or delete it"))
        if deployment.get("schedules") is not None and not isinstance(deployment["schedules"],
                                                                      list):
            findings.append(Finding(file, doc.line(("deployments", i, "schedules")),
                                    "schedule", "error", "schedules must be a list"))
        for path, item in schedules(deployment, i):
            if not isinstance(item, dict):
                findings.append(Finding(file, doc.line(path), "schedule", "error",
                                        "a schedule must be a mapping with cron, interval or "
                                        "rrule"))
                continue
            if any(is_template_string(v) for v in item.values()):
                continue
            kinds = [k for k in ("cron", "interval", "rrule") if item.get(k) is not None]
            if len(kinds) != 1:
                findings.append(Finding(file, doc.line(path), "schedule", "error",
                                        "a schedule needs exactly one of cron, interval, rrule"))
                continue
            kind = kinds[0]
            value, timezone = item[kind], item.get("timezone")
            extra = {"timezone": timezone} if timezone else {}
            try:
                if kind == "cron":
                    CronSchedule(cron=value, **extra, **({"day_or": item["day_or"]}
                                                         if item.get("day_or") is not None else {}))
                elif kind == "interval":
                    seconds = value.total_seconds() if isinstance(value, timedelta) else value
                    if isinstance(seconds, (int, float)) and not isinstance(seconds, bool) \
                            and seconds <= 0:
                        raise ValueError("interval must be greater than 0 seconds")
                    IntervalSchedule(interval=timedelta(seconds=seconds)
                                     if isinstance(seconds, (int, float)) else value, **extra)
                elif isinstance(value, str) and value.lstrip().startswith("{"):
                    RRuleSchedule(**json.loads(value))  # Prefect tries JSON first
                else:
                    RRuleSchedule(rrule=value, **extra)
            except ValidationError as problem:
                message = "; ".join(e["msg"].removeprefix("Value error, ")
                                    for e in problem.errors())
                findings.append(Finding(file, doc.line((*path, kind)), "schedule", "error",
                                        f"invalid {kind} schedule {value!r}: {message}"))
            except (ValueError, TypeError) as problem:
                findings.append(Finding(file, doc.line((*path, kind)), "schedule", "error",
                                        f"invalid {kind} schedule {value!r}: {problem}"))
    return findings


def check_pull(doc: Document, file: str, pool_types: dict[str, str]) -> list[Finding]:
    """A container or push pool deployment with no pull steps runs in the deploying machine's
    directory, which does not exist in its container.

    https://github.com/PrefectHQ/prefect/issues/22489: with no `pull`, Prefect records a
    `set_working_directory` to the cwd of `prefect deploy`. On a process pool run from the same
    checkout that is right, so only container/push pools (by type, or by an `image` job
    variable) are warned about; an explicit `pull: []` is a choice, not an omission.
    """
    data = doc.data if isinstance(doc.data, dict) else {}
    findings = []
    for i, deployment in enumerate(deployments(data)):
        pool = deployment.get("work_pool")
        if not isinstance(pool, dict) or not pool.get("name"):
            continue
        pull = deployment["pull"] if "pull" in deployment else data.get("pull")
        kind = pool_types.get(str(pool["name"]), "")
        image = isinstance(pool.get("job_variables"), dict) and pool["job_variables"].get("image")
        in_container = (kind and kind != "process") or (not kind and image)
        if pull is None and in_container:
            findings.append(Finding(
                file, doc.line(("deployments", i, "work_pool", "name")), "empty-pull", "warning",
                f"deployment {deployment.get('name') or i} runs on work pool {pool['name']!r} "
                f"({kind or 'a container image'}) but has no pull steps: Prefect will record "
                "`set_working_directory` to this machine's directory, absent in the container; "
                "add a pull section (set_working_directory to the image's code directory, or "
                "git_clone)"))
    return findings
