"""Which version of a team source `new` renders without `--vcs-ref` and `update` moves to: the
tags as copier reads them, and every version we record is one `update` accepts."""

from __future__ import annotations

import pytest
import yaml

from tests.day2.test_update import _team_template, commit_all, git
from tests.helpers.cli import assert_refused


def _tagged(source, *versions: str) -> None:
    """A team template with one commit per version, each tagged with it."""
    for version in versions:
        _team_template(source, greeting=f"Version {version}.")
        if not (source / ".git").exists():
            git(source, "init", "-q", "-b", "main")
        commit_all(source, version)
        git(source, "tag", version)


@pytest.mark.slow
def test_a_project_at_a_pre_release_is_not_downgraded_by_update(cli, tmp_path):
    # A team ships 2.0.0rc1; a project opts in with --vcs-ref (or `update`, which counts
    # pre-releases, moved it there). Skipping them, `update` picked 1.0.0 and copier refused:
    # "You are downgrading from 2.0.0rc1 to 1.0.0".
    source = tmp_path / "team-template"
    _tagged(source, "1.0.0", "2.0.0rc1")
    project = tmp_path / "p"
    result = cli("new", project, "--template-source", source, "--vcs-ref", "2.0.0rc1",
                 "--defaults")
    assert result.exit_code == 0, result.output
    result = cli("update", project, "--trust")
    assert result.exit_code == 0, result.output
    assert yaml.safe_load((project / ".copier-answers.yml").read_text())["_commit"] == "2.0.0rc1"


@pytest.mark.slow
def test_an_epoch_release_rendered_by_new_is_accepted_by_update(cli, tmp_path):
    # `1!0.5` (epoch 1 beats 1.0.0) is no ref `update` accepts in an answers file ("tampered"):
    # it is skipped, and what `new` records `update` reads.
    source = tmp_path / "team-template"
    _tagged(source, "1.0.0", "1!0.5")
    project = tmp_path / "p"
    assert cli("new", project, "--template-source", source, "--defaults").exit_code == 0
    result = cli("update", project, "--check", "--trust")
    assert result.exit_code == 0, result.output


@pytest.mark.slow
def test_a_tag_whose_name_contains_refs_tags_is_not_misread(cli, tmp_path):
    # Tag `archive/refs/tags/5.0.0` once read as `5.0.0`, which does not exist: "Remote branch
    # 5.0.0 not found". copier splits on the tab and picks 1.0.0.
    source = tmp_path / "team-template"
    _tagged(source, "1.0.0")
    git(source, "tag", "archive/refs/tags/5.0.0")
    result = cli("new", tmp_path / "p", "--template-source", source, "--defaults")
    assert result.exit_code == 0, result.output
    assert yaml.safe_load((tmp_path / "p" / ".copier-answers.yml").read_text())["_commit"] == (
        "1.0.0")


def test_a_mistyped_source_path_says_it_does_not_exist(cli, tmp_path):
    # The last line of git's ls-remote message is "and the repository exists." (of "Please make
    # sure you have the correct access rights\nand the repository exists."): the opposite of
    # the truth. Its `fatal:` line says what is wrong.
    missing = tmp_path / "nothing-here"
    assert_refused(cli("new", tmp_path / "p", "--template-source", missing, "--defaults"),
                   "does not")
