"""A team template's Jinja cannot run code before (or without) --trust.

Each test is the attack: a copier.yml whose default, `when` or validator reaches Python through
Jinja, rendered with `new --template-source ... --dry-run`, which must neither run it nor crash.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.helpers.cli import assert_refused

ESCAPE = "{{{{ cycler.__init__.__globals__.os.system('touch {marker}') }}}}"


def team_template(root: Path, question: dict, **settings) -> Path:
    (root / "project").mkdir(parents=True)
    # Not `project_name`: `new` computes that one's default from the destination, so a payload
    # there would never be evaluated at all.
    config = {"_subdirectory": "project", **settings, "team_name": question}
    (root / "copier.yml").write_text(yaml.safe_dump(config))
    (root / "project" / "README.md.jinja").write_text("# {{ team_name }}\n")
    return root


@pytest.mark.parametrize("field", ["default", "when", "validator"])
def test_jinja_escaping_to_python_runs_nothing(cli, tmp_path, field):
    marker = tmp_path / "pwned"
    payload = ESCAPE.format(marker=marker)
    question = {"type": "str", "default": "team-flows", field: payload}
    source = team_template(tmp_path / "team", question)

    result = cli("new", tmp_path / "p", "--template-source", source, "--defaults", "--dry-run")

    assert not marker.exists()
    assert_refused(result, "team_name", "cannot be evaluated")


def test_the_escape_given_as_an_answer_is_plain_text(cli, tmp_path):
    # An answer is data, never a template: it reaches the validator as a value.
    marker = tmp_path / "pwned"
    source = team_template(tmp_path / "team", {"type": "str", "default": "x"})
    result = cli("new", tmp_path / "p", "--template-source", source, "--defaults", "--dry-run",
                 "--data", f"team_name={ESCAPE.format(marker=marker)}")
    assert not marker.exists()
    assert result.exit_code == 0, result.output


def test_an_unsafe_template_is_refused_before_its_questions_are_evaluated(cli, tmp_path):
    # Broken Jinja that would fail if evaluated: the trust refusal must come first.
    source = team_template(tmp_path / "team", {"type": "str", "default": "{{ 1 | no_such }}"},
                           _tasks=["touch task-ran"])
    assert_refused(cli("new", tmp_path / "p", "--template-source", source, "--defaults",
                       "--dry-run"), "--trust", "tasks")


@pytest.mark.parametrize("setting", ["_migrations", "_jinja_extensions"])
def test_other_unsafe_features_need_trust_too(cli, tmp_path, setting):
    value = ["x.Extension"] if setting == "_jinja_extensions" else [{"version": "1", "command":
                                                                     "true"}]
    source = team_template(tmp_path / "team", {"type": "str", "default": "x"}, **{setting: value})
    assert_refused(cli("new", tmp_path / "p", "--template-source", source, "--defaults",
                       "--dry-run"), "--trust", setting[1:])


def test_copier_settings_trust_is_honoured_and_announced(cli, tmp_path, monkeypatch):
    source = team_template(tmp_path / "team", {"type": "str", "default": "x"},
                           _tasks=["touch task-ran"])
    settings = tmp_path / "copier-settings.yml"
    settings.write_text(yaml.safe_dump({"trust": [f"{tmp_path}/"]}))
    monkeypatch.setenv("COPIER_SETTINGS_PATH", str(settings))

    result = cli("new", tmp_path / "p", "--template-source", source, "--defaults")

    assert result.exit_code == 0, result.output
    assert "listed under `trust` in copier's settings" in result.stderr
    assert (tmp_path / "p" / "task-ran").is_file()


def test_a_trust_entry_for_another_place_grants_nothing(cli, tmp_path, monkeypatch):
    source = team_template(tmp_path / "team", {"type": "str", "default": "x"},
                           _tasks=["touch task-ran"])
    settings = tmp_path / "copier-settings.yml"
    settings.write_text(yaml.safe_dump({"trust": [f"{tmp_path}/elsewhere/"]}))
    monkeypatch.setenv("COPIER_SETTINGS_PATH", str(settings))
    assert_refused(cli("new", tmp_path / "p", "--template-source", source, "--defaults"),
                   "--trust")
    assert not (tmp_path / "p").exists()


@pytest.mark.parametrize("expression", ["{{ 'a' * 10**10 }}", "{{ [0] * 10**10 }}",
                                        "{{ 7 ** 99999999 }}"])
def test_a_default_that_would_exhaust_memory_is_refused(cli, tmp_path, expression):
    source = team_template(tmp_path / "team", {"type": "str", "default": expression})
    assert_refused(cli("new", tmp_path / "p", "--template-source", source, "--defaults",
                       "--dry-run"), "team_name", "cannot be evaluated")


@pytest.mark.parametrize("expression", ["{{ 1 / 0 }}", "{{ 'a' + 1 }}", "{{ 1 | no_such }}"])
def test_a_default_whose_jinja_fails_is_named_in_one_line(cli, tmp_path, expression):
    source = team_template(tmp_path / "team", {"type": "str", "default": expression})
    assert_refused(cli("new", tmp_path / "p", "--template-source", source, "--defaults",
                       "--dry-run"), "template question team_name", "cannot be evaluated")
