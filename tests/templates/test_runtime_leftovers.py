"""What each hybrid template's worker creates at run time, per flow run, and what becomes of it:
deleted by the worker when the run ends, by teardown, or kept and said so in the README. The
defaults that decide it are read from the pool template the project's own script builds with the
installed worker package. (ecs_pool's task definitions and k8s_pool's Jobs are removed by their
teardown scripts: tests/e2e/test_ecs_pool_scripts_e2e.py, tests/templates/test_k8s_pool.py.)"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.projects import render_template


def _pool_defaults(project: Path, *args: str) -> dict:
    built = subprocess.run([sys.executable, "scripts/base_job_template.py", *args], cwd=project,
                           capture_output=True, text=True, timeout=120, check=False)
    assert built.returncode == 0, built.stderr
    properties = json.loads(built.stdout)["variables"]["properties"]
    return {name: spec.get("default") for name, spec in properties.items()}


def _readme(project: Path) -> str:
    return " ".join((project / "README.md").read_text().split())


@pytest.mark.slow
def test_cloud_run_jobs_are_deleted_by_the_worker_when_each_run_ends(tmp_path):
    render_template("gcp_pool", tmp_path / "p", pool_type="cloud-run-v2")
    assert _pool_defaults(tmp_path / "p")["keep_job"] is False
    assert "The worker deletes each run's Cloud Run job when the run ends" in _readme(
        tmp_path / "p")


@pytest.mark.slow
def test_vertex_custom_jobs_stay_in_the_job_history_as_the_readme_says(tmp_path):
    render_template("gcp_pool", tmp_path / "p", pool_type="vertex-ai")
    assert "keep_job" not in _pool_defaults(tmp_path / "p")  # Vertex jobs are never deleted
    assert ("Vertex AI keeps each run's custom job in the project's job history" in
            _readme(tmp_path / "p"))


@pytest.mark.slow
def test_aci_container_groups_are_deleted_by_the_worker_when_each_run_ends(tmp_path):
    render_template("azure_pool", tmp_path / "p")
    defaults = _pool_defaults(tmp_path / "p", "--flow-identity-client-id",
                              "00000000-0000-0000-0000-000000000000")
    assert defaults["keep_container_group"] is False
    assert "The worker deletes each run's container group when the run ends" in _readme(
        tmp_path / "p")


@pytest.mark.parametrize(("provider", "variable"), [("cloud-run", "keep_job"),
                                                    ("azure-container-instance",
                                                     "keep_container_group")])
@pytest.mark.slow
def test_push_pools_leave_no_run_infrastructure_and_say_so(tmp_path, provider, variable):
    from prefect_azure.workers.container_instance import AzureContainerWorker
    from prefect_gcp.workers.cloud_run import CloudRunWorker

    # A push pool's type (cloud-run:push, azure-container-instance:push) has the schema of the
    # hybrid type whose worker package is installed here.
    worker = CloudRunWorker if provider == "cloud-run" else AzureContainerWorker
    properties = worker.get_default_base_job_template()["variables"]["properties"]
    assert properties[variable]["default"] is False
    render_template("push_pool", tmp_path / "p", provider=provider)
    config = (tmp_path / "p" / "prefect.yaml").read_text()
    assert variable not in config  # the pool type's default applies
    assert f"(`{variable}` is false)" in _readme(tmp_path / "p")
