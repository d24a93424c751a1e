"""Nothing a repository or an answers file holds reaches the terminal raw (issue 20, finding 5):
control characters (C0, ESC, C1, bidi overrides) come out escaped, URL credentials redacted, in
`status` (table, markdown, JSON), `update`, `check`, `adopt`, `switch` and every error line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from prefect_scaffold._console import sanitise
from tests.day2.test_update import commit_all, git
from tests.helpers.cli import assert_refused

TOKEN = "ghp_0123456789abcdefghij0123456789"
#: The issue's sequences (OSC title/link, SGR, CSI clear) and new ones: C1 CSI, a bidi override,
#: a carriage return that rewrites the line, a backspace.
ESCAPES = ["\x1b]0;pwned\x07", "\x1b[31m", "\x1b[2J", "\x1b]8;;https://evil.example\x1b\\",
           "\x9b31m", "\u202e", "\r", "\x08"]
RAW = ("\x1b", "\x9b", "\u202e", "\r", "\x08", "\x07")


def assert_clean(text: str) -> None:
    assert not any(raw in text for raw in RAW), repr(text)
    assert TOKEN not in text and "bob:" not in text, text


@pytest.mark.parametrize("escape", ESCAPES)
def test_sanitise_escapes_and_redacts(escape):
    text = f"x{escape}y https://bob:{TOKEN}@host/r.git"
    assert_clean(sanitise(text))
    assert "https://***@host/r.git" in sanitise(text)
    assert sanitise("a\tb\nc") == "a\tb\nc" and sanitise("a\nb", one_line=True) == "a\\x0ab"


@pytest.fixture
def hostile_checkouts(tmp_path) -> Path:
    """Folders of checkouts whose names, answers and prefect.yaml carry escapes and a token."""
    root = tmp_path / "checkouts"
    for index, escape in enumerate(ESCAPES):
        repo = root / f"repo{index}{escape}".replace("/", "")
        repo.mkdir(parents=True)
        (repo / ".copier-answers.yml").write_text(yaml.safe_dump({
            "_src_path": f"https://bob:{TOKEN}@git.example/{index}.git",
            "_commit": "1.0.0", "work_pool_name": f"pool{escape}"}))
        (repo / "prefect.yaml").write_text(yaml.safe_dump({
            "deployments": [{"name": "d", "entrypoint": "flows/x.py:f",
                             "work_pool": {"name": f"p{escape}"}}]}))
        git(repo, "init", "-q")
        commit_all(repo, "x")
    return root


@pytest.mark.parametrize("flags", [[], ["--format", "markdown"], ["--json"]])
@pytest.mark.slow
def test_status_prints_no_escape_and_no_credential(cli, hostile_checkouts, flags):
    result = cli("status", hostile_checkouts, *flags)
    assert result.exit_code == 0, result.output
    assert_clean(result.output)
    if flags == ["--json"]:
        rows = json.loads(result.stdout)
        assert len(rows) == len(ESCAPES)
        assert all(row["template"].startswith("https://***@git.example/") for row in rows)
    else:
        assert result.stdout.count("https://***@git.example/") == len(ESCAPES)


@pytest.mark.parametrize("check", [["--check"], []])
def test_update_errors_redact_the_source(cli, hostile_checkouts, check):
    repo = next(hostile_checkouts.iterdir())
    result = cli("update", repo, *check)
    assert result.exit_code == 2
    assert_clean(result.output)


@pytest.mark.parametrize("escape", ESCAPES)
def test_check_findings_and_errors_are_escaped(cli, tmp_path, escape):
    project = tmp_path / "p"
    project.mkdir()
    (project / "prefect.yaml").write_text(yaml.safe_dump({"deployments": [
        {"name": f"d{escape}", "entrypoint": f"flows/missing{escape}.py:f",
         "work_pool": {"name": f"pool{escape}"}}]}))
    for args in (["check", project], ["check", project, "--pool-type", f"x{escape}"],
                 ["check", tmp_path / f"nothing{escape}"]):
        result = cli(*args)
        assert result.exit_code in (1, 2), result.output
        assert_clean(result.output)


@pytest.mark.parametrize("character", ["\x9b", "\x85", "\x7f", "\x1b"])
def test_a_source_with_control_characters_is_tampered(cli, tmp_path, character):
    repo = tmp_path / "p"
    repo.mkdir()
    (repo / ".copier-answers.yml").write_text(yaml.safe_dump(
        {"_src_path": f"https://host/r{character}31m.git", "_commit": "1.0.0"}))
    result = cli("update", repo, "--check")
    assert_refused(result, "_src_path", "is not allowed")
    assert_clean(result.output)


@pytest.mark.parametrize("escape", ESCAPES)
def test_every_error_line_is_escaped(cli, tmp_path, escape):
    for args in (["new", tmp_path / "p", "--template", f"serve_vm{escape}", "--defaults"],
                 ["new", tmp_path / "p", "--template", "serve_vm", "--defaults",
                  "--data", f"project_name=a{escape}b"],
                 ["adopt", tmp_path / f"missing{escape}", "--template", "serve_vm",
                  "--defaults"]):
        result = cli(*args)
        assert result.exit_code == 2, result.output
        assert_clean(result.output)
        assert len(result.stderr.strip().splitlines()) == 1
