"""`switch`: a serve_vm project with the user's edits moved to a work-pool template."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.day2.test_update import commit_all, git
from tests.helpers.cli import assert_refused
from tests.helpers.prefect_deploy import deploy
from tests.helpers.prefect_server import server_env
from tests.helpers.projects import render_template, run_in_project

SECOND_DEPLOYMENT = """\
        hello_etl.to_deployment(
            name="hello-etl-hourly",
            interval=timedelta(hours=1),
            parameters={"source": "hourly", "limit": 5},
            tags=["hourly"],
            concurrency_limit=1,
        ),
    ]
"""


@pytest.fixture
def served(tmp_path) -> Path:
    """serve_vm rendered and committed, then the user's commit: a flow edit, a second deployment."""
    project = tmp_path / "served"
    render_template("serve_vm", project, schedule="15 3 * * *")
    git(project, "init", "-q", "-b", "main")
    commit_all(project, "rendered")
    flow = project / "flows" / "hello_etl.py"
    flow.write_text(flow.read_text() + "\n\n# our own note: keep me\n")
    serve = project / "serve.py"
    text = serve.read_text().replace("from prefect import serve",
                                     "from datetime import timedelta\n\nfrom prefect import serve")
    serve.write_text(text.replace("    ]\n", SECOND_DEPLOYMENT, 1))
    commit_all(project, "our edits")
    return project


def git_out(project: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=project, capture_output=True, text=True,
                          check=True).stdout.strip()


@pytest.mark.e2e
@pytest.mark.parametrize("template", ["k8s_pool", "ecs_pool"])
def test_switch_keeps_flows_and_carries_deployments_over(cli, served, template):
    result = cli("switch", served, "--to", template, "--defaults")
    assert result.exit_code == 0, result.output

    assert git_out(served, "branch", "--show-current") == f"switch-to-{template.replace('_', '-')}"
    assert git_out(served, "rev-list", "--count", "main..HEAD") == "1"
    assert git_out(served, "status", "--porcelain") == ""
    assert "# our own note: keep me" in (served / "flows" / "hello_etl.py").read_text()
    assert "kept (you changed it): serve.py" in result.stdout.splitlines()
    assert not (served / "tests" / "test_serve.py").exists() and not (served / "deploy").exists()

    deployments = yaml.safe_load((served / "prefect.yaml").read_text())["deployments"]
    assert [(d["name"], d["schedules"], d["parameters"]) for d in deployments] == [
        ("hello-etl", [{"cron": "15 3 * * *", "timezone": "UTC"}],
         {"source": "demo", "limit": 10}),
        ("hello-etl-hourly", [{"interval": 3600}], {"source": "hourly", "limit": 5}),
    ]
    assert deployments[1]["tags"] == ["hourly"] and deployments[1]["concurrency_limit"] == 1
    answers = yaml.safe_load((served / ".copier-answers.yml").read_text())
    assert answers["_src_path"] == f"prefect-scaffold:{template}"
    assert answers["project_name"] == "my-flows" and answers["schedule"] == "15 3 * * *"
    assert answers["decision_path"][0]["answer"] == "yes"  # containers: the tree's way there

    checked = cli("check", served)
    assert checked.exit_code == 0, checked.output
    assert cli("update", served, "--check").exit_code == 0


@pytest.mark.slow
def test_switch_to_the_template_it_uses_is_refused(cli, served):
    assert_refused(cli("switch", served, "--to", "serve_vm", "--defaults"),
                   "already uses template serve_vm")
    assert git_out(served, "branch", "--show-current") == "main"


@pytest.mark.slow
def test_switch_with_a_dirty_tree_is_refused(cli, served):
    (served / "flows" / "hello_etl.py").write_text("# half done\n")
    assert_refused(cli("switch", served, "--to", "k8s_pool", "--defaults"),
                   "uncommitted changes")
    assert git_out(served, "branch", "--show-current") == "main"
    assert not (served / "prefect.yaml").exists()


SERVED_DEPLOYMENTS = """
import asyncio, json, sys
sys.path.insert(0, sys.argv[1])
from prefect.client.orchestration import get_client
from serve import deployments

async def read(ids):
    async with get_client() as client:
        return [await client.read_deployment(i) for i in ids]

stored = asyncio.run(read([d.apply() for d in deployments()]))
print(json.dumps([[d.name, [s.schedule.model_dump(mode="json") for s in d.schedules],
                   d.parameters] for d in stored]))
"""


def _shape(name: str, schedules: list[dict], parameters: dict) -> tuple:
    kept = [{k: s.get(k) for k in ("cron", "interval") if s.get(k) is not None}
            for s in schedules]
    return name, kept, parameters


@pytest.mark.e2e
@pytest.mark.parametrize("template,pool_type", [("k8s_pool", "kubernetes"), ("ecs_pool", "ecs")])
def test_switched_deployments_equal_the_served_ones_on_a_server(cli, served, tmp_path, prefect_api,
                                                               template, pool_type):
    home = tmp_path / "prefect-home"
    home.mkdir()
    before = subprocess.run([sys.executable, "-c", SERVED_DEPLOYMENTS, served],
                            env=server_env(home, prefect_api), capture_output=True, text=True,
                            check=False)
    assert before.returncode == 0, before.stderr
    served_shapes = sorted(_shape(*row) for row in json.loads(before.stdout))

    assert cli("switch", served, "--to", template, "--defaults").exit_code == 0
    deployed = deploy(served, tmp_path / "deploy", prefect_api, pool_type=pool_type)
    pool_shapes = sorted(
        _shape(d.name, [s.schedule.model_dump(mode="json") for s in d.schedules], d.parameters)
        for d in deployed.deployments)
    assert pool_shapes == served_shapes
    assert len(served_shapes) == 2
    if template == "k8s_pool":  # one is enough: both templates' own tests run in their e2e
        own_tests = run_in_project(served, "pytest", "-q")
        assert own_tests.returncode == 0, own_tests.stdout[-3000:] + own_tests.stderr[-2000:]


@pytest.mark.slow
def test_switch_from_a_fresh_clone_with_an_empty_cache(cli, served, tmp_path, monkeypatch):
    """A colleague's clone: no template cache, and `uv sync` left an untracked uv.lock. The
    installed tool bundles the recorded version, so nothing needs installing."""
    clone = tmp_path / "colleague"
    subprocess.run(["git", "clone", "-q", str(served), str(clone)], check=True)
    monkeypatch.setenv("PREFECT_SCAFFOLD_CACHE", str(tmp_path / "empty-cache"))
    monkeypatch.setenv("UV_OFFLINE", "1")  # it must not need to install anything
    (clone / "uv.lock").write_text("version = 1\n")
    result = cli("switch", clone, "--to", "k8s_pool", "--defaults")
    assert result.exit_code == 0, result.output
    assert "uv.lock" not in git_out(clone, "show", "--name-only", "--format=", "HEAD").split()
    assert git_out(clone, "status", "--porcelain") == "?? uv.lock"
    answers = yaml.safe_load((clone / ".copier-answers.yml").read_text())
    assert answers["_src_path"] == "prefect-scaffold:k8s_pool"
    assert answers["scaffold_install"] == ""  # this checkout; `pin` records how CI installs it
    assert "prefect-scaffold pin --spec prefect-scaffold==" in result.stderr


@pytest.mark.slow
def test_switch_names_only_ways_out_it_has(cli, served, tmp_path, monkeypatch):
    """A version neither the cache, the installed tool nor an installable release has: the
    error names what to do with `switch`'s own means (it has no --template-source)."""
    monkeypatch.setenv("PREFECT_SCAFFOLD_CACHE", str(tmp_path / "empty-cache"))
    monkeypatch.setenv("UV_NO_INDEX", "1")
    monkeypatch.setenv("UV_FIND_LINKS", str(tmp_path))
    answers = served / ".copier-answers.yml"
    answers.write_text(answers.read_text().replace(
        yaml.safe_load(answers.read_text())["_commit"], "0.0.1+g0123456789ab"))
    commit_all(served, "an old release")
    result = cli("switch", served, "--to", "k8s_pool", "--defaults")
    assert_refused(result, "prefect-scaffold==0.0.1", "prefect-scaffold update")
    assert "--template-source" not in result.stderr


@pytest.mark.slow
def test_switch_after_pin_leaves_an_untouched_readme_without_conflicts(cli, served):
    """`pin` changes an answer but re-renders nothing: the README must not render that answer,
    or switch's base (the old render with the pin) disagrees with the user's README."""
    pinned = cli("pin", served, "--spec", "git+https://github.com/example/prefect-scaffold@0123abc")
    assert pinned.exit_code == 0, pinned.output
    commit_all(served, "pin")
    result = cli("switch", served, "--to", "k8s_pool", "--defaults")
    assert result.exit_code == 0, result.output
    assert "conflict" not in result.output
    assert "<<<<<<<" not in (served / "README.md").read_text()
