"""SIGTERM cleans up like Ctrl-C (exit 143), and a crash is never mistaken for findings (exit 1)."""

from __future__ import annotations

import importlib
import os
import signal

import pytest


@pytest.mark.slow
def test_sigterm_mid_render_cleans_up_and_exits_143(cli, tmp_path, monkeypatch):
    import copier

    real_run_copy = copier.run_copy

    def terminated(src, dst, **kwargs):
        real_run_copy(src, dst, **kwargs)  # the staging folder is full...
        os.kill(os.getpid(), signal.SIGTERM)  # ...when the CI runner cancels the job

    monkeypatch.setattr(copier, "run_copy", terminated)
    result = cli("new", tmp_path / "p", "--template", "serve_vm", "--defaults")
    assert result.exit_code == 143
    assert "interrupted; nothing was written" in result.stderr
    assert os.listdir(tmp_path) == []  # no project, staging folder or lock file
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # the handler is put back


def test_a_crash_in_check_is_exit_3_not_findings(cli, tmp_path, monkeypatch):
    # The package exports the function `check`, so reach the module through sys.modules.
    check_module = importlib.import_module("prefect_scaffold.check")

    def crash(*args, **kwargs):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(check_module, "check", crash)
    result = cli("check", tmp_path)
    assert result.exit_code == 3
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "internal error (RecursionError" in lines[0]


def test_a_crash_elsewhere_prints_its_traceback_and_exits_3(cli, tmp_path, monkeypatch):
    def crash(*args, **kwargs):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(importlib.import_module("prefect_scaffold.scaffold"), "new", crash)
    result = cli("new", tmp_path / "p", "--defaults")
    assert result.exit_code == 3
    assert "Traceback" in result.stderr and "internal error" in result.stderr


@pytest.mark.parametrize("command", [["list"], ["tree"], ["recommend", "--no-containers"]])
def test_ordinary_commands_still_exit_0(cli, command):
    assert cli(*command).exit_code == 0


def test_sigterm_during_a_team_source_clone_leaves_no_clone_folder(cli, tmp_path, monkeypatch):
    import subprocess
    import tempfile

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    real_run = subprocess.run

    def cancelled(command, *args, **kwargs):
        if command[:2] == ["git", "clone"]:
            os.kill(os.getpid(), signal.SIGTERM)
        return real_run(command, *args, **kwargs)

    monkeypatch.setattr(subprocess, "run", cancelled)
    # A ref: straight to the clone (without one, the tags are listed first).
    result = cli("new", tmp_path / "p", "--template-source", "https://example.invalid/t.git",
                 "--vcs-ref", "1.0.0", "--defaults")
    assert result.exit_code == 143
    assert os.listdir(scratch) == [] and not (tmp_path / "p").exists()
