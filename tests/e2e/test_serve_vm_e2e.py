"""serve_vm end to end: render, install, test, serve against a real Prefect server, run a flow."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from tests.helpers.loopback import free_port
from tests.helpers.prefect_server import running_server
from tests.helpers.projects import new_project, project_env, run_in_project

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    destination = tmp_path_factory.mktemp("serve_vm") / "demo"
    # A flow name of its own: the session's server also holds other templates' deployments of
    # the default flow, and re-applying a deployment by the same name would inherit their pull
    # steps and work pool.
    return new_project(destination, "--template", "serve_vm", "--defaults", "--data",
                       "flow_name=served_etl")


def test_rendered_project_passes_its_own_tests_first_time_and_with_a_damaged_cache(project):
    # The project's own pytest cache, empty, as on a user's first run (the rest of the suite
    # shares one, so later runs start from the kept database): the first run migrates a
    # database and keeps it; a kept copy damaged since is migrated afresh and replaced.
    env = {**project_env(), "PYTEST_ADDOPTS": ""}
    kept = project / ".pytest_cache" / "d" / "prefect-database"
    assert not kept.exists()
    for run in ("first", "after damage"):
        if run == "after damage":
            damaged = next(kept.iterdir())
            damaged.write_bytes(damaged.read_bytes()[:200_000])  # a disk that filled up
        result = run_in_project(project, "pytest", "-q", env=env)
        assert result.returncode == 0, result.stdout + result.stderr
        assert " passed" in result.stdout
        [database] = kept.iterdir()
        assert database.name.startswith("prefect-3.") and database.suffix == ".db"
        with contextlib.closing(sqlite3.connect(database)) as db:
            assert db.execute("select count(*) from alembic_version").fetchone() == (1,)
            assert db.execute("select count(*) from flow_run").fetchone() == (0,)


def _temporary_servers(project) -> list[int]:
    """The pids of temporary Prefect servers the project's tests started (they run in it)."""
    found = []
    for entry in Path("/proc").iterdir():
        with contextlib.suppress(OSError):
            if (entry.name.isdigit() and b"create_app(ephemeral=True)" in
                    (entry / "cmdline").read_bytes()
                    and (entry / "cwd").resolve() == project.resolve()):
                found.append(int(entry.name))
    return found


def _running(pid: int) -> bool:
    with contextlib.suppress(OSError):
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    return False


def test_a_killed_test_run_leaves_no_temporary_server_behind(project):
    # SIGKILL runs no teardown: the server notices its standard input close and stops itself.
    tests = subprocess.Popen(["uv", "run", "--quiet", "pytest", "-q"], cwd=project,
                             env=project_env(), stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not (servers := _temporary_servers(project)):
            assert tests.poll() is None and time.monotonic() < deadline, "no server started"
            time.sleep(0.05)
        [server] = servers
        session = int((Path("/proc") / str(server) / "stat").read_text().rsplit(")", 1)[1]
                      .split()[1])  # its parent: pytest
        os.kill(session, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while _running(server) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _running(server), "the server outlived its test session"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(tests.pid, signal.SIGKILL)
        tests.wait()
        for left in _temporary_servers(project):
            os.kill(left, signal.SIGKILL)


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


def _readme_local_block(project) -> str:
    readme = (project / "README.md").read_text()
    start = readme.index("```bash\n", readme.index("Try it locally")) + len("```bash\n")
    return readme[start:readme.index("```", start)]


def test_the_readmes_local_block_pasted_into_a_fresh_shell_completes_a_run(project, tmp_path):
    # As pasted, except the port: 4200 may be taken on this machine.
    port = str(free_port())
    script = _readme_local_block(project).replace("4200", port)
    env = {**project_env(), "PREFECT_HOME": str(tmp_path / "home")}
    log = tmp_path / "shell.log"
    # A file, not a pipe: serve.py keeps serving (and holding its output) after the block ends.
    with log.open("w") as output:
        shell = subprocess.Popen(["bash", "-e", "-c", script], cwd=project, env=env,
                                 stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        try:
            shell.wait(timeout=600)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the block did not finish in 600 s:\n{log.read_text()[-3000:]}")
        assert shell.returncode == 0, log.read_text()
        assert "Completed" in log.read_text(), log.read_text()
    finally:
        # The server and serve.py keep running in the background, in the shell's session;
        # background jobs of a script ignore SIGINT.
        os.killpg(shell.pid, signal.SIGTERM)
        time.sleep(5)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(shell.pid, signal.SIGKILL)


def test_serve_py_waits_for_an_api_that_comes_up_late(project, tmp_path):
    port = free_port()
    env = {**project_env(), "PREFECT_HOME": str(tmp_path / "home"),
           "PREFECT_API_URL": f"http://127.0.0.1:{port}/api"}
    serving = subprocess.Popen(["uv", "run", "--quiet", "python", "-c",
                                "import serve; serve.wait_for_api(longest_wait=2); print('up')"],
                               cwd=project, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        seen = ""
        while "is not reachable yet" not in seen:  # it has tried, failed and is waiting
            line = serving.stdout.readline()
            assert line, seen
            seen += line
        assert f"Prefect API at http://127.0.0.1:{port}/api is not reachable yet" in seen, seen
        (tmp_path / "server-home").mkdir()
        with running_server(tmp_path / "server-home", port=port):
            output, _ = serving.communicate(timeout=120)
        assert serving.returncode == 0 and output.strip().endswith("up"), output
    finally:
        if serving.poll() is None:
            os.killpg(serving.pid, signal.SIGKILL)
