"""Team defaults files: --data beats the project file, which beats the user file and templates."""

from __future__ import annotations

import os

import pytest
import yaml

from tests.helpers.cli import assert_refused
from tests.helpers.skips import NOT_ROOT


def answers(project):
    return yaml.safe_load((project / ".copier-answers.yml").read_text())


@pytest.mark.slow
def test_project_file_beats_user_file_and_data_beats_both(cli, tmp_path, monkeypatch):
    config_home = tmp_path / "config"
    (config_home / "prefect-scaffold").mkdir(parents=True)
    (config_home / "prefect-scaffold" / "config.toml").write_text(
        '[defaults]\nproject_name = "from-user"\npython_version = "3.11"\n')
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config_home))
    team = tmp_path / "team"
    (team / "repos").mkdir(parents=True)
    (team / "prefect-scaffold.toml").write_text(
        '[defaults]\nproject_name = "from-team"\nnamespace = "for-k8s-only"\n\n'
        '[templates.serve_vm]\nflow_name = "team_flow"\n')
    monkeypatch.chdir(team / "repos")  # the nearest parent's file applies

    result = cli("new", "a", "--template", "serve_vm", "--defaults")
    assert result.exit_code == 0, result.output
    recorded = answers(team / "repos" / "a")
    assert (recorded["project_name"], recorded["flow_name"], recorded["python_version"]) == (
        "from-team", "team_flow", "3.11")

    cli("new", "b", "--template", "serve_vm", "--defaults", "--data", "flow_name=mine")
    assert answers(team / "repos" / "b")["flow_name"] == "mine"


def test_template_section_keys_must_be_questions(cli, tmp_path, monkeypatch):
    (tmp_path / "prefect-scaffold.toml").write_text('[templates.serve_vm]\nnamespac = "x"\n')
    monkeypatch.chdir(tmp_path)
    assert_refused(cli("new", "p", "--template", "serve_vm", "--defaults"),
                   "prefect-scaffold.toml", "namespac")


def test_invalid_team_default_names_the_file(cli, tmp_path, monkeypatch):
    (tmp_path / "prefect-scaffold.toml").write_text('[defaults]\nschedule = "61 * * * *"\n')
    monkeypatch.chdir(tmp_path)
    assert_refused(cli("new", "p", "--template", "serve_vm", "--defaults"),
                   "prefect-scaffold.toml", "schedule")
    assert not (tmp_path / "p").exists()


def test_broken_toml_is_refused(cli, tmp_path, monkeypatch):
    (tmp_path / "prefect-scaffold.toml").write_text("[defaults\n")
    monkeypatch.chdir(tmp_path)
    assert_refused(cli("new", "p", "--template", "serve_vm", "--defaults"), "not valid TOML")


@pytest.mark.slow
def test_every_new_says_which_file_supplied_which_answers(cli, tmp_path, monkeypatch):
    (tmp_path / "prefect-scaffold.toml").write_text(
        '[defaults]\nproject_name = "from-team"\nnamespace = "for-k8s-only"\n')
    monkeypatch.chdir(tmp_path)
    result = cli("new", "p", "--template", "serve_vm", "--defaults")
    assert result.exit_code == 0, result.output
    assert f"team defaults {tmp_path / 'prefect-scaffold.toml'}: project_name\n" in result.stderr


@pytest.mark.slow
def test_the_search_stops_at_the_git_root(cli, tmp_path, monkeypatch):
    # A file above the repository (a shared /srv, a parent checkout) is not this project's.
    (tmp_path / "prefect-scaffold.toml").write_text('[defaults]\nproject_name = "planted"\n')
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "repo" / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "repo" / "sub")
    result = cli("new", "p", "--template", "serve_vm", "--defaults")
    assert result.exit_code == 0, result.output
    assert answers(tmp_path / "repo" / "sub" / "p")["project_name"] != "planted"
    assert "team defaults" not in result.stderr


@pytest.mark.slow
def test_the_search_stops_at_home(cli, tmp_path, monkeypatch):
    (tmp_path / "prefect-scaffold.toml").write_text('[defaults]\nproject_name = "planted"\n')
    (tmp_path / "home" / "work").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path / "home" / "work")
    result = cli("new", "p", "--template", "serve_vm", "--defaults")
    assert result.exit_code == 0, result.output
    assert answers(tmp_path / "home" / "work" / "p")["project_name"] != "planted"


@pytest.mark.slow
def test_a_file_anyone_could_write_is_ignored_and_said_so(cli, tmp_path, monkeypatch):
    planted = tmp_path / "prefect-scaffold.toml"
    planted.write_text('[defaults]\nproject_name = "planted"\n')
    planted.chmod(0o666)
    monkeypatch.chdir(tmp_path)
    result = cli("new", "p", "--template", "serve_vm", "--defaults")
    assert result.exit_code == 0, result.output
    assert answers(tmp_path / "p")["project_name"] != "planted"
    assert f"team defaults {planted}: ignored: it is writable by every user" in result.stderr


@pytest.mark.skipif(os.geteuid() != 0, reason=NOT_ROOT)
@pytest.mark.slow
def test_a_file_owned_by_another_user_is_ignored(cli, tmp_path, monkeypatch):
    planted = tmp_path / "prefect-scaffold.toml"
    planted.write_text('[defaults]\nproject_name = "planted"\n')
    os.chown(planted, 65534, 65534)
    monkeypatch.chdir(tmp_path)
    result = cli("new", "p", "--template", "serve_vm", "--defaults")
    assert answers(tmp_path / "p")["project_name"] != "planted"
    assert "owned by another user" in result.stderr
