"""What a new user hit on the first day (issue 21): each answered in one line naming the cause."""

from __future__ import annotations

import subprocess
import sys

import pytest

from prefect_scaffold.tree.decision_tree import TREE
from prefect_scaffold.tree.recommend import recommend
from tests.helpers.cli import assert_refused
from tests.helpers.projects import render_template


def test_a_folder_name_that_loses_characters_is_refused(cli, tmp_path):
    assert_refused(cli("new", tmp_path / "123abc", "--template", "serve_vm", "--defaults"),
                   "'123abc' would make project_name 'abc'", "--data project_name=abc")
    assert not (tmp_path / "123abc").exists()


@pytest.mark.slow
def test_defaults_fill_only_what_the_given_flags_allow(cli, tmp_path):
    result = cli("new", tmp_path / "k8s", "--kubernetes", "--defaults", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "files of template k8s_pool" in result.stderr
    assert "--no-containers" not in result.stderr.split("(to change:")[0]


def test_containers_without_serverless_or_kubernetes_explains_that_yes():
    answer = recommend({"containers": True, "serverless": False, "kubernetes": False})
    assert answer.template == "serve_vm"
    assert "do not need" not in answer.rationale and "Docker" in answer.rationale
    assert answer.presets() == {"docker": True}
    no = recommend({"containers": False})
    assert no.rationale == TREE.leaves["serve_vm"].rationale and no.presets() == {}


@pytest.mark.slow
def test_update_of_a_folder_that_does_not_exist_is_one_line(tmp_path):
    result = subprocess.run([sys.executable, "-m", "prefect_scaffold", "update",
                             str(tmp_path / "no-such-dir")], capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr == f"error: update {tmp_path / 'no-such-dir'}: no such directory\n"


def test_switch_to_an_unknown_template_names_to(cli, tmp_path):
    assert_refused(cli("switch", tmp_path, "--to", "nope"), "--to: unknown template 'nope'")


@pytest.mark.slow
def test_force_lists_the_files_it_replaces(cli, tmp_path):
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "README.md").write_text("mine\n")
    (tmp_path / "p" / "notes.txt").write_text("mine\n")
    result = cli("new", tmp_path / "p", "--template", "serve_vm", "--defaults", "--force",
                 "--no-git")
    assert result.exit_code == 0, result.output
    assert "--force replaced 1 existing file(s): README.md\n" in result.stderr


@pytest.mark.slow
def test_check_suggests_uv_in_a_uv_project(tmp_path, monkeypatch):
    import builtins

    from prefect_scaffold.check import check

    real_import = builtins.__import__

    def without_kubernetes_validate(name, *args, **kwargs):
        if name == "kubernetes_validate":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    render_template("k8s_pool", tmp_path / "p")
    monkeypatch.setattr(builtins, "__import__", without_kubernetes_validate)
    messages = [f.message for f in check(tmp_path / "p").findings if "not installed" in f.message]
    assert messages and all("uv add --dev kubernetes-validate" in m for m in messages)
    assert not any("pip install" in m for m in messages)


@pytest.mark.slow
def test_rendered_readmes_link_to_no_package_page(tmp_path):
    render_template("serve_vm", tmp_path / "p", scaffold_install="prefect-scaffold==0.1.0")
    readme = (tmp_path / "p" / "README.md").read_text()
    assert "pypi.org/project/prefect-scaffold" not in readme
    # `pin` rewrites scaffold_install without re-rendering: the README must not depend on it.
    render_template("serve_vm", tmp_path / "unpinned", scaffold_install="")
    assert (tmp_path / "unpinned" / "README.md").read_text() == readme
