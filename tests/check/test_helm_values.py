from __future__ import annotations

import json
from pathlib import Path

from prefect_scaffold.check.helm_values import SCHEMA_FILE
from tests.check.conftest import Project, check, only, yaml_line

VALUES = """\
worker:
  config:
    workPool: k8s
    workQueues: [default]
  apiConfig: cloud
  image:
    repository: prefecthq/prefect
    prefectTag: 3-python3.12-kubernetes
"""


def test_vendored_schema_matches_the_shared_upstream_copy(
        helm_chart_files: tuple[Path, Path]) -> None:
    schema, _ = helm_chart_files
    assert json.loads(SCHEMA_FILE.read_text()) == json.loads(schema.read_text())


def test_valid_values_are_clean(project: Project) -> None:
    report = check(project(**{"helm__values.yaml": VALUES}))
    assert report.errors == 0 and report.warnings == 0, [f.as_text() for f in report.findings]
    assert any(f.rule == "pool-type" and "kubernetes" in f.message for f in report.findings)


def test_value_of_the_wrong_type(project: Project) -> None:
    root = project(**{"helm__values.yaml": VALUES.replace("[default]", "default")})
    finding = only(check(root), "helm-values")
    assert finding.file.endswith("helm/values.yaml")
    assert finding.line == yaml_line(root, "workQueues", "helm/values.yaml")
    assert "must be array" in finding.message


def test_unknown_and_renamed_values(project: Project) -> None:
    values = VALUES.replace("    workPool: k8s", "    workPool: k8s\n    namespace: prefect") \
        + "  serverApiConfig:\n    apiUrl: http://x\n"
    root = project(**{"helm__values.yaml": values})
    report = check(root)
    found = {f.line: f.message for f in report.findings if f.rule == "helm-values"}
    assert "not a value of the prefect-worker chart" in found[
        yaml_line(root, "namespace: prefect", "helm/values.yaml")]
    assert "selfHostedServerApiConfig" in found[
        yaml_line(root, "serverApiConfig", "helm/values.yaml")]


def test_helm_values_syntax_error(project: Project) -> None:
    root = project(**{"helm__values.yaml": "worker:\n  config: {workPool: k8s\n"})
    assert only(check(root, pool_type="kubernetes"), "syntax").file.endswith("values.yaml")


def test_helm_values_alone_are_checked(project: Project) -> None:
    root = project(None, **{"helm__values.yaml": VALUES.replace("[default]", "7")})
    assert check(root).errors == 1


