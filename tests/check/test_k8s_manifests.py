"""Kubernetes objects: YAML manifests, and the Job a base job template makes the worker submit."""

from __future__ import annotations

import json
import sys

import pytest

from tests.check.conftest import PREFECT_YAML, Project, check, only, yaml_line
from tests.helpers.k8s_job import default_base_job_template, strict_errors, worker_job_manifest

MANIFESTS = """\
apiVersion: v1
kind: ServiceAccount
metadata:
  name: prefect-worker
  namespace: prefect
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: prefect-worker
  namespace: prefect
rules:
  - apiGroups: ["batch"]
    resources: ["jobs"]
    verbs: ["create", "get", "list", "watch", "delete"]
"""


def _job_template() -> dict:
    """prefect-kubernetes' default template with Job-level parallelism/completions (valid)."""
    template = default_base_job_template()
    manifest = template["job_configuration"]["job_manifest"]
    pod_spec = manifest["spec"]["template"]["spec"]
    for key in ("parallelism", "completions"):
        if key in pod_spec:
            manifest["spec"][key] = pod_spec.pop(key)
    return template


def test_valid_multi_document_manifests_are_clean(project: Project) -> None:
    root = project(**{"k8s__rbac.yaml": MANIFESTS})
    report = check(root, pool_type="kubernetes")
    assert str(root / "k8s/rbac.yaml") in report.checked
    assert not [f for f in report.findings if f.severity != "info"]


def test_unknown_field_in_a_manifest_is_an_error_at_its_line(project: Project) -> None:
    root = project(**{"k8s__rbac.yaml": MANIFESTS.replace("    verbs:", "    verb: [get]\n"
                                                                       "    verbs:")})
    finding = only(check(root, pool_type="kubernetes"), "k8s-manifest")
    assert finding.severity == "error" and finding.file == str(root / "k8s/rbac.yaml")
    assert finding.line == yaml_line(root, "verb:", "k8s/rbac.yaml")
    assert "Role rbac.authorization.k8s.io/v1" in finding.message and "'verb'" in finding.message


def test_custom_resources_and_templated_manifests_are_noted(project: Project) -> None:
    root = project(**{"k8s__crd.yaml": "apiVersion: example.com/v1\nkind: Widget\n"
                                       "metadata: {name: w}\n",
                      "chart__job.yaml": "apiVersion: batch/v1\nkind: Job\nmetadata:\n"
                                         "  name: '{{ .Release.Name }}'\n"})
    notes = [f for f in check(root, pool_type="kubernetes").findings if f.rule == "k8s-manifest"]
    assert sorted(f.severity for f in notes) == ["info", "info"]


@pytest.mark.slow
def test_base_job_template_job_is_valid_as_the_worker_builds_it(project: Project) -> None:
    template = _job_template()
    assert not strict_errors(worker_job_manifest(template, {}))  # the reference renderer agrees
    root = project(**{"k8s__base-job-template.json": json.dumps(template, indent=2)})
    report = check(root)
    assert not [f for f in report.findings if f.rule == "k8s-manifest"]


def test_prefect_kubernetes_default_template_is_flagged(project: Project) -> None:
    """prefect-kubernetes puts parallelism/completions in the pod spec, where strict
    validation (and the API server's strict field validation) rejects them."""
    template = default_base_job_template()
    if "completions" not in template["job_configuration"]["job_manifest"]["spec"]["template"][
            "spec"]:
        pytest.skip("this prefect-kubernetes has fixed its default template")
    assert strict_errors(worker_job_manifest(template, {}))
    root = project(**{"k8s__base-job-template.json": json.dumps(template, indent=2)})
    finding = only(check(root), "k8s-manifest")
    assert finding.line == yaml_line(root, '"completions"', "k8s/base-job-template.json")
    assert "spec.template.spec" in finding.message and "completions" in finding.message


def test_variable_default_of_the_wrong_type_for_its_place(project: Project) -> None:
    template = _job_template()
    template["job_configuration"]["job_manifest"]["spec"]["template"]["spec"][
        "activeDeadlineSeconds"] = "{{ namespace }}"
    assert strict_errors(worker_job_manifest(template, {}))
    root = project(**{"k8s__base-job-template.json": json.dumps(template, indent=2)})
    finding = only(check(root), "k8s-manifest")
    assert finding.line == yaml_line(root, '"activeDeadlineSeconds"',
                                     "k8s/base-job-template.json")
    assert "{{ namespace }}" in finding.message and "'default' is not of type" in finding.message


def test_variable_without_default_gets_a_value_of_its_type(project: Project) -> None:
    """finished_job_ttl has no default: a sample integer still lands in a string-only field."""
    template = _job_template()
    template["job_configuration"]["job_manifest"]["spec"]["template"]["spec"][
        "hostname"] = "{{ finished_job_ttl }}"
    root = project(**{"k8s__base-job-template.json": json.dumps(template, indent=2)})
    finding = only(check(root), "k8s-manifest")
    assert finding.line == yaml_line(root, '"hostname"', "k8s/base-job-template.json")
    assert "{{ finished_job_ttl }}" in finding.message


def test_without_kubernetes_validate_each_file_gets_a_note(
        project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "kubernetes_validate", None)  # import raises ImportError
    root = project(**{"k8s__rbac.yaml": MANIFESTS.replace("    verbs:", "    verb:"),
                      "k8s__base-job-template.json": json.dumps(default_base_job_template())})
    notes = [f for f in check(root).findings if f.rule == "k8s-manifest"]
    assert [f.severity for f in notes] == ["info", "info"]
    assert all("kubernetes-validate is not installed" in f.message for f in notes)


def test_prefect_yaml_is_not_a_manifest(project: Project) -> None:
    root = project(PREFECT_YAML)
    assert not [f for f in check(root, pool_type="kubernetes").findings
                if f.rule == "k8s-manifest"]
