"""serve_vm end to end: render, install, test, serve against a real Prefect server, run a flow."""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import signal
import sqlite3
import subprocess
import threading
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


def _parent(pid: int) -> int:
    return int((Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[1])


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
        # The one pytest started (a process it forks would share its command line).
        [server] = [pid for pid in servers if _parent(pid) not in servers]
        folder = Path((Path("/proc") / str(server) / "cmdline").read_bytes().split(b"\0")[4]
                      .decode())  # the server's temporary folder: its database and log
        assert (folder / "server.log").exists()
        os.kill(_parent(server), signal.SIGKILL)  # pytest
        deadline = time.monotonic() + 30
        while any(map(_running, servers)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(map(_running, servers)), "the server outlived its test session"
        assert not folder.exists(), f"the server's folder outlived it: {list(folder.iterdir())}"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(tests.pid, signal.SIGKILL)
        tests.wait()
        for left in _temporary_servers(project):
            os.kill(left, signal.SIGKILL)


# A pytest plugin that notes every program the test process starts, however it starts it.
PROGRAMS_STARTED = """
import os
import sys

STARTS = {"subprocess.Popen", "os.posix_spawn", "os.spawn", "os.exec", "os.system"}


def _noted(event, args):
    if event in STARTS:
        with open(os.environ["STARTED_LOG"], "a") as log:
            log.write(repr(args) + "\\n")


sys.addaudithook(_noted)
"""


@pytest.mark.parametrize(("option", "starts"), [("--collect-only", False), ("--fixtures", False),
                                                ("--setup-plan", False), ("--cache-show", False),
                                                ("--setup-only", True)])
def test_a_server_starts_only_where_tests_or_their_fixtures_run(project, tmp_path, option, starts):
    (tmp_path / "programs_started.py").write_text(PROGRAMS_STARTED)
    log = tmp_path / "started.log"
    log.touch()
    env = {**project_env(), "PYTHONPATH": str(tmp_path), "STARTED_LOG": str(log)}
    result = run_in_project(project, "pytest", "-q", "-p", "programs_started", option, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    started = [line for line in log.read_text().splitlines()
               if "create_app(ephemeral=True)" in line]
    assert bool(started) == starts, (option, started)


THREADED_TESTS = """
import threading
import unittest

import pytest
from prefect import flow


@flow
def tiny():
    return 1


def in_a_thread(function):
    outcome = []

    def run():
        try:
            outcome.append(function())
        except Exception as error:
            outcome.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return outcome[0]


def test_an_unmarked_tests_thread_finds_no_api():  # first: before any test starts the server
    assert "127.0.0.1:9/api" in str(in_a_thread(tiny))


@pytest.mark.prefect_server
def test_a_flow_run_in_a_thread():
    assert in_a_thread(tiny) == 1


@pytest.mark.prefect_server
class TestInAnIsolatedAsyncioTestCase(unittest.IsolatedAsyncioTestCase):
    async def test_a_flow_run(self):
        assert tiny() == 1


def test_asking_for_the_server_without_the_marker(temporary_prefect_server):
    assert temporary_prefect_server.startswith("http://127.0.0.1:")
    assert tiny() == 1
"""

#: The tests above under pytest.main() in one interpreter that imported Prefect first (as a
#: notebook would, or a plugin): Prefect's settings afterwards are the user's again.
IN_ONE_INTERPRETER = """
import sys
import prefect
import pytest
from prefect.settings import PREFECT_API_URL

code = pytest.main(["-q", sys.argv[1]])
print("after:", PREFECT_API_URL.value())
sys.exit(code)
"""


def test_flow_runs_outside_the_tests_own_context_never_reach_the_users_api(project):
    # A thread, or a test case whose context was copied at collection, sees the process-wide
    # settings: the temporary server in tests that use it, no API in the others; never the
    # user's PREFECT_API_URL, with the user's key.
    seen = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append(f"{self.command} {self.path}")
            self.send_error(503)

        do_POST = do_PATCH = do_PUT = do_DELETE = do_GET

        def log_message(self, *args):
            pass

    users_api = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=users_api.serve_forever, daemon=True).start()
    users_url = f"http://127.0.0.1:{users_api.server_address[1]}/api"
    extra = project / "tests" / "test_zz_outside_the_context.py"
    extra.write_text(THREADED_TESTS)
    try:
        env = {**project_env(), "PREFECT_API_URL": users_url,
               "PREFECT_API_KEY": "pnu_" + "x" * 36}
        results = [run_in_project(project, "pytest", "-q", str(extra), env=env, timeout=600),
                   run_in_project(project, "python", "-c", IN_ONE_INTERPRETER, str(extra),
                                  env=env, timeout=600)]
    finally:
        extra.unlink()
        users_api.shutdown()
        users_api.server_close()
    for result in results:
        assert result.returncode == 0, result.stdout + result.stderr
        assert "4 passed" in result.stdout
    assert f"after: {users_url}" in results[1].stdout
    assert seen == []


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
