"""serve_vm end to end: render, install, test, serve against a real Prefect server, run a flow."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.helpers.projects import project_env, run_in_project

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    destination = tmp_path_factory.mktemp("serve_vm") / "demo"
    # A flow name of its own: the session's server also holds other templates' deployments of
    # the default flow, and re-applying a deployment by the same name would inherit their pull
    # steps and work pool.
    subprocess.run([sys.executable, "-m", "prefect_scaffold", "new", str(destination),
                    "--template", "serve_vm", "--defaults", "--data", "flow_name=served_etl"],
                   check=True, capture_output=True)
    sync = subprocess.run(["uv", "sync", "--quiet"], cwd=destination, env=project_env(),
                          capture_output=True, text=True, check=False)
    assert sync.returncode == 0, sync.stderr
    return destination


def test_rendered_project_passes_its_own_tests(project):
    result = run_in_project(project, "pytest", "-q")
    assert result.returncode == 0, result.stdout + result.stderr
    assert " passed" in result.stdout


def test_rendered_project_lints_clean(project):
    result = run_in_project(project, "ruff", "check", ".")
    assert result.returncode == 0, result.stdout


def test_serve_py_runs_the_deployment_against_a_real_server(project, prefect_api, tmp_path):
    env = {**project_env(), "PREFECT_API_URL": prefect_api, "PREFECT_HOME": str(tmp_path)}
    serving = subprocess.Popen(["uv", "run", "--quiet", "python", "serve.py"], cwd=project,
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, start_new_session=True)
    try:
        deployment = _wait_for_deployment(project, env, "served-etl/served-etl")
        assert [s["schedule"]["cron"] for s in deployment["schedules"]] == ["0 6 * * *"]
        run = run_in_project(project, "prefect", "deployment", "run", "served-etl/served-etl",
                             "--watch", "--watch-timeout", "180", env=env, timeout=240)
        assert run.returncode == 0, run.stdout + run.stderr
        assert "Completed" in run.stdout + run.stderr
    finally:
        os.killpg(serving.pid, signal.SIGINT)
        try:
            serving.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(serving.pid, signal.SIGKILL)


def _wait_for_deployment(project, env, name, timeout=120.0):
    deadline = time.monotonic() + timeout
    while True:
        result = run_in_project(project, "prefect", "deployment", "inspect", name,
                                "--output", "json", env=env)
        if result.returncode == 0:
            return json.loads(result.stdout)
        if time.monotonic() > deadline:
            raise AssertionError(f"{name} never registered: {result.stdout}{result.stderr}")
        time.sleep(2)
