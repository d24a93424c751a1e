from __future__ import annotations

import json
from decimal import Decimal

import pytest

from prefect_scaffold.check.resource_limits import parse_quantity
from tests.check.conftest import PREFECT_YAML, Project, check, only, yaml_line


@pytest.mark.parametrize(("text", "value"), [
    ("500m", Decimal("0.5")), ("1", Decimal(1)), ("0.5", Decimal("0.5")), (2, Decimal(2)),
    ("512Mi", Decimal(512 * 2**20)), ("1Gi", Decimal(2**30)), ("1G", Decimal(10**9)),
    ("1e3", Decimal(1000)), ("1E", Decimal(10**18)), ("1Ki", Decimal(1024)),
    ("1k", Decimal(1000)), (".5", Decimal("0.5")),
])
def test_quantities_have_their_kubernetes_value(text, value) -> None:
    assert parse_quantity(text) == value


@pytest.mark.parametrize("text", ["1ki", "1 Gi", "Gi", "1GB", "", True, None, "{{ cpu }}"])
def test_what_is_not_a_quantity_is_not_compared(text) -> None:
    assert parse_quantity(text) is None


def _job_variables(**values: str) -> str:
    lines = "".join(f"\n        {key}: {json.dumps(value)}" for key, value in values.items())
    return PREFECT_YAML.replace("        namespace: prefect", "        namespace: prefect" + lines)


def _template(**defaults: str) -> str:
    properties = {key: {"type": "string", "default": value} for key, value in defaults.items()}
    properties |= {"namespace": {"type": "string"}, "image": {"type": "string"}}
    for name in ("cpu_request", "cpu_limit", "memory_request", "memory_limit"):
        properties.setdefault(name, {"type": "string"})
    return json.dumps({
        "job_configuration": {"namespace": "{{ namespace }}", "image": "{{ image }}",
                              "cpu": ["{{ cpu_request }}", "{{ cpu_limit }}"],
                              "memory": ["{{ memory_request }}", "{{ memory_limit }}"]},
        "variables": {"type": "object", "properties": properties}}, indent=2)


def test_a_request_above_its_limit_in_job_variables(project: Project) -> None:
    root = project(_job_variables(cpu_request="2", cpu_limit="500m"))
    finding = only(check(root, pool_type="kubernetes"), "requests-limits")
    assert finding.severity == "error"
    assert finding.line == yaml_line(root, "cpu_limit")
    assert "cpu_request 2 exceeds cpu_limit 500m" in finding.message


@pytest.mark.parametrize(("request_", "limit"), [("500m", "1"), ("512Mi", "1Gi"), ("1Gi", "1Gi"),
                                                 ("1G", "1Gi")])
def test_requests_up_to_the_limit_pass(project: Project, request_: str, limit: str) -> None:
    kind = "memory" if "G" in request_ + limit or "M" in request_ else "cpu"
    root = project(_job_variables(**{f"{kind}_request": request_, f"{kind}_limit": limit}))
    report = check(root, pool_type="kubernetes")
    assert [f for f in report.findings if f.rule == "requests-limits"] == []


def test_a_request_above_the_pool_templates_default_limit(project: Project) -> None:
    root = project(_job_variables(memory_request="2Gi"),
                   **{"k8s__base-job-template.json": _template(memory_limit="1Gi")})
    finding = only(check(root), "requests-limits")
    assert finding.line == yaml_line(root, "memory_request")
    assert "memory_request 2Gi exceeds memory_limit 1Gi" in finding.message


def test_a_base_job_template_whose_defaults_cannot_run(project: Project) -> None:
    root = project(**{"k8s__base-job-template.json": _template(cpu_request="2", cpu_limit="1")})
    finding = only(check(root), "requests-limits")
    assert finding.file.endswith("k8s/base-job-template.json")
    assert finding.line == yaml_line(root, '"cpu_limit": {', "k8s/base-job-template.json")
    assert "cpu_request 2 exceeds cpu_limit 1 (defaults)" in finding.message


def test_the_workers_own_resources_in_helm_values(project: Project) -> None:
    values = """\
    worker:
      config:
        workPool: k8s
      resources:
        requests:
          cpu: "2"
          memory: 256Mi
        limits:
          cpu: 1000m
          memory: 1Gi
    """
    root = project(**{"helm__values.yaml": values})
    findings = [f for f in check(root).findings if f.rule == "requests-limits"]
    assert [(f.file.endswith("helm/values.yaml"), f.line) for f in findings] == [
        (True, yaml_line(root, "cpu: 1000m", "helm/values.yaml"))]
    assert "worker.resources: cpu request 2 exceeds its limit 1000m" in findings[0].message


def test_container_resources_in_a_manifest(project: Project) -> None:
    manifest = """\
    apiVersion: v1
    kind: Pod
    metadata:
      name: etl
    spec:
      containers:
        - name: etl
          image: ghcr.io/acme/etl:1
          resources:
            requests:
              memory: 2Gi
            limits:
              memory: 1Gi
    """
    root = project(**{"k8s__pod.yaml": manifest})
    (finding,) = [f for f in check(root).findings if f.rule == "requests-limits"]
    assert finding.line == yaml_line(root, "memory: 1Gi", "k8s/pod.yaml")
    assert "memory request 2Gi exceeds its limit 1Gi" in finding.message
