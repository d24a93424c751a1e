"""`status`: one view of many repositories, as a table, JSON and markdown."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from prefect_scaffold.catalog import registry
from prefect_scaffold.day2.status import RepositoryStatus, as_table
from tests.helpers.cli import Invoke, assert_refused
from tests.helpers.projects import render_template

HAND_WRITTEN = """\
name: legacy
prefect-version: 3.4.0
deployments:
- name: nightly
  entrypoint: flows/etl.py:etl
  work_pool:
    name: legacy-pool
"""


@pytest.fixture(scope="module")
def session_cache(template_cache):
    """The test session's template cache for module fixtures (the autouse one is per test)."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("PREFECT_SCAFFOLD_CACHE", str(template_cache))
        yield


@pytest.fixture(scope="module")
def checkouts(tmp_path_factory, session_cache):
    """Five repositories in one folder, as a platform team's clone of its organisation."""
    root = tmp_path_factory.mktemp("checkouts")
    render_template("serve_vm", root / "a-serve")
    render_template("k8s_pool", root / "b-k8s", work_pool_name="team-k8s")
    render_template("ecs_pool", root / "c-ecs")
    prefect_yaml = root / "c-ecs" / "prefect.yaml"
    prefect_yaml.write_text(prefect_yaml.read_text().replace('entrypoint: "flows/',
                                                             'entrypoint: "missing/'))
    (root / "d-hand-written" / "flows").mkdir(parents=True)
    (root / "d-hand-written" / "prefect.yaml").write_text(HAND_WRITTEN)
    (root / "d-hand-written" / "flows" / "etl.py").write_text(
        "from prefect import flow\n\n\n@flow\ndef etl():\n    pass\n")
    render_template("serve_vm", root / "e-tampered")
    (root / "e-tampered" / ".copier-answers.yml").write_text("_src_path: --upload-pack=x\n")
    return root


@pytest.fixture(scope="module")
def rows(checkouts, session_cache):
    """`status --json` over the folder, after a release that changed only k8s_pool."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        copy = checkouts.parent / "next-release"
        shutil.copytree(registry.templates_root(), copy)
        (copy / "k8s_pool" / "project" / "NEW.md").write_text("new\n")
        monkeypatch.setattr(registry, "templates_root", lambda: copy)
        result = Invoke()("status", checkouts, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.e2e
def test_status_of_five_repositories(rows):
    by_name = {row["repository"].rsplit("/", 1)[-1]: row for row in rows}
    assert list(by_name) == ["a-serve", "b-k8s", "c-ecs", "d-hand-written", "e-tampered"]
    serve, k8s, ecs, hand, tampered = by_name.values()
    assert (serve["template"], serve["drift"], serve["pool"], serve["errors"]) == \
        ("serve_vm", "current", "serve", 0)
    assert (k8s["drift"], k8s["pool"], k8s["errors"]) == ("outdated", "team-k8s", 0)
    assert k8s["rendered"] != k8s["latest"]
    assert ecs["drift"] == "current" and ecs["errors"] > 0
    assert (hand["drift"], hand["template"], hand["pool"]) == ("unmanaged", "-", "legacy-pool")
    assert tampered["drift"].startswith("unknown: .copier-answers.yml is tampered")


@pytest.mark.e2e
def test_status_table_and_markdown_have_one_row_per_repository(rows):
    statuses = [RepositoryStatus(**row) for row in rows]
    lines = as_table(statuses).splitlines()
    assert lines[0].split() == ["repository", "template", "rendered", "latest", "drift",
                                "errors", "warnings", "pool"]
    assert len(lines) == 6 and "d-hand-written" in lines[4]
    assert lines[1].index(rows[0]["drift"]) == lines[0].index("drift")  # columns line up

    lines = as_table(statuses, markdown=True).splitlines()
    assert lines[0].startswith("| repository | template |") and lines[1].startswith("| --- |")
    assert len(lines) == 7 and all(line.endswith("|") for line in lines)


def test_status_markdown_from_the_command_line(cli, tmp_path):
    (tmp_path / "hand" / "flows").mkdir(parents=True)
    (tmp_path / "hand" / "prefect.yaml").write_text(HAND_WRITTEN)
    result = cli("status", tmp_path / "hand", "--format", "markdown")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[2].startswith(f"| {tmp_path / 'hand'} | - | - | - | "
                                                    "unmanaged |")


def test_status_of_a_folder_without_repositories_is_refused(cli, tmp_path):
    assert_refused(cli("status", tmp_path), "no repositories found")


@pytest.fixture(scope="module")
def second_day(tmp_path_factory, session_cache):
    """Repositories as they look later: a newer tool's render, a moved pool, a conflicted
    update; plus a path that does not exist. `status --json` over them."""
    root = tmp_path_factory.mktemp("second-day")
    render_template("serve_vm", root / "newer")
    answers = root / "newer" / ".copier-answers.yml"
    answers.write_text(re.sub(r"(?m)^_commit: .*$", "_commit: 99.0.0+g0123456789ab",
                              answers.read_text()))
    render_template("k8s_pool", root / "moved", work_pool_name="team-k8s")
    prefect_yaml = root / "moved" / "prefect.yaml"
    prefect_yaml.write_text(prefect_yaml.read_text().replace("team-k8s", "team-k8s-v2"))
    render_template("serve_vm", root / "conflicted")
    readme = root / "conflicted" / "README.md"
    readme.write_text(readme.read_text() + "<<<<<<< before updating\nold\n=======\nnew\n"
                      ">>>>>>> after updating\n")
    result = Invoke()("status", root / "newer", root / "moved", root / "conflicted",
                      root / "missing", "--json")
    assert result.exit_code == 0, result.output
    return {row["repository"].rsplit("/", 1)[-1]: row for row in json.loads(result.stdout)}


@pytest.mark.e2e
def test_a_project_rendered_by_a_newer_release_is_not_outdated(second_day):
    assert second_day["newer"]["drift"] == "newer than this tool"


@pytest.mark.e2e
def test_the_pool_is_the_one_prefect_yaml_deploys_to(second_day):
    assert second_day["moved"]["pool"] == "team-k8s-v2"


@pytest.mark.e2e
def test_unresolved_conflict_markers_are_reported(second_day):
    assert second_day["conflicted"]["drift"] == "conflicts in 1 file(s)"


@pytest.mark.e2e
def test_a_path_that_does_not_exist_gets_a_row(second_day):
    assert second_day["missing"]["drift"] == "unknown: no such directory"


def test_long_values_are_clipped_in_the_table_and_whole_in_json():
    problem = "unknown: cannot list the versions of https://git.example.com/" + "x" * 200
    row = RepositoryStatus("/repos/a", "serve_vm", "0.1.0", "0.1.0", problem, 0, 0, "serve")
    lines = as_table([row, RepositoryStatus("/repos/b", "serve_vm", "0.1.0", "0.1.0", "current",
                                            0, 0, "serve")]).splitlines()
    assert max(len(line) for line in lines) < 140
    assert "unknown: cannot list the versions of ht…  0 " in lines[1]
    assert row.as_dict()["drift"] == problem
