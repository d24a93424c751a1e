from __future__ import annotations

import json
import sys

import pytest

from prefect_scaffold.check.ecs_task_definition import fargate_problem
from tests.check.conftest import PREFECT_YAML, Project, check, only, yaml_line

FILE = "infra/task-definition.json"
ECS_YAML = PREFECT_YAML.replace("namespace: prefect", "cluster: demo")


def _task_definition(**overrides: object) -> str:
    definition = {
        "family": "worker", "requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc",
        "cpu": "512", "memory": "1024",
        "containerDefinitions": [{
            "name": "worker", "image": "prefecthq/prefect:3-python3.12", "essential": True,
            "command": ["prefect", "worker", "start", "--pool", "k8s", "--type", "ecs"],
            "environment": [{"name": "EXTRA_PIP_PACKAGES", "value": "prefect-aws"}],
        }],
    }
    definition.update(overrides)
    return json.dumps(definition, indent=2)


@pytest.mark.parametrize(("cpu", "memory", "ok"), [
    (256, 512, True), ("1 vCPU", "2 GB", True), (1024, 2048, True), (8192, 20480, True),
    (256, 4096, False), (8192, 17408, False), (300, 1024, False)])
def test_fargate_pairs(cpu: object, memory: object, ok: bool) -> None:
    assert (fargate_problem(cpu, memory) is None) is ok


def test_valid_task_definition_is_clean_and_gives_the_pool_type(project: Project) -> None:
    report = check(project(ECS_YAML, **{"infra__task-definition.json": _task_definition()}))
    assert report.errors == 0 and report.warnings == 0, [f.as_text() for f in report.findings]
    assert any(f.rule == "pool-type" and "type ecs" in f.message for f in report.findings)


def test_invalid_fargate_pair(project: Project) -> None:
    text = _task_definition(cpu="256", memory="4096")
    root = project(ECS_YAML, **{"infra__task-definition.json": text})
    finding = only(check(root), "fargate")
    assert finding.file.endswith(FILE) and finding.line == yaml_line(root, '"memory"', FILE)


def test_unknown_field_and_wrong_type_from_botocore_model(project: Project) -> None:
    text = _task_definition(networkMode="vpc", taskRole="x")
    root = project(ECS_YAML, **{"infra__task-definition.json": text})
    found = {f.line: f.message for f in check(root).findings if f.rule == "ecs-task-definition"}
    assert "'taskRoleArn'" in found[yaml_line(root, '"taskRole"', FILE)]
    assert "not one of" in found[yaml_line(root, '"networkMode"', FILE)]


def test_without_botocore_the_model_check_is_a_note(project: Project,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "botocore", None)
    monkeypatch.setitem(sys.modules, "botocore.session", None)
    root = project(ECS_YAML, **{"infra__task-definition.json": _task_definition(taskRole="x")})
    assert only(check(root), "ecs-task-definition").severity == "info"


def test_ecs_worker_image_needs_prefect_aws(project: Project) -> None:
    definition = json.loads(_task_definition())
    definition["containerDefinitions"][0]["environment"] = []
    root = project(ECS_YAML, **{"infra__task-definition.json": json.dumps(definition, indent=2)})
    finding = only(check(root), "worker-image")
    assert finding.line == yaml_line(root, '"image"', FILE)
