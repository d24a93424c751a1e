"""Protected destinations hold with --force and whatever spelling reaches them.

Each attack runs with `--force --dry-run`: were the refusal missing, the dry run would still write
nothing, so a failing test never damages the machine it runs on.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from prefect_scaffold.writing import destination
from tests.helpers.cli import assert_refused

CHECKOUT = Path(__file__).resolve().parents[2]


def forced(cli, target, *extra):
    return cli("new", target, "--template", "serve_vm", "--defaults", "--force", "--dry-run",
               *extra)


@pytest.fixture
def home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    (home / "x").mkdir(parents=True)
    (home / "notes.txt").write_text("mine\n")
    monkeypatch.setenv("HOME", str(home))
    return home


def test_root_is_refused_with_force(cli):
    assert_refused(forced(cli, "/"), "is /")
    assert_refused(forced(cli, "/tmp/.."), "is /")


@pytest.mark.parametrize("spelling", ["{home}", "{home}/x/..", "{home}/./", "~", "~/x/.."])
def test_home_is_refused_with_force_however_spelled(cli, home, spelling):
    assert_refused(forced(cli, spelling.format(home=home)), "home directory")


def test_a_symlink_to_home_is_home(cli, home, tmp_path):
    (tmp_path / "link").symlink_to(home)
    assert_refused(forced(cli, tmp_path / "link"), "home directory")


@pytest.mark.parametrize("inside", ["templates/serve_vm", "templates/serve_vm/new-folder",
                                    "src", "."])
def test_our_checkout_and_anything_in_it_is_refused(cli, inside):
    if destination._checkout_root() is None:
        pytest.skip("not running from a checkout")
    assert_refused(forced(cli, CHECKOUT / inside), "own checkout")


def test_the_installed_package_is_refused(cli):
    assert_refused(forced(cli, destination._package_dir() / "new-folder"), "package")


def test_the_template_cache_is_refused(cli, template_cache):
    assert_refused(forced(cli, template_cache / "prefect-scaffold-templates" / "serve_vm"),
                   "template cache")


def test_a_dangling_symlink_is_refused_in_one_line(cli, tmp_path):
    (tmp_path / "p").symlink_to(tmp_path / "gone")
    assert_refused(cli("new", tmp_path / "p", "--template", "serve_vm", "--defaults"),
                   "dangling symlink")
    assert not (tmp_path / "gone").exists()


def test_a_name_too_long_is_refused_in_one_line(cli, tmp_path):
    assert_refused(cli("new", tmp_path / ("p" * 300), "--template", "serve_vm", "--defaults"),
                   "too long")
    assert os.listdir(tmp_path) == []


@pytest.mark.slow
def test_a_symlink_to_an_empty_folder_renders_into_that_folder(cli, tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    result = cli("new", tmp_path / "link", "--template", "serve_vm", "--defaults")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "link").is_symlink() and (tmp_path / "real" / "serve.py").is_file()
