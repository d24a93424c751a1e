"""Team defaults files: --data beats the project file, which beats the user file and templates."""

from __future__ import annotations

import yaml

from tests.helpers.cli import assert_refused


def answers(project):
    return yaml.safe_load((project / ".copier-answers.yml").read_text())


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
