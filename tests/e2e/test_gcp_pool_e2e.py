"""gcp_pool end to end: deployments on a real Prefect server's cloud-run-v2 and vertex-ai pools,
each run's job built by the worker's own code path (`resolve_for_flow_run`, as a worker does when
it picks a run up) and validated against Google's discovery documents, and the rendered
project's own tests and linter.

No Google account exists here: Google's API schemas stand in for the API (tests/helpers/gcp_api.py).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

import pytest

from tests.helpers import gcp_api
from tests.helpers.prefect_deploy import deploy, unknown_job_variables
from tests.helpers.projects import assert_own_tests_and_lint_pass, render_template, sync_project

pytestmark = pytest.mark.e2e

VERTEX = {"pool_type": "vertex-ai", "machine_type": "a2-highgpu-1g",
          "accelerator_type": "NVIDIA_TESLA_A100", "prefect_api": "cloud",
          "work_pool_name": "gcp-vertex", "flow_name": "train_model"}


@pytest.fixture(autouse=True)
def _no_google_credentials(monkeypatch, tmp_path):
    gcp_api.fake_google_credentials(monkeypatch, tmp_path)


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """The issue's acceptance command, with basic auth for the self-hosted server."""
    destination = tmp_path_factory.mktemp("gcp_pool") / "repo"
    result = subprocess.run([sys.executable, "-m", "prefect_scaffold", "new", str(destination),
                             "--containers", "--serverless", "--no-cloud-credentials",
                             "--cloud", "gcp", "--defaults",
                             "--data", "prefect_api_auth_string_secret=prefect-auth"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return destination


def _base_job_template(project):
    """The project's own script, run as provision.sh runs it (here in this venv)."""
    result = subprocess.run([sys.executable, "scripts/base_job_template.py"], cwd=project,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def deployed(project, prefect_api, tmp_path_factory):
    """Both pool types, each with the project's base job template, and their deployments."""
    vertex = tmp_path_factory.mktemp("gcp_vertex") / "repo"
    render_template("gcp_pool", vertex, **VERTEX)
    return {pool_type: deploy(path, tmp_path_factory.mktemp(pool_type), prefect_api,
                              pool_type=pool_type, base_job_template=_base_job_template(path))
            for pool_type, path in (("cloud-run-v2", project), ("vertex-ai", vertex))}


def test_deployments_land_on_pools_of_the_real_types(deployed):
    for pool_type, result in deployed.items():
        assert result.pool.type == pool_type
        assert unknown_job_variables(result) == {}
        (deployment,) = result.deployments
        names = {"cloud-run-v2": "hello-etl", "vertex-ai": "train-model"}
        assert deployment.name == names[pool_type]
        assert deployment.job_variables["image"] == "registry.example.com/flows:test"
    defaults = deployed["cloud-run-v2"].pool.base_job_template["variables"]["properties"]
    assert defaults["prefect_api_auth_string_secret"]["default"] == {
        "secret": "prefect-auth", "version": "latest"}


async def _job_for_a_run(api_url: str, pool_type: str, result) -> object:
    """Create a run of the deployment and build its job as a worker picking it up does."""
    from prefect.client.orchestration import PrefectClient

    (deployment,) = result.deployments
    async with PrefectClient(api=api_url) as client:
        flow_run = await client.create_flow_run_from_deployment(deployment.id)
        pool = await client.read_work_pool(result.pool.name)
        configuration = gcp_api.worker_class(pool_type).job_configuration
        return await configuration.resolve_for_flow_run(
            flow_run, client=client, work_pool=pool, worker_name="e2e-worker")


@pytest.mark.parametrize("pool_type", ["cloud-run-v2", "vertex-ai"])
def test_the_worker_builds_a_valid_google_api_request_for_each_run(
        deployed, prefect_api, pool_type):
    from prefect.settings import PREFECT_API_AUTH_STRING, PREFECT_API_URL, temporary_settings

    # The worker's own credentials, which Cloud Run flow runs must read from Secret Manager.
    with temporary_settings({PREFECT_API_URL: prefect_api,
                             PREFECT_API_AUTH_STRING: "admin:never-in-the-job"}):
        config = asyncio.run(_job_for_a_run(prefect_api, pool_type, deployed[pool_type]))
    body = gcp_api.request_body(pool_type, config)
    assert gcp_api.body_errors(*gcp_api.CREATE_METHOD[pool_type], body) == []
    if pool_type == "cloud-run-v2":
        assert "never-in-the-job" not in json.dumps(body)
        container = body["template"]["template"]["containers"][0]
        assert container["image"] == "registry.example.com/flows:test"
        assert container["command"] == ["prefect", "flow-run", "execute"]
        env = {e["name"]: e for e in container["env"]}
        assert env["PREFECT_API_AUTH_STRING"]["valueSource"] == {
            "secretKeyRef": {"secret": "prefect-auth", "version": "latest"}}
        assert body["template"]["template"]["serviceAccount"] == (
            "gcp-pool-flows@my-gcp-project.iam.gserviceaccount.com")
        assert config.region == "us-central1"
    else:
        (pool_spec,) = body["jobSpec"]["workerPoolSpecs"]
        assert pool_spec["machineSpec"] == {"machineType": "a2-highgpu-1g",
                                            "acceleratorType": "NVIDIA_TESLA_A100",
                                            "acceleratorCount": 1}
        assert body["jobSpec"]["serviceAccount"] == (
            "gcp-vertex-flows@my-gcp-project.iam.gserviceaccount.com")
        assert body["jobSpec"]["scheduling"] == {"timeout": "14400s"}


def test_rendered_project_passes_its_own_tests_and_lints_clean(project):
    sync_project(project)
    assert_own_tests_and_lint_pass(project)
