"""A fresh render survives its first day: `prefect deploy --all` needs no git step by hand, and the
rendered CI's prefect-scaffold steps run the tool as `scaffold_install` records it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from prefect_scaffold import __version__
from tests.helpers.prefect_deploy import create_work_pool, prefect_cli, without_build_steps
from tests.helpers.projects import project_env

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
IMAGE = "registry.example.com/flows:test"


def _new(destination: Path, *args: str) -> None:
    result = subprocess.run([sys.executable, "-m", "prefect_scaffold", "new", str(destination),
                             "--defaults", *args], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def _deploy_with_the_commit_step(project: Path, workdir: Path, api_url: str, pool_type: str):
    """`prefect deploy --all` with the docker build/push dropped (no daemon here) but the
    `git rev-parse --short HEAD` step that tags the image kept."""
    copy = workdir / project.name
    shutil.copytree(project, copy, ignore=shutil.ignore_patterns(".venv"))
    config = yaml.safe_load((copy / "prefect.yaml").read_text())
    stripped = without_build_steps(config, IMAGE)
    stripped["build"] = [step for step in config["build"]
                         if "prefect.deployments.steps.run_shell_script" in step]
    assert "git rev-parse" in str(stripped["build"])
    (copy / "prefect.yaml").write_text(yaml.safe_dump(stripped))
    home = workdir / "prefect-home"
    home.mkdir(parents=True)
    pool = config["deployments"][0]["work_pool"]["name"]
    create_work_pool(api_url, pool, pool_type)
    return prefect_cli("deploy", "--all", api_url=api_url, home=home, cwd=copy)


#: Each image-building template, and the (hybrid) pool type a local server can hold for it.
POOL_TYPES = {"k8s_pool": "kubernetes", "ecs_pool": "ecs", "push_pool": "ecs"}


@pytest.mark.parametrize("template", sorted(POOL_TYPES))
def test_a_fresh_render_deploys_without_a_git_step_by_hand(tmp_path, prefect_api, template):
    flow = f"first_day_{template}"
    _new(tmp_path / "fresh", "--template", template, "--data", f"flow_name={flow}")
    deployed = _deploy_with_the_commit_step(tmp_path / "fresh", tmp_path / "w1", prefect_api,
                                            POOL_TYPES[template])
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr


def test_without_its_repository_the_same_render_fails_at_the_commit_step(tmp_path,
                                                                         prefect_api):
    _new(tmp_path / "bare", "--template", "k8s_pool", "--data", "flow_name=first_day_bare",
         "--no-git")
    failed = _deploy_with_the_commit_step(tmp_path / "bare", tmp_path / "w2", prefect_api,
                                          "kubernetes")
    assert failed.returncode != 0 and "git" in failed.stdout + failed.stderr


def _ci_steps(project: Path) -> list[str]:
    workflow = yaml.safe_load((project / ".github" / "workflows" / "ci.yml").read_text())
    return [step["run"] for step in workflow["jobs"]["test"]["steps"]
            if "prefect-scaffold" in step.get("run", "")]


def _run_ci_steps(project: Path, env: dict[str, str]) -> None:
    steps = _ci_steps(project)
    assert len(steps) == 2
    for step in steps:
        result = subprocess.run(["bash", "-e", "-c", step], cwd=project, env=env,
                                capture_output=True, text=True, timeout=600, check=False)
        assert result.returncode == 0, f"{step}\n{result.stdout}{result.stderr}"


def test_rendered_ci_runs_prefect_scaffold_from_a_wheel(tmp_path):
    env = project_env()
    subprocess.run(["uv", "build", "--wheel", "--out-dir", tmp_path / "dist", ROOT], check=True,
                   capture_output=True, env=env)
    # The wheel stands in for the index: `uvx --from prefect-scaffold==X.Y.Z` finds it there.
    _new(tmp_path / "p", "--template", "serve_vm",
         "--data", f"scaffold_install=prefect-scaffold=={__version__}")
    _run_ci_steps(tmp_path / "p", {**env, "UV_FIND_LINKS": str(tmp_path / "dist")})


def test_rendered_ci_runs_prefect_scaffold_from_a_git_url(tmp_path):
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True, check=True).stdout.strip()
    _new(tmp_path / "p", "--template", "serve_vm",
         "--data", f"scaffold_install=git+file://{ROOT}@{commit}")
    _run_ci_steps(tmp_path / "p", project_env())
