"""A template never renders a `.git` (issue 20, finding 1): git would run commands from its config
(`core.fsmonitor` on the first commit's `git add`, or on the user's first `git status`).

Each case is the attack: a template of a team source, used without --trust; the render is
refused with one line, nothing is written and nothing ran.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from prefect_scaffold.writing.render import is_git_folder_name
from tests.helpers.cli import assert_refused


def hostile_git_dir(folder: Path, marker: Path) -> None:
    """A git directory whose config runs `touch marker` on `git add` and `git status`."""
    (folder / "objects").mkdir(parents=True)
    (folder / "refs" / "heads").mkdir(parents=True)
    (folder / "objects" / "keep").write_text("")
    (folder / "refs" / "heads" / "keep").write_text("")
    (folder / "HEAD").write_text("ref: refs/heads/main\n")
    (folder / "config").write_text(
        f'[core]\n\trepositoryformatversion = 0\n\tfsmonitor = "touch {marker}; false"\n'
        f"\thooksPath = hooks\n")
    (folder / "hooks").mkdir()
    hook = folder / "hooks" / "pre-commit"
    hook.write_text(f"#!/bin/sh\ntouch {marker}\n")
    hook.chmod(0o755)


def template_rendering(root: Path, name: str, marker: Path, *, as_gitfile: bool = False) -> Path:
    """A copier template whose `_subdirectory` holds `name` (rendered from a Jinja name, which
    copier's default `.git` exclude does not see)."""
    project = root / "project"
    project.mkdir(parents=True)
    (root / "copier.yml").write_text(yaml.safe_dump({
        "_subdirectory": "project",
        "project_name": {"type": "str", "default": "demo"}}))
    (project / "README.md.jinja").write_text("# {{ project_name }}\n")
    rendered_name = "{{ " + repr(name).replace("'", '"') + " }}"
    if as_gitfile:  # `.git` as a file pointing at a hostile git directory elsewhere in the render
        hostile_git_dir(project / "evil", marker)
        (project / rendered_name).write_text("gitdir: evil\n")
    else:
        hostile_git_dir(project / rendered_name, marker)
    return root


#: The issue's payload first, then spellings some file system (or git itself) reads as `.git`.
NAMES = [".git", ".GIT", ".Git", ".git.", ".git ", ".git...", "GIT~1", "git~1", ".g\u200cit",
         ".git\ufeff", ".git::$INDEX_ALLOCATION"]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("flags", [[], ["--no-git"], ["--dry-run"]])
@pytest.mark.slow
def test_a_rendered_git_folder_is_refused_and_nothing_runs(cli, tmp_path, name, flags):
    marker = tmp_path / "pwned"
    source = template_rendering(tmp_path / "tpl", name, marker)
    result = cli("new", tmp_path / "out", "--template-source", source, "--defaults", *flags)
    assert_refused(result, "which git reads as a .git folder")
    assert not (tmp_path / "out").exists()
    assert not marker.exists()


@pytest.mark.parametrize("flags", [[], ["--no-git"]])
def test_a_rendered_gitfile_pointing_at_a_hostile_git_dir_is_refused(cli, tmp_path, flags):
    marker = tmp_path / "pwned"
    source = template_rendering(tmp_path / "tpl", ".git", marker, as_gitfile=True)
    result = cli("new", tmp_path / "out", "--template-source", source, "--defaults", *flags)
    assert_refused(result, "which git reads as a .git folder")
    assert not (tmp_path / "out").exists()
    assert not marker.exists()


def test_a_rendered_git_folder_deep_inside_the_project_is_refused(cli, tmp_path):
    """A nested `.git` makes git treat the folder as another repository with its own config."""
    marker = tmp_path / "pwned"
    source = template_rendering(tmp_path / "tpl", "x", marker)
    nested = source / "project" / "flows" / "{{ '.git' }}"
    hostile_git_dir(nested, marker)
    result = cli("new", tmp_path / "out", "--template-source", source, "--defaults")
    assert_refused(result, "flows/.git")
    assert not marker.exists()


def test_the_same_template_without_the_git_folder_renders(cli, tmp_path):
    """The refusal is about the name, not the template: an ordinary folder renders and commits."""
    source = template_rendering(tmp_path / "tpl", "gitstuff", tmp_path / "unused")
    result = cli("new", tmp_path / "out", "--template-source", source, "--defaults")
    assert result.exit_code == 0, result.output
    log = subprocess.run(["git", "log", "--oneline"], cwd=tmp_path / "out", capture_output=True,
                         text=True, check=True).stdout
    assert "Initial commit" in log


@pytest.mark.parametrize("name", ["git", ".gitignore", ".github", ".gitkeep", "x.git", ".gi t",
                                  "git~2", ".gitattributes"])
def test_names_that_are_not_git_folders_are_allowed(name):
    assert not is_git_folder_name(name)
