"""Hostile or broken input to `new` gets one line and exit 2, never a traceback, never a hang.

Each test feeds one input the adversarial pass found crashing or running unbounded.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from prefect_scaffold.limits import MAX_FILE_BYTES
from tests.helpers.cli import assert_refused
from tests.helpers.skips import AS_ROOT, NO_DEV_ZERO


def new(cli, tmp_path, *args):
    return cli("new", tmp_path / "p", "--template", "serve_vm", "--defaults", *args)


def refused(result, tmp_path, *fragments):
    assert_refused(result, *fragments)
    assert not (tmp_path / "p").exists()


# Bytes that are not UTF-8 on the command line reach Python as lone surrogates.
@pytest.mark.parametrize("pair", ["description=caf\udce9", "descr\udcffiption=x"])
def test_data_that_is_not_utf8(cli, tmp_path, pair):
    refused(new(cli, tmp_path, "--data", pair), tmp_path, "--data", "UTF-8")


def test_a_team_defaults_file_that_is_not_utf8(cli, tmp_path, monkeypatch):
    (tmp_path / "prefect-scaffold.toml").write_bytes(b'[defaults]\ndescription = "caf\xe9"\n')
    monkeypatch.chdir(tmp_path)
    refused(cli("new", "p", "--template", "serve_vm", "--defaults"), tmp_path,
            "prefect-scaffold.toml", "UTF-8")


def test_a_huge_team_defaults_file_is_refused_unread(cli, tmp_path, monkeypatch):
    (tmp_path / "prefect-scaffold.toml").write_text("# padding\n" * (MAX_FILE_BYTES // 10 + 1))
    monkeypatch.chdir(tmp_path)
    refused(cli("new", "p", "--template", "serve_vm", "--defaults"), tmp_path,
            "prefect-scaffold.toml", "larger than")


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason=NO_DEV_ZERO)
def test_an_endless_data_file_is_refused_not_read_until_memory_runs_out(cli, tmp_path):
    refused(new(cli, tmp_path, "--data-file", "/dev/zero"), tmp_path, "larger than")


def test_a_directory_as_data_file(cli, tmp_path):
    refused(new(cli, tmp_path, "--data-file", tmp_path), tmp_path, "cannot be read")


BILLION_LAUGHS = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8))


@pytest.mark.parametrize(("content", "problem"), [
    (BILLION_LAUGHS, "expand to more than"),
    ("description: &x [*x]\n", "containing itself"),
    ("description: " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply"),
])
@pytest.mark.slow
def test_yaml_that_would_take_unbounded_work_is_refused(cli, tmp_path, content, problem):
    data_file = tmp_path / "answers.yml"
    data_file.write_text(content)
    refused(new(cli, tmp_path, "--data-file", data_file), tmp_path, "--data-file", problem)


@pytest.mark.slow
def test_ordinary_aliases_still_work(cli, tmp_path):
    data_file = tmp_path / "answers.yml"
    data_file.write_text("project_name: &d my-flows\ndescription: *d\n")
    result = new(cli, tmp_path, "--data-file", data_file, "--dry-run")
    assert result.exit_code == 0, result.output


def team_template(root: Path, **settings) -> Path:
    (root / "project").mkdir(parents=True)
    config = {"_subdirectory": "project", **settings, "name": {"type": "str", "default": "x"}}
    (root / "copier.yml").write_text(yaml.safe_dump(config))
    (root / "project" / "README.md.jinja").write_text("# {{ name }}\n")
    return root


def test_copiers_own_refusal_is_one_line(cli, tmp_path):
    source = team_template(tmp_path / "team", _min_copier_version="999.0")
    refused(cli("new", tmp_path / "p", "--template-source", source, "--defaults"), tmp_path,
            "cannot be rendered")
    assert [p.name for p in tmp_path.iterdir()] == ["team"]


def test_a_template_whose_jinja_is_broken_is_named(cli, tmp_path):
    source = team_template(tmp_path / "team")
    config = yaml.safe_load((source / "copier.yml").read_text())
    config["name"]["default"] = "{{ 1 | no_such_filter }}"
    (source / "copier.yml").write_text(yaml.safe_dump(config))
    refused(cli("new", tmp_path / "p", "--template-source", source, "--defaults"), tmp_path,
            "template question name", "cannot be evaluated")


def test_a_missing_file_url_source_is_one_line(cli, tmp_path):
    refused(cli("new", tmp_path / "p", "--template-source", f"file://{tmp_path}/none",
                "--defaults"), tmp_path, "--template-source")


@pytest.mark.skipif(os.geteuid() == 0, reason=AS_ROOT)
def test_a_destination_under_a_read_only_folder(cli, tmp_path):
    (tmp_path / "ro").mkdir(mode=0o555)
    assert_refused(cli("new", tmp_path / "ro" / "p", "--template", "serve_vm", "--defaults"),
                   "not writable")


@pytest.mark.parametrize(("file_name", "content", "problem"), [
    ("{{ name }}.txt.jinja", "x", "could not be written"),  # a 300-character name
    ("README.md.jinja", "{% if %}", "Jinja failed"),
])
def test_a_template_that_fails_while_rendering_is_one_line(cli, tmp_path, file_name, content,
                                                          problem):
    source = team_template(tmp_path / "team")
    (source / "project" / file_name).write_text(content)
    refused(cli("new", tmp_path / "p", "--template-source", source, "--defaults",
                "--data", f"name={'n' * 300}"), tmp_path, "cannot be rendered", problem)
    assert [p.name for p in tmp_path.iterdir()] == ["team"]
