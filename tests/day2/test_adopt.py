"""`adopt`: hand-written Prefect repositories brought under a template, yours files kept."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from prefect_scaffold.catalog import registry
from tests.day2.test_update import commit_all, git
from tests.helpers.cli import assert_refused

FIXTURES = Path(__file__).parents[1] / "fixtures" / "adopt"

#: fixture -> (template, answers the repository itself gives)
REPOSITORIES = {
    "serve_repo": ("serve_vm", {"project_name": "reports", "flow_name": "daily_report",
                                "schedule": "0 6 * * *", "description": "Nightly sales reports"}),
    "k8s_repo": ("k8s_pool", {"project_name": "churn-model", "flow_name": "score",
                              "schedule": "30 2 * * *", "work_pool_name": "data-k8s",
                              "namespace": "data-flows", "image_registry": "ghcr.io/acme",
                              "image_name": "churn-model"}),
    "ecs_repo": ("ecs_pool", {"project_name": "billing", "flow_name": "send_invoices",
                              "interval_minutes": 60, "work_pool_name": "billing-ecs",
                              "ecs_cluster": "billing", "cpu": 1024, "memory": 2048,
                              "aws_account_id": "123456789012", "aws_region": "eu-west-1",
                              "ecr_repository": "billing-flows"}),
}


def checkout_of(fixture: str, tmp_path: Path) -> Path:
    repository = tmp_path / fixture
    shutil.copytree(FIXTURES / fixture, repository)
    git(repository, "init", "-q")
    commit_all(repository, "hand-written")
    return repository


def tracked_state(repository: Path) -> str:
    return subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"],
                          cwd=repository, capture_output=True, text=True, check=True).stdout


@pytest.mark.e2e
@pytest.mark.parametrize("fixture", list(REPOSITORIES))
def test_adopt_apply_then_update_check_and_check_pass(cli, tmp_path, fixture):
    template, expected = REPOSITORIES[fixture]
    repository = checkout_of(fixture, tmp_path)
    originals = {p: p.read_bytes() for p in repository.rglob("*")
                 if p.is_file() and ".git" not in p.parts}

    preview = cli("adopt", repository, "--template", template, "--defaults")
    assert preview.exit_code == 0, preview.output
    assert "+++ b/.copier-answers.yml" in preview.stdout and "pass --apply" in preview.stderr
    assert tracked_state(repository) == ""  # a preview writes nothing

    result = cli("adopt", repository, "--template", template, "--defaults", "--apply")
    assert result.exit_code == 0, result.output
    answers = yaml.safe_load((repository / ".copier-answers.yml").read_text())
    assert answers["_src_path"] == f"prefect-scaffold:{template}"
    assert {key: answers[key] for key in expected} == expected
    # Yours win; pyproject.toml keeps every line of yours and gains the template's tooling.
    for path, content in originals.items():
        assert path.read_bytes() == content or (path.name == "pyproject.toml" and
                                                path.read_bytes().startswith(content.rstrip()))
    flow = expected["flow_name"]
    assert not (repository / "tests" / f"test_{flow}.py").exists()  # tests the example flow
    assert f"skipped tests/test_{flow}.py" in result.stdout
    commit_all(repository, "adopted")

    assert cli("update", repository, "--check").exit_code == 0
    checked = cli("check", repository)
    assert checked.exit_code == 0 and checked.stderr.startswith("0 error(s)"), checked.output
    # The only warnings left name the example values (`--defaults` filled in) to replace.
    warnings = [line for line in checked.stdout.splitlines() if ": warning: " in line]
    assert all(line.endswith("[placeholder]") for line in warnings), checked.output


@pytest.mark.slow
def test_data_beats_what_the_repository_says(cli, tmp_path):
    repository = checkout_of("k8s_repo", tmp_path)
    result = cli("adopt", repository, "--template", "k8s_pool", "--defaults", "--apply",
                 "--data", "namespace=flows-prod")
    assert result.exit_code == 0, result.output
    answers = yaml.safe_load((repository / ".copier-answers.yml").read_text())
    assert (answers["namespace"], answers["work_pool_name"]) == ("flows-prod", "data-k8s")


def test_adopt_without_a_prefect_project_says_what_is_missing(cli, tmp_path):
    (tmp_path / "README.md").write_text("not flows\n")
    assert_refused(cli("adopt", tmp_path, "--template", "k8s_pool", "--defaults"),
                   "no prefect.yaml and no serve script")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["README.md"]


def test_adopt_of_a_rendered_repository_points_to_update(cli, tmp_path):
    repository = checkout_of("k8s_repo", tmp_path)
    (repository / ".copier-answers.yml").write_text("_src_path: prefect-scaffold:k8s_pool\n")
    assert_refused(cli("adopt", repository, "--template", "k8s_pool", "--defaults"),
                   "already has .copier-answers.yml", "prefect-scaffold update")


def test_an_answer_the_template_rejects_names_the_file_it_came_from(cli, tmp_path):
    repository = checkout_of("k8s_repo", tmp_path)
    prefect_yaml = repository / "prefect.yaml"
    prefect_yaml.write_text(prefect_yaml.read_text().replace("namespace: data-flows",
                                                             "namespace: Data_Flows"))
    assert_refused(cli("adopt", repository, "--template", "k8s_pool", "--defaults"),
                   "prefect.yaml", "namespace", "--data")
    assert not (repository / ".copier-answers.yml").exists()


@pytest.mark.slow
def test_an_adopted_repository_takes_the_next_template_release(cli, tmp_path, monkeypatch):
    repository = checkout_of("k8s_repo", tmp_path)
    assert cli("adopt", repository, "--template", "k8s_pool", "--defaults",
               "--apply").exit_code == 0
    commit_all(repository, "adopted")
    hand_written = (repository / "prefect.yaml").read_text()
    copy = tmp_path / "next-release"
    shutil.copytree(registry.templates_root(), copy)
    gitignore = copy / "k8s_pool" / "project" / ".gitignore.jinja"
    gitignore.write_text(gitignore.read_text() + "*.parquet\n")
    monkeypatch.setattr(registry, "templates_root", lambda: copy)

    assert cli("update", repository, "--check").exit_code == 1
    result = cli("update", repository)
    assert result.exit_code == 0, result.output
    assert "*.parquet" in (repository / ".gitignore").read_text()
    assert (repository / "prefect.yaml").read_text() == hand_written


#: Real public repositories (their SOURCE files say which) -> the template they are adopted under.
REAL_REPOSITORIES = {"quickstart": "serve_vm", "hello_world": "k8s_pool",
                     "prefect_demo": "k8s_pool"}

#: What `check` tells these Prefect 2 era files to change, applied as a user would.
CHECK_ADVICE = [(r"prefect\.projects\.steps\.git_clone_project",
                 "prefect.deployments.steps.git_clone"),
                (r"prefect\.projects\.steps\.", "prefect.deployments.steps."),
                (r"(?m)^([ \t]+)parameters:[ \t]*\n(?!\1[ \t]+\S)", r"\1parameters: {}\n"),
                (r"(?m)^[ \t]+type: process\n", "")]


def errors_of(checked) -> list[str]:
    return [line for line in checked.stdout.splitlines() if ": error: " in line]


@pytest.mark.e2e
@pytest.mark.parametrize("fixture", list(REAL_REPOSITORIES))
def test_a_real_repository_passes_its_tests_lint_and_check_after_adopt(cli, tmp_path, fixture):
    from tests.helpers.projects import assert_own_tests_and_lint_pass, sync_project

    repository = checkout_of(fixture, tmp_path)
    before = errors_of(cli("check", repository))
    result = cli("adopt", repository, "--template", REAL_REPOSITORIES[fixture], "--defaults",
                 "--apply")
    assert result.exit_code == 0, result.output
    commit_all(repository, "adopted")
    sync_project(repository)
    assert_own_tests_and_lint_pass(repository)

    # adopt adds nothing check objects to: what it reports is what the repository already had
    # (Prefect 2 leftovers in its prefect.yaml), and following its advice leaves none.
    assert errors_of(cli("check", repository)) == before
    prefect_yaml = repository / "prefect.yaml"
    text = prefect_yaml.read_text()
    for pattern, replacement in CHECK_ADVICE:
        text = re.sub(pattern, replacement, text)
    prefect_yaml.write_text(text)
    checked = cli("check", repository)
    assert checked.exit_code == 0, checked.output


@pytest.mark.slow
def test_serve_py_is_written_from_the_repositorys_own_deployments(cli, tmp_path):
    repository = checkout_of("quickstart", tmp_path)
    result = cli("adopt", repository, "--template", "serve_vm", "--defaults", "--apply")
    assert result.exit_code == 0, result.output
    serve = (repository / "serve.py").read_text()
    # The import path of flows/flows.py:run_my_flow, not the folder taken as the flow's name.
    assert "from flows.flows import run_my_flow\n" in serve
    assert 'name="deployment-1"' in serve and 'parameters={"param": "42"}' in serve
    assert 'Interval(30.0, anchor_date=datetime.fromisoformat("2023-09-24T20:10:59.381600+00:00")' \
           ', timezone="UTC")' in serve
    assert "cron=" not in serve and '"source": "demo"' not in serve  # nothing invented
    answers = yaml.safe_load((repository / ".copier-answers.yml").read_text())
    assert (answers["schedule"], answers["interval_minutes"]) == ("", 0)
    # No example flow beside the repository's own.
    assert not (repository / "flows" / "__init__.py").exists()
    assert sorted(p.name for p in (repository / "flows").iterdir()) == ["flows.py"]


@pytest.mark.slow
def test_the_template_tooling_is_merged_into_a_pyproject_that_keeps_every_line(cli, tmp_path):
    repository = checkout_of("serve_repo", tmp_path)
    theirs = (repository / "pyproject.toml").read_text()
    result = cli("adopt", repository, "--template", "serve_vm", "--defaults", "--apply")
    assert result.exit_code == 0, result.output
    assert "merged pyproject.toml" in result.stdout
    merged = (repository / "pyproject.toml").read_text()
    assert merged.startswith(theirs.rstrip("\n"))
    document = tomllib.loads(merged)
    assert {"pytest>=8", "ruff>=0.8"} <= set(document["dependency-groups"]["dev"])
    assert document["tool"]["uv"]["constraint-dependencies"] == ["fastapi<0.151"]
    assert document["tool"]["ruff"]["extend-exclude"] == ["flows/__init__.py",
                                                          "flows/daily_report.py", "serve.py"]


@pytest.mark.slow
def test_worker_packages_join_the_deploy_group(cli, tmp_path):
    repository = checkout_of("k8s_repo", tmp_path)
    (repository / "pyproject.toml").write_text('[project]\nname = "churn-model"\n'
                                               'dependencies = ["pandas>=2"]\n')
    assert cli("adopt", repository, "--template", "k8s_pool", "--defaults",
               "--apply").exit_code == 0
    document = tomllib.loads((repository / "pyproject.toml").read_text())
    assert document["project"]["dependencies"] == ["pandas>=2", "prefect>=3.4,<4"]
    assert any(r.startswith("prefect-kubernetes") for r in document["dependency-groups"]["deploy"])
    assert document["tool"]["uv"]["default-groups"] == ["dev", "deploy"]


@pytest.mark.parametrize("template", ["k8s_pool", "ecs_pool"])  # one shared name rule, and ECS's
@pytest.mark.slow
def test_a_pool_name_prefect_accepts_is_adopted_as_it_is(cli, tmp_path, template):
    repository = checkout_of("hello_world", tmp_path)
    prefect_yaml = repository / "prefect.yaml"
    prefect_yaml.write_text(prefect_yaml.read_text().replace("name: fnl-worker",
                                                             "name: mover_docker_pool"))
    result = cli("adopt", repository, "--template", template, "--defaults", "--apply")
    assert result.exit_code == 0, result.output
    answers = yaml.safe_load((repository / ".copier-answers.yml").read_text())
    assert answers["work_pool_name"] == "mover_docker_pool"
    assert "pool-name" not in cli("check", repository).stdout


def adopted_with(deployments: list[dict], tmp_path: Path, files: dict[str, str]) -> Path:
    """The quickstart repository, adopted with `deployments` as its prefect.yaml's."""
    repository = tmp_path / "quickstart"
    shutil.copytree(FIXTURES / "quickstart", repository)
    for name, text in files.items():
        (repository / name).write_text(text)
    (repository / "prefect.yaml").write_text(yaml.safe_dump({"deployments": deployments}))
    git(repository, "init", "-q")
    commit_all(repository, "hand-written")
    return repository


def run_serve(repository: Path, code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=repository, capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": str(repository)})


@pytest.mark.slow
def test_a_hostile_entrypoint_is_never_code_in_serve_py(cli, tmp_path):
    marker = tmp_path / "ran"
    payload = f"[__import__('pathlib').Path({str(marker)!r}).touch()][0]"
    repository = adopted_with([
        {"name": "ok", "entrypoint": "flows/flows.py:run_my_flow"},
        {"name": "hostile", "entrypoint": f"flows/flows.py:run_my_flow\n{payload}"},
        {"name": "hostile-load", "entrypoint": f"01-x.py:f = 1; {payload}; f"}], tmp_path, {})
    result = cli("adopt", repository, "--template", "serve_vm", "--defaults", "--apply")
    assert result.exit_code == 0, result.output
    imported = run_serve(repository, "import serve")  # what tests/test_serve.py does first
    assert imported.returncode == 0, imported.stderr
    assert not marker.exists()


@pytest.mark.slow
def test_flows_of_one_name_in_two_files_are_each_served(cli, tmp_path):
    other = (FIXTURES / "quickstart" / "flows" / "flows.py").read_text().replace("flow 2", "other")
    repository = adopted_with([
        {"name": "first", "entrypoint": "flows/flows.py:run_my_flow"},
        {"name": "second", "entrypoint": "flows/other.py:run_my_flow"}], tmp_path,
        {"flows/other.py": other})
    result = cli("adopt", repository, "--template", "serve_vm", "--defaults", "--apply")
    assert result.exit_code == 0, result.output
    served = run_serve(repository, "import serve\n"
                       "for d in serve.deployments(): print(d.name, d.entrypoint)")
    assert served.returncode == 0, served.stderr
    assert served.stdout.split("\n")[:2] == ["first flows/flows.py:run_my_flow",
                                             "second flows/other.py:run_my_flow"]


@pytest.mark.slow
def test_names_and_parameters_reach_serve_py_as_prefect_yaml_spells_them(cli, tmp_path):
    name = 'report 😀 """ \\N{BULLET} {x}'
    parameters = {"name": "wörld 😀\n\\u0041", "goodbye": True}
    repository = adopted_with([{"name": name, "entrypoint": "flows/flows.py:hello_world",
                                "parameters": parameters}], tmp_path, {})
    result = cli("adopt", repository, "--template", "serve_vm", "--defaults", "--apply")
    assert result.exit_code == 0, result.output
    served = run_serve(repository, "import serve\n[d] = serve.deployments()\n"
                       "print(ascii([d.name, sorted(d.parameters.items())]))")
    assert served.returncode == 0, served.stderr
    assert served.stdout.splitlines()[-1] == ascii([name, sorted(parameters.items())])
