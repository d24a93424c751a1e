from __future__ import annotations

import json

from tests.check.conftest import PREFECT_YAML, Project, check, only, yaml_line


def test_unknown_job_variable_of_the_pool_type(project: Project) -> None:
    root = project(PREFECT_YAML.replace("        namespace: prefect",
                                        "        namespace: prefect\n        cpu_requests: 500m"))
    finding = only(check(root, pool_type="kubernetes"), "job-variables")
    assert finding.severity == "error" and finding.line == yaml_line(root, "cpu_requests")
    assert "'cpu_request'" in finding.message


def test_job_variable_of_the_wrong_type(project: Project) -> None:
    root = project(PREFECT_YAML.replace("        namespace: prefect",
                                        "        namespace: prefect\n        backoff_limit: -1"))
    finding = only(check(root, pool_type="kubernetes"), "job-variables")
    assert finding.line == yaml_line(root, "backoff_limit")


def test_unknown_pool_type_skips_with_a_note(project: Project) -> None:
    assert only(check(project()), "job-variables").severity == "info"


def test_push_type_uses_the_hybrid_variables_and_fargate_pairs(project: Project) -> None:
    root = project(PREFECT_YAML.replace("        namespace: prefect",
                                        "        cpu: 256\n        memory: 4096")
                   .replace("name: demo", "# pool ecs-push (ecs:push)\nname: demo"))
    finding = only(check(root), "fargate")
    assert finding.line == yaml_line(root, "memory: 4096")
    assert "512-2048" in finding.message or "512, 1024, 2048" in finding.message


def _template(**variables: dict) -> str:
    return json.dumps({
        "job_configuration": {"namespace": "{{ namespace }}", "image": "{{ image }}",
                              "labels": "{{ labelz }}"},
        "variables": {"type": "object", "properties": variables},
    }, indent=2)


def test_project_base_job_template_is_the_pool_schema(project: Project) -> None:
    template = _template(namespace={"type": "string", "default": "prefect"},
                         image={"type": "string"}, unused={"type": "string"})
    root = project(**{"k8s__base-job-template.json": template})
    report = check(root)
    by_rule = {(f.rule, f.severity): f for f in report.findings}
    placeholder = by_rule["base-job-template", "error"]
    assert "labelz" in placeholder.message
    assert placeholder.line == yaml_line(root, "labelz", "k8s/base-job-template.json")
    assert "'unused'" in by_rule["base-job-template", "warning"].message
    assert not [f for f in report.findings if f.rule == "job-variables"]


def test_variable_missing_from_project_template(project: Project) -> None:
    template = _template(namespace={"type": "string"}, image={"type": "string"},
                         labelz={"type": "object"})
    root = project(PREFECT_YAML.replace("        namespace: prefect", "        namespace: x\n"
                                        "        cpu_request: 1"),
                   **{"k8s__base-job-template.json": template})
    finding = only(check(root), "job-variables")
    assert "'cpu_request'" in finding.message and "k8s/base-job-template.json" in finding.message
