"""k8s_pool end to end: the project `prefect-scaffold new --kubernetes` renders, deployed to
a real Prefect server (its own base job template on a kubernetes pool), the Job the worker would
submit built from what the server stored and strictly validated, and the project's own checks."""

from __future__ import annotations

import datetime
import subprocess

import pytest
import yaml
from typer.testing import CliRunner

from prefect_scaffold._cli import app
from tests.helpers.k8s_job import load_base_job_template, strict_errors, worker_job_manifest
from tests.helpers.prefect_deploy import deploy, unknown_job_variables
from tests.helpers.projects import project_env, render_template, run_in_project

pytestmark = pytest.mark.e2e

IMAGE = "registry.example.com/flows:abc1234"


@pytest.fixture(scope="module")
def default_project(tmp_path_factory: pytest.TempPathFactory):
    """Rendered exactly as the issue's acceptance command does."""
    project = tmp_path_factory.mktemp("k8s-e2e") / "repo"
    result = CliRunner().invoke(app, ["new", str(project), "--no-serverless", "--containers",
                                      "--kubernetes", "--defaults"])
    assert result.exit_code == 0, result.output
    return project


def _check_deployed(project, workdir, api_url, *, pool_name, namespace):
    template = load_base_job_template(project)
    deployed = deploy(project, workdir, api_url, pool_type="kubernetes", image=IMAGE,
                      base_job_template=template)
    assert deployed.pool.type == "kubernetes"
    assert deployed.pool.name == pool_name
    # The pool keeps our template verbatim (Job-level parallelism/completions included).
    assert deployed.pool.base_job_template == template
    assert unknown_job_variables(deployed) == {}
    (deployment,) = deployed.deployments
    config = yaml.safe_load((project / "prefect.yaml").read_text())["deployments"][0]
    assert deployment.name == config["name"]
    assert deployment.work_pool_name == pool_name
    assert deployment.work_queue_name == config["work_pool"]["work_queue_name"]
    assert deployment.parameters == {"source": "demo", "limit": 10}
    expected_variables = dict(config["work_pool"]["job_variables"], image=IMAGE)
    assert deployment.job_variables == expected_variables
    assert deployment.job_variables["namespace"] == namespace

    job = worker_job_manifest(deployed.pool.base_job_template, deployment.job_variables)
    assert strict_errors(job) == {}
    assert job["metadata"]["namespace"] == namespace
    container = job["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == IMAGE
    return deployment, job


def test_default_project_deploys_and_its_job_is_valid(default_project, tmp_path, prefect_api):
    answers = yaml.safe_load((default_project / ".copier-answers.yml").read_text())
    deployment, job = _check_deployed(default_project, tmp_path, prefect_api,
                                      pool_name=answers["work_pool_name"],
                                      namespace=answers["namespace"])
    (schedule,) = deployment.schedules
    assert schedule.active
    assert schedule.schedule.cron == answers["schedule"]
    assert schedule.schedule.timezone == "UTC"
    assert deployment.pull_steps == [{"prefect.deployments.steps.set_working_directory": {
        "directory": f"/opt/prefect/{answers['project_name']}"}}]
    resources = job["spec"]["template"]["spec"]["containers"][0]["resources"]
    assert resources == {"requests": {"cpu": answers["cpu_request"],
                                      "memory": answers["memory_request"]},
                         "limits": {"memory": answers["memory_limit"]}}


def test_self_hosted_git_interval_project_deploys(tmp_path, prefect_api):
    project = tmp_path / "flows-git"
    render_template("k8s_pool", project, prefect_api="self-hosted", code_storage="git",
                    git_repository="https://github.com/acme/flows-git.git", schedule="",
                    interval_minutes=15, namespace="data-flows", work_pool_name="k8s-flows",
                    service_account_name="prefect-flows", cpu_limit="2", memory_request="")
    deployment, job = _check_deployed(project, tmp_path / "work", prefect_api,
                                      pool_name="k8s-flows", namespace="data-flows")
    (schedule,) = deployment.schedules
    assert schedule.schedule.interval == datetime.timedelta(minutes=15)
    assert deployment.pull_steps == [{"prefect.deployments.steps.git_clone": {
        "id": "clone", "repository": "https://github.com/acme/flows-git.git", "branch": "main"}}]
    pod = job["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == "prefect-flows"
    assert pod["containers"][0]["resources"] == {"requests": {"cpu": "500m"},
                                                 "limits": {"cpu": "2", "memory": "1Gi"}}


def test_the_rendered_projects_own_checks_pass(default_project):
    synced = subprocess.run(["uv", "sync"], cwd=default_project, env=project_env(),
                            capture_output=True, text=True, timeout=900, check=False)
    assert synced.returncode == 0, synced.stdout + synced.stderr
    tests = run_in_project(default_project, "pytest", "-q", timeout=900)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "passed" in tests.stdout and "failed" not in tests.stdout
    lint = run_in_project(default_project, "ruff", "check", ".")
    assert lint.returncode == 0, lint.stdout + lint.stderr
