import os
from pathlib import Path

import pytest
import yaml

from tests.helpers.cli import assert_refused


@pytest.mark.slow
def test_defaults_render_serve_vm_and_record_the_decision(cli, tmp_path):
    result = cli("new", tmp_path / "demo", "--defaults")
    assert result.exit_code == 0, result.output
    answers = yaml.safe_load((tmp_path / "demo" / ".copier-answers.yml").read_text())
    assert answers["decision_path"] == [
        {"question": "Do your flow runs need customized or dynamically provisioned "
                     "infrastructure (a container or pod per run)?", "answer": "no"}]
    readme = (tmp_path / "demo" / "README.md").read_text()
    assert "| Do your flow runs need customized" in readme
    assert "serve.py" in result.stdout.splitlines()


@pytest.mark.slow
def test_tree_flags_choose_the_template(cli, tmp_path):
    result = cli("new", tmp_path / "p", "--no-containers", "--defaults",
                 "--data", "project_name=flows-a", "--data", "docker=true")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "p" / "compose.yaml").is_file()
    assert 'name = "flows-a"' in (tmp_path / "p" / "pyproject.toml").read_text()


@pytest.mark.slow
def test_data_beats_data_file(cli, tmp_path):
    answers = tmp_path / "answers.yml"
    answers.write_text("project_name: from-file\nflow_name: from_file\n")
    result = cli("new", tmp_path / "p", "--template", "serve_vm", "--defaults",
                 "--data-file", answers, "--data", "project_name=from-flag")
    assert result.exit_code == 0, result.output
    recorded = yaml.safe_load((tmp_path / "p" / ".copier-answers.yml").read_text())
    assert (recorded["project_name"], recorded["flow_name"]) == ("from-flag", "from_file")


@pytest.mark.slow
def test_dry_run_lists_files_and_writes_nothing(cli, tmp_path):
    result = cli("new", tmp_path / "p", "--template", "serve_vm", "--defaults", "--dry-run")
    assert result.exit_code == 0
    assert "serve.py" in result.stdout.splitlines()
    assert not (tmp_path / "p").exists()
    assert os.listdir(tmp_path) == []  # no staging folder left behind


@pytest.mark.slow
def test_force_overwrites_template_files_and_keeps_the_users(cli, tmp_path):
    project = tmp_path / "p"
    project.mkdir()
    (project / "serve.py").write_text("stale")
    (project / "notes.txt").write_text("mine")
    assert_refused(cli("new", project, "--template", "serve_vm", "--defaults"), "not empty")
    assert (project / "serve.py").read_text() == "stale"
    result = cli("new", project, "--template", "serve_vm", "--defaults", "--force")
    assert result.exit_code == 0
    assert "prefect import serve" in (project / "serve.py").read_text()
    assert (project / "notes.txt").read_text() == "mine"


@pytest.mark.slow
def test_an_empty_existing_directory_is_accepted(cli, tmp_path):
    (tmp_path / "p").mkdir()
    assert cli("new", tmp_path / "p", "--template", "serve_vm", "--defaults").exit_code == 0
    assert (tmp_path / "p" / "serve.py").is_file()


@pytest.mark.parametrize(("args", "fragments"), [
    (["--template", "nomad_pool"], ["--template", "nomad_pool", "allowed: serve_vm"]),
    (["--template", "serve_vm", "--data", "colour=blue"], ["colour", "not a question"]),
    (["--template", "serve_vm", "--data", "project_name=My_Flows"],
     ["project_name", "lowercase"]),
    (["--template", "serve_vm", "--data", "schedule=61 * * * *"], ["schedule", "cron"]),
    (["--template", "serve_vm", "--data", "schedule=* * *"], ["schedule", "cron"]),
    (["--template", "serve_vm", "--data", "python_version=2.7"], ["python_version", "3.12"]),
    (["--template", "serve_vm", "--data", "docker=maybe"], ["docker", "true or false"]),
    (["--template", "serve_vm", "--data", "novalue"], ["KEY=VALUE"]),
])
def test_bad_input_is_refused_with_one_line_and_nothing_written(cli, tmp_path, args, fragments):
    assert_refused(cli("new", tmp_path / "p", "--defaults", *args), *fragments)
    assert not (tmp_path / "p").exists()


def test_missing_answer_without_a_terminal_names_the_data_key(cli, tmp_path):
    assert_refused(cli("new", tmp_path / "p", "--template", "serve_vm"),
                   "project_name", "--data project_name=")
    assert not (tmp_path / "p").exists()


def test_missing_tree_answer_without_a_terminal_names_the_flag(cli, tmp_path):
    assert_refused(cli("new", tmp_path / "p", "--containers"), "--serverless")


@pytest.mark.parametrize(("content", "problem"), [
    ("- a\n- b\n", "list, not a mapping"),
    ("key: [unclosed\n", "not valid YAML"),
])
def test_data_file_must_be_a_yaml_mapping(cli, tmp_path, content, problem):
    data_file = tmp_path / "answers.yml"
    data_file.write_text(content)
    assert_refused(cli("new", tmp_path / "p", "--template", "serve_vm", "--defaults",
                       "--data-file", data_file), "--data-file", problem)
    assert not (tmp_path / "p").exists()


def test_data_file_that_does_not_exist(cli, tmp_path):
    assert_refused(cli("new", tmp_path / "p", "--template", "serve_vm", "--defaults",
                       "--data-file", tmp_path / "nope.yml"), "no such file")


def test_destination_that_is_a_file(cli, tmp_path):
    target = tmp_path / "file.txt"
    target.write_text("x")
    assert_refused(cli("new", target, "--template", "serve_vm", "--defaults"), "is a file")
    assert target.read_text() == "x"


def test_unwritable_destination(cli):
    # /proc refuses new entries even to root, so this holds whoever runs the tests.
    assert_refused(cli("new", "/proc/prefect-scaffold-test/p", "--template", "serve_vm",
                       "--defaults"), "/proc")


def test_home_is_refused_without_force(cli, monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "keep.txt").write_text("x")
    assert_refused(cli("new", tmp_path, "--template", "serve_vm", "--defaults"), "home")


@pytest.mark.slow
def test_interrupted_render_leaves_the_destination_as_it_was(cli, tmp_path, monkeypatch):
    import copier

    real_run_copy = copier.run_copy

    def interrupted(src, dst, **kwargs):
        real_run_copy(src, dst, **kwargs)  # the staging folder is full...
        raise KeyboardInterrupt  # ...when Ctrl-C arrives

    monkeypatch.setattr(copier, "run_copy", interrupted)
    project = tmp_path / "p"
    project.mkdir()
    result = cli("new", project, "--template", "serve_vm", "--defaults")
    assert result.exit_code == 130
    assert "nothing was written" in result.stderr
    assert os.listdir(project) == [] and os.listdir(tmp_path) == ["p"]


@pytest.mark.slow
def test_rendered_directory_is_not_private(cli, tmp_path):
    cli("new", tmp_path / "p", "--template", "serve_vm", "--defaults")
    assert Path(tmp_path / "p").stat().st_mode & 0o055 == 0o055 & ~_umask()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@pytest.mark.parametrize(("value", "kind"), [
    ("pnu_" + "a1B2" * 9, "Prefect API key"),
    ("AKIA" + "ABCDEFGHIJ123456", "AWS access key id"),
    ("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "AWS secret access key"),
    ("-----BEGIN RSA PRIVATE KEY-----", "private key"),
])
def test_a_secret_passed_as_an_answer_is_refused_and_not_echoed(cli, tmp_path, value, kind):
    result = cli("new", tmp_path / "p", "--template", "serve_vm", "--defaults",
                 "--data", f"description={value}")
    assert_refused(result, "description", kind)
    assert value not in result.stderr + result.stdout
    assert not (tmp_path / "p").exists()


@pytest.mark.slow
def test_ordinary_long_words_are_not_mistaken_for_secrets(cli, tmp_path):
    description = "Nightly ingestion of the warehouse tables into the lakehouse"
    result = cli("new", tmp_path / "p", "--template", "serve_vm", "--defaults",
                 "--data", f"description={description}")
    assert result.exit_code == 0, result.stderr


def test_prefect_scaffolds_own_checkout_is_refused(cli):
    checkout = Path(__file__).resolve().parents[2]
    assert_refused(cli("new", checkout, "--template", "serve_vm", "--defaults"), "own checkout")
