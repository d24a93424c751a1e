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


def test_pool_type_inferred_from_a_key_only_one_type_has(project: Project) -> None:
    root = project(PREFECT_YAML.replace("        namespace: prefect", "        namespace: prefect\n"
                                        "        image_pul_policy: Always"))
    report = check(root)
    note = next(f for f in report.findings if f.rule == "pool-type")
    assert "kubernetes" in note.message and "'namespace'" in note.message
    typo = next(f for f in report.findings if f.rule == "job-variables")
    assert typo.severity == "warning"  # a guessed type: the pool's template may be customised
    assert "'image_pull_policy'" in typo.message
    assert typo.line == yaml_line(root, "image_pul_policy")


def test_pool_type_inferred_from_the_pool_name(project: Project) -> None:
    root = project(PREFECT_YAML.replace("        namespace: prefect\n", "")
                   .replace("name: k8s", "name: prod-ecs-pool"))
    assert "type ecs (inferred from the pool's name" in only(check(root), "pool-type").message


def test_unknown_pool_type_checks_keys_against_every_known_type(project: Project) -> None:
    root = project(PREFECT_YAML.replace("        namespace: prefect\n", "        imagee: x\n")
                   .replace("name: k8s", "name: workers"))
    report = check(root)
    warning = next(f for f in report.findings if f.severity == "warning")
    assert warning.rule == "job-variables" and "(did you mean 'image'?)" in warning.message
    assert "--pool-type workers=TYPE" in warning.message
    notes = [f for f in report.findings if f.rule == "job-variables" and f.severity == "info"]
    assert len(notes) == 1 and "'workers'" in notes[0].message
    assert report.errors == 0


def test_pool_type_for_one_named_pool(project: Project) -> None:
    root = project(PREFECT_YAML.replace("name: k8s", "name: workers"))
    report = check(root, pool_type="workers=docker,other=ecs")
    error = only(report, "job-variables")
    assert error.severity == "error" and error.line == yaml_line(root, "namespace: prefect")
    assert "'namespace' is not a variable of work pool 'workers'" in error.message
    assert "docker" in error.message


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


def test_a_lone_custom_variable_does_not_make_a_type_guess(project: Project) -> None:
    # `my_flag` is in no worker type's template: the pool's template is customised, so the
    # name `k8s` must not turn it into a typo of the kubernetes default template.
    job_variables = PREFECT_YAML.index("      job_variables:\n")
    root = project(PREFECT_YAML[:job_variables] + "      job_variables:\n        my_flag: true\n")
    report = check(root)
    assert not [f for f in report.findings if f.rule == "pool-type"]
    warning = next(f for f in report.findings
                   if f.rule == "job-variables" and f.severity == "warning")
    assert "'my_flag' is not a job variable of any work pool type" in warning.message
    assert "kubernetes" not in warning.message and report.errors == 0
