"""`check PATH` reads any prefect.yaml name and resolves entrypoints from the deploy root, as
`prefect deploy --prefect-file` does from the folder it runs in."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.check.conftest import FLOW, PREFECT_YAML, check
from tests.check.prefect_judge import prefect_loads
from tests.helpers.cli import Invoke

MONOREPO_YAML = PREFECT_YAML.replace("flows/etl.py:etl", "teams/data/flows/etl.py:etl")


def monorepo(tmp_path: Path, name: str = "prefect.yaml") -> Path:
    """A git repository whose sub-project names its flow from the repository root."""
    repo = tmp_path / "repo"
    (repo / "teams/data/flows").mkdir(parents=True)
    (repo / "teams/data/flows/etl.py").write_text(FLOW)
    (repo / "teams/data" / name).write_text(MONOREPO_YAML)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    return repo


def entrypoint_errors(report) -> list[str]:
    return [f.message for f in report.findings if f.rule == "entrypoint"]


def test_monorepo_entrypoints_resolve_from_the_git_root(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    repo = monorepo(tmp_path)
    monkeypatch.chdir(tmp_path)  # neither the repository nor the sub-project
    report = check(repo / "teams/data", pool_type="kubernetes")
    assert entrypoint_errors(report) == [] and report.errors == 0
    assert report.deploy_root == str(repo)
    # The judge: Prefect loads the flow from the repository root, as `prefect deploy` there would.
    from prefect.flows import load_flow_from_entrypoint

    monkeypatch.chdir(repo)
    assert load_flow_from_entrypoint("teams/data/flows/etl.py:etl").name == "etl"


def test_monorepo_checked_from_inside_the_sub_project(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    # `cd teams/data && prefect-scaffold check .`: the cwd is the yaml's folder, where no
    # entrypoint resolves; the git root, where all do, is the deploy root.
    repo = monorepo(tmp_path)
    monkeypatch.chdir(repo / "teams/data")
    report = check(Path("."), pool_type="kubernetes")
    assert entrypoint_errors(report) == [] and report.deploy_root == str(repo)


def test_the_current_folder_wins_when_the_entrypoints_are_there(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = monorepo(tmp_path)
    (repo / ".git").rename(repo / "not-git")  # no git root: only the cwd can explain the path
    monkeypatch.chdir(repo)
    report = check(repo / "teams/data/prefect.yaml", pool_type="kubernetes")
    assert report.errors == 0 and report.deploy_root == str(repo)
    monkeypatch.chdir(tmp_path)
    assert entrypoint_errors(check(repo / "teams/data", pool_type="kubernetes")) == [
        "entrypoint 'teams/data/flows/etl.py:etl': no file teams/data/flows/etl.py"]


def test_root_option_overrides_and_the_report_names_it(cli: Invoke, tmp_path: Path) -> None:
    repo = monorepo(tmp_path)
    result = cli("check", repo / "teams/data", "--pool-type", "kubernetes", "--root",
                 repo / "teams/data")
    assert result.exit_code == 1 and "no file teams/data/flows/etl.py" in result.stdout
    assert f"entrypoints resolved from {repo / 'teams/data'}" in result.stderr
    result = cli("check", repo / "teams/data", "--pool-type", "kubernetes", "--root", repo)
    assert result.exit_code == 0, result.output
    assert f"entrypoints resolved from {repo}" in result.stderr


@pytest.mark.parametrize("name", ["prefect.yml", "deploy-prod.yaml"])
def test_any_prefect_file_name(tmp_path: Path, name: str) -> None:
    repo = monorepo(tmp_path, name)
    prefect_file = repo / "teams/data" / name
    configs, said = prefect_loads(prefect_file)  # `prefect deploy --prefect-file` reads it
    assert [c["name"] for c in configs] == ["etl"] and "Skipping" not in said
    report = check(prefect_file, pool_type="kubernetes")
    assert report.checked[0] == str(prefect_file) and report.errors == 0
    broken = prefect_file.read_text().replace('"0 6 * * *"', '"61 6 * * *"')
    prefect_file.write_text(broken)
    assert [f.rule for f in check(prefect_file, pool_type="kubernetes").findings
            if f.severity == "error"] == ["schedule"]


def test_a_folder_with_only_prefect_yml(tmp_path: Path) -> None:
    repo = monorepo(tmp_path, "prefect.yml")
    report = check(repo / "teams/data", pool_type="kubernetes")
    assert report.checked[0] == str(repo / "teams/data/prefect.yml") and report.errors == 0


def test_the_cache_follows_the_deploy_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFECT_SCAFFOLD_CACHE", str(tmp_path / "cache"))
    repo = monorepo(tmp_path)
    project = repo / "teams/data"
    first = check(project, pool_type="kubernetes", cache=True)
    assert first.errors == 0
    assert check(project, pool_type="kubernetes", cache=True, root=project).errors == 1
    # The flow file lies outside the project folder, yet a change to it is seen.
    flow = repo / "teams/data/flows/etl.py"
    os.rename(flow, flow.with_name("moved.py"))
    assert entrypoint_errors(check(project, pool_type="kubernetes", cache=True, root=repo))
    os.rename(flow.with_name("moved.py"), flow)
    flow.write_text(FLOW.replace("def etl(", "def other("))
    assert entrypoint_errors(check(project, pool_type="kubernetes", cache=True, root=repo))


def test_symlinked_entrypoint_out_of_the_deploy_root_is_not_read(tmp_path: Path) -> None:
    repo = monorepo(tmp_path)
    outside = tmp_path / "outside.py"
    outside.write_text(FLOW)
    (repo / "teams/data/flows/etl.py").unlink()
    (repo / "teams/data/flows/etl.py").symlink_to(outside)
    report = check(repo / "teams/data", pool_type="kubernetes", root=repo)
    assert report.errors == 0
    assert any("outside the project; not checked" in m for m in entrypoint_errors(report))
