from __future__ import annotations

from tests.check.conftest import PREFECT_YAML, Project, check, only, yaml_line
from tests.check.test_helm_values import VALUES

HELM = "helm/values.yaml"


def test_pool_name_differs_between_helm_and_prefect_yaml(project: Project) -> None:
    root = project(**{"helm__values.yaml": VALUES.replace("workPool: k8s", "workPool: k8s-pool")})
    report = check(root, pool_type="kubernetes")
    finding = only(report, "pool-name")
    assert finding.line == yaml_line(root, "workPool", HELM) and "'k8s'" in finding.message


def test_worker_command_pool_differs(project: Project) -> None:
    root = project(**{"scripts__start.sh": "#!/bin/sh\nprefect worker start --pool other "
                                           "--type kubernetes\n"})
    finding = only(check(root), "pool-name")
    assert finding.file.endswith("scripts/start.sh") and finding.line == 2


def test_namespace_differs_between_helm_and_job_variables(project: Project) -> None:
    values = VALUES.replace("    workPool: k8s", "    workPool: k8s\n    jobNamespace: flows")
    root = project(**{"helm__values.yaml": values})
    finding = only(check(root), "namespace")
    assert finding.line == yaml_line(root, "jobNamespace", HELM)
    assert "'prefect'" in finding.message


def test_namespace_differs_between_template_and_job_variables(project: Project) -> None:
    template = ('{"job_configuration": {"namespace": "{{ namespace }}", "image": "{{ image }}"},\n'
                ' "variables": {"properties": {"image": {"type": "string"},\n'
                '   "namespace": {"type": "string", "default": "default"}}}}\n')
    root = project(PREFECT_YAML, **{"helm__values.yaml": VALUES,
                                    "k8s__base-job-template.json": template})
    finding = only(check(root), "namespace")
    assert finding.file.endswith("k8s/base-job-template.json")


def test_worker_image_without_kubernetes_extra(project: Project) -> None:
    root = project(**{"helm__values.yaml": VALUES.replace("3-python3.12-kubernetes",
                                                          "3-python3.12")})
    finding = only(check(root), "worker-image")
    assert finding.line == yaml_line(root, "prefectTag", HELM)
