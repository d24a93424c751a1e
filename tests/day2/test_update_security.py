"""`update` reads `.copier-answers.yml` as untrusted data: a pull request writes it, CI runs
`update --check` on it. Each test is the attack, asserting nothing ran and one line came back."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.helpers.cli import assert_refused, assert_refused_after_notice


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=repo,
                   check=True, capture_output=True)


@pytest.fixture
def checkout(tmp_path, monkeypatch) -> Path:
    """A CI checkout: a git repository with an origin remote, the current directory."""
    upstream = tmp_path / "upstream"
    upstream.mkdir()
    git(upstream, "init", "-q")
    git(upstream, "commit", "-q", "--allow-empty", "-m", "x")
    project = tmp_path / "project"
    project.mkdir()
    git(project, "init", "-q")
    git(project, "remote", "add", "origin", str(upstream))
    monkeypatch.chdir(project)
    return project


def write_answers(project: Path, text: str) -> None:
    (project / ".copier-answers.yml").write_text(text)
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "answers")


@pytest.mark.parametrize("payload", [
    "--upload-pack=touch {marker}; false",
    "--upload-pack=touch {marker}",
    "ext::sh -c touch% {marker}",
    "-u touch {marker}",
])
@pytest.mark.parametrize("check", [True, False])
def test_a_source_that_is_a_git_option_runs_nothing(cli, checkout, tmp_path, payload, check):
    marker = tmp_path / "pwned"
    write_answers(checkout, yaml.safe_dump({"_commit": "1.0.0",
                                            "_src_path": payload.format(marker=marker)}))
    result = cli("update", ".", *(["--check"] if check else []))
    assert_refused(result, "_src_path", "is not allowed")
    assert not marker.exists()


def test_a_commit_that_is_a_git_option_is_refused(cli, checkout, tmp_path):
    write_answers(checkout, yaml.safe_dump({"_commit": "--output=/tmp/x",
                                            "_src_path": str(tmp_path / "upstream")}))
    assert_refused(cli("update", "."), "_commit", "is not allowed")


def test_an_unreachable_source_fails_the_drift_gate(cli, checkout, tmp_path):
    write_answers(checkout, yaml.safe_dump({"_commit": "1.0.0",
                                            "_src_path": str(tmp_path / "gone")}))
    result = cli("update", ".", "--check", "--trust")
    assert_refused_after_notice(result, "cannot list the versions of")
    assert "latest None" not in result.output


def test_a_source_without_version_tags_fails_the_drift_gate(cli, checkout, tmp_path):
    write_answers(checkout, yaml.safe_dump({"_commit": "1.0.0",
                                            "_src_path": str(tmp_path / "upstream")}))
    assert_refused_after_notice(cli("update", ".", "--check", "--trust"), "has no version tags")


@pytest.mark.parametrize("text", [
    "_src_path: [unclosed\n",
    "- a list\n- not a mapping\n",
    "_commit: 1.0.0\n",
    "_src_path: 42\n_commit: 1.0.0\n",
    "_src_path: prefect-scaffold:serve_vm\n_commit: [1, 2]\n",
    "_src_path: prefect-scaffold:../../etc\n_commit: 0.1.0+gabc\n",
    "_src_path: prefect-scaffold:serve_vm\n_commit: '0.1.0+gabc; rm -rf /'\n",
    "\udcff\udcfe binary".encode("utf-8", "surrogateescape").decode("latin-1"),
])
@pytest.mark.parametrize("check", [True, False])
def test_a_tampered_answers_file_is_one_line(cli, checkout, text, check):
    write_answers(checkout, text)
    assert_refused(cli("update", ".", *(["--check"] if check else [])), ".copier-answers.yml")


@pytest.mark.slow
def test_a_tampered_answers_file_reads_as_one_line_from_a_subprocess(checkout):
    """No traceback reaches a CI log, whatever the runner's terminal."""
    write_answers(checkout, "_src_path: {a: b}\n")
    result = subprocess.run([sys.executable, "-m", "prefect_scaffold", "update", "--check"],
                            cwd=checkout, capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


@pytest.mark.parametrize("flag", ["--template-source", "--vcs-ref"])
def test_team_source_flags_cannot_smuggle_git_options(cli, tmp_path, flag):
    marker = tmp_path / "pwned"
    args = {"--template-source": ["--template-source", f"--upload-pack=touch {marker}"],
            "--vcs-ref": ["--template-source", str(tmp_path), "--vcs-ref",
                          f"--upload-pack=touch {marker}"]}[flag]
    assert_refused(cli("new", tmp_path / "p", *args, "--defaults"), flag, "is not allowed")
    assert not marker.exists()
