"""push_pool end to end: deploy each provider's prefect.yaml to its hybrid counterpart on a real
local Prefect server and check the job variables against that type's schema; run the rendered
projects' own tests; run the provisioning script without a Prefect Cloud login."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import pytest

from tests.helpers.prefect_deploy import (
    create_work_pool,
    deploy,
    prefect_cli,
    unknown_job_variables,
)
from tests.helpers.projects import project_env, render_template, run_in_project
from tests.helpers.skips import NO_HYBRID_TWIN

pytestmark = pytest.mark.e2e

PROVIDERS = ["ecs", "cloud-run", "azure-container-instance", "modal"]
HYBRID = {"ecs": "ecs", "cloud-run": "cloud-run",
          "azure-container-instance": "azure-container-instance"}


@pytest.fixture(scope="module", params=PROVIDERS)
def project(request, tmp_path_factory) -> tuple[str, Path]:
    """One rendered project per provider, shared so its virtualenv is made once."""
    destination = tmp_path_factory.mktemp(request.param) / "p"
    render_template("push_pool", destination, provider=request.param)
    return request.param, destination


def test_deploys_to_the_hybrid_counterpart_with_known_job_variables(project, prefect_api,
                                                                    tmp_path):
    import jsonschema

    provider, path = project
    if provider not in HYBRID:
        pytest.skip(NO_HYBRID_TWIN)
    deployed = deploy(path, tmp_path, prefect_api, pool_type=HYBRID[provider])
    assert [d.name for d in deployed.deployments] == ["hello-etl"]
    assert unknown_job_variables(deployed) == {}
    variables = deployed.pool.base_job_template["variables"]
    (deployment,) = deployed.deployments
    assert deployment.job_variables["image"] == "registry.example.com/flows:test"
    jsonschema.validate(deployment.job_variables, {**variables, "required": []})
    assert deployment.work_queue_name == "default"


def test_modal_prefect_yaml_deploys(prefect_api, tmp_path):
    """No hybrid modal type exists; a process pool still proves prefect deploy accepts the file."""
    render_template("push_pool", tmp_path / "modal", provider="modal")
    deployed = deploy(tmp_path / "modal", tmp_path / "work", prefect_api, pool_type="process")
    (deployment,) = deployed.deployments
    assert deployment.pull_steps[0]["prefect.deployments.steps.git_clone"]["repository"] == (
        "https://github.com/your-org/my-flows.git")


def test_rendered_project_tests_and_lint_pass(project):
    provider, path = project
    # The tests that need the project's temporary Prefect server (the flow and its task) are the
    # same files for every provider (test_server_backed_tests_do_not_depend_on_the_provider):
    # they run once, for the first; the others run the rest, their prefect.yaml checks included.
    selection = [] if provider == PROVIDERS[0] else ["-m", "not prefect_server"]
    tests = run_in_project(path, "pytest", "-q", *selection)
    assert " passed" in tests.stdout, tests.stdout + tests.stderr
    assert tests.returncode == 0, tests.stdout + tests.stderr
    lint = run_in_project(path, "ruff", "check", ".")
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_server_backed_tests_do_not_depend_on_the_provider(tmp_path):
    def server_backed_files(provider):
        root = tmp_path / provider
        render_template("push_pool", root, provider=provider)
        paths = [*sorted((root / "flows").rglob("*.py")), root / "tests" / "conftest.py",
                 root / "tests" / "test_hello_etl.py"]
        return {str(path.relative_to(root)): path.read_text() for path in paths}

    first = server_backed_files(PROVIDERS[0])
    assert "prefect_server" in first["tests/test_hello_etl.py"]
    for provider in PROVIDERS[1:]:
        assert server_backed_files(provider) == first, provider


def test_provisioning_stops_with_a_clear_error_without_a_cloud_login(project, tmp_path):
    _, path = project
    env = {**project_env(), "PREFECT_HOME": str(tmp_path / "home")}
    result = subprocess.run(["bash", "scripts/provision.sh"], cwd=path, env=env,
                            capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "error: not logged in to Prefect Cloud" in result.stderr
    assert "uv run prefect cloud login" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_provisioning_refuses_a_local_server(project, prefect_api, tmp_path):
    _, path = project
    env = {**project_env(), "PREFECT_HOME": str(tmp_path / "home"), "PREFECT_API_URL": prefect_api}
    result = subprocess.run(["bash", "scripts/provision.sh", "--manual"], cwd=path, env=env,
                            capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 1
    assert f"PREFECT_API_URL is '{prefect_api}'" in result.stderr
    assert "Traceback" not in result.stderr


def test_credentials_script_creates_the_block_and_points_the_pool_at_it(prefect_api, tmp_path):
    """The manual path for ECS, against a local server: an ecs pool stands in for ecs:push."""
    render_template("push_pool", tmp_path / "p", provider="ecs", work_pool_name="manual-ecs")
    home = tmp_path / "home"
    home.mkdir()
    registered = prefect_cli("block", "register", "-m", "prefect_aws", api_url=prefect_api,
                             home=home)
    assert registered.returncode == 0, registered.stdout + registered.stderr
    create_work_pool(prefect_api, "manual-ecs", "ecs")
    env = {**project_env(), "PREFECT_HOME": str(home), "PREFECT_API_URL": prefect_api}

    missing = run_in_project(tmp_path / "p", "python", "scripts/create_credentials_block.py",
                             env=env)
    assert missing.returncode == 1
    assert "set the environment variable POOL_AWS_ACCESS_KEY_ID" in missing.stderr
    assert "Traceback" not in missing.stderr

    fake_key = "AKIA" + "TESTTESTTESTTEST"
    env.update(POOL_AWS_ACCESS_KEY_ID=fake_key, POOL_AWS_SECRET_ACCESS_KEY="not-a-real-secret",
               ECS_CLUSTER="manual-ecs",
               ECS_EXECUTION_ROLE_ARN="arn:aws:iam::123456789012:role/exec")
    for _ in range(2):  # a second run updates the block instead of failing
        result = run_in_project(tmp_path / "p", "python", "scripts/create_credentials_block.py",
                                env=env)
        assert result.returncode == 0, result.stdout + result.stderr
    pool, block = asyncio.run(_read(prefect_api, "manual-ecs", "manual-ecs-aws-credentials"))
    properties = pool.base_job_template["variables"]["properties"]
    assert properties["aws_credentials"]["default"] == {
        "$ref": {"block_document_id": str(block.id)}}
    assert properties["cluster"]["default"] == "manual-ecs"
    assert properties["execution_role_arn"]["default"].endswith(":role/exec")
    assert block.data["aws_access_key_id"] == fake_key and block.data["region_name"] == "us-east-1"
    for file in (tmp_path / "p").rglob("*"):  # nothing written into the project
        if file.is_file() and ".venv" not in file.parts:
            assert "not-a-real-secret" not in file.read_text(errors="ignore")


async def _read(api_url: str, pool_name: str, block_name: str):
    from prefect.client.orchestration import PrefectClient

    async with PrefectClient(api=api_url) as client:
        pool = await client.read_work_pool(pool_name)
        block = await client.read_block_document_by_name(block_name, "aws-credentials",
                                                         include_secrets=True)
    return pool, block

