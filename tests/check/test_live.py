"""`check --api`: job_variables against the live work pool's base job template."""

from __future__ import annotations

import json
import uuid

import pytest

from tests.check.conftest import PREFECT_YAML, Project, check, only, yaml_line
from tests.helpers.cli import Invoke, assert_refused
from tests.helpers.k8s_job import default_base_job_template
from tests.helpers.loopback import free_port
from tests.helpers.prefect_deploy import create_work_pool


def _pool(api_url: str, template: dict | None = None) -> str:
    """A new kubernetes work pool on the server (its template, if given); its name."""
    name = f"check-{uuid.uuid4().hex[:8]}"
    create_work_pool(api_url, name, "kubernetes", template)
    return name


@pytest.mark.e2e
def test_live_pool_replaces_the_default_template(
        project: Project, prefect_api: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A variable only the live pool declares passes with --api, and fails offline."""
    template = default_base_job_template()
    template["variables"]["properties"]["gpu_count"] = {"type": "integer", "default": 0}
    template["job_configuration"]["job_manifest"]["metadata"]["annotations"] = {
        "gpus": "{{ gpu_count }}"}
    name = _pool(prefect_api, template)
    root = project(PREFECT_YAML.replace("name: k8s", f"name: {name}")
                   .replace("namespace: prefect", "namespace: prefect\n        gpu_count: 2"))
    monkeypatch.setenv("PREFECT_API_URL", prefect_api)
    live = check(root, api=True)
    assert not [f.as_text() for f in live.findings if f.severity != "info"]
    note = next(f for f in live.findings if f.rule == "pool-type")
    assert prefect_api in note.message and "type kubernetes" in note.message
    offline = only(check(root, pool_type="kubernetes"), "job-variables")
    assert "'gpu_count'" in offline.message


@pytest.mark.e2e
def test_live_schema_is_applied(project: Project, prefect_api: str,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The live pool caps backoff_limit at 3; the installed default does not."""
    template = default_base_job_template()
    template["variables"]["properties"]["backoff_limit"]["maximum"] = 3
    name = _pool(prefect_api, template)
    root = project(PREFECT_YAML.replace("name: k8s", f"name: {name}")
                   .replace("namespace: prefect", "namespace: prefect\n        backoff_limit: 5"))
    assert not [f for f in check(root, pool_type="kubernetes").findings
                if f.severity != "info"]
    monkeypatch.setenv("PREFECT_API_URL", prefect_api)
    finding = only(check(root, api=True), "job-variables")
    assert finding.line == yaml_line(root, "backoff_limit")
    assert "job variable backoff_limit: 5 is greater than the maximum of 3" in finding.message


@pytest.mark.e2e
def test_missing_pool_is_an_error_at_its_name(project: Project, prefect_api: str,
                                              cli: Invoke,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    name = f"absent-{uuid.uuid4().hex[:8]}"
    root = project(PREFECT_YAML.replace("name: k8s", f"name: {name}"))
    monkeypatch.setenv("PREFECT_API_URL", prefect_api)
    finding = only(check(root, api=True, pool_type="kubernetes"), "work-pool")
    assert finding.severity == "error"
    assert finding.line == yaml_line(root, f"name: {name}")
    assert f"work pool {name!r} does not exist at {prefect_api}" in finding.message
    result = cli("check", root, "--api", "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["errors"] == 1


def test_api_without_url_is_refused(cli: Invoke, project: Project,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        assert_refused(cli("check", project(), "--api"), "check --api",
                       "PREFECT_API_URL is not set")


@pytest.mark.slow
def test_api_unreachable_is_refused(cli: Invoke, project: Project,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"http://127.0.0.1:{free_port()}/api"
    monkeypatch.setenv("PREFECT_API_URL", url)
    assert_refused(cli("check", project(), "--api"), f"cannot read work pools from {url}")
