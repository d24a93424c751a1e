"""Ctrl-C and SIGTERM are safe at every instant (issue 20, finding 7): for `new --force`,
`update`, `adopt --apply` and `switch`, a signal at a random moment either stops the command
with the project exactly as it was, or the command finishes (exit 0). Never a mix, never a
process killed by the signal, never a traceback.

PREFECT_SCAFFOLD_SIGNAL_TRIALS trials per command and signal: 4 in the suite (each trial is one
process of a few seconds; 8 combinations), 50 for the full soak the issue asks for
(`PREFECT_SCAFFOLD_SIGNAL_TRIALS=50 uv run pytest tests/e2e/test_interrupts_e2e.py`, about 20-30
minutes on a quiet 2-core machine).
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from prefect_scaffold.catalog import registry
from prefect_scaffold.catalog.cache import content_hash, store
from prefect_scaffold.catalog.registry import load_template
from prefect_scaffold.catalog.sources import TemplateSource
from prefect_scaffold.writing.answers_file import record_bundled
from prefect_scaffold.writing.render import render
from tests.day2.test_adopt import FIXTURES
from tests.day2.test_update import commit_all, git
from tests.helpers.projects import answers_for, render_template

pytestmark = pytest.mark.e2e
TRIALS = int(os.environ.get("PREFECT_SCAFFOLD_SIGNAL_TRIALS", "4"))


def state(folder: Path) -> dict[str, bytes]:
    """Every file but git's own bookkeeping, plus the commits and branches git records."""
    files = {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*")
             if p.is_file() and ".git" not in p.relative_to(folder).parts}
    if (folder / ".git").is_dir():
        refs = subprocess.run(["git", "for-each-ref", "--format=%(refname) %(objectname)"],
                              cwd=folder, capture_output=True, check=True).stdout
        files["<refs>"] = refs
        files["<HEAD>"] = (folder / ".git" / "HEAD").read_bytes()
    return files


def project_for_new(root: Path) -> tuple[Path, list[str]]:
    destination = root / "dest"
    render_template("k8s_pool", destination, project_name="before")
    (destination / "NOTES.md").write_text("mine\n")
    return destination, ["new", str(destination), "--template", "k8s_pool", "--defaults",
                         "--force", "--no-git", "--data", "project_name=after"]


def project_for_update(root: Path) -> tuple[Path, list[str]]:
    """A serve_vm project rendered from an older version of the template (kept in the cache)."""
    older = root / "older-serve_vm"
    shutil.copytree(registry.get_template("serve_vm").path, older)
    readme = older / "project" / "README.md.jinja"
    readme.write_text(readme.read_text() + "\nAn older release said this.\n")
    tag = f"0.1.0+g{content_hash(older)}"
    store("serve_vm", older, tag)
    project = root / "project"
    render(TemplateSource(load_template(older), str(older)), answers_for("serve_vm"), project)
    record_bundled(project / ".copier-answers.yml", "serve_vm", tag)
    git(project, "init", "-q")
    commit_all(project, "rendered")
    return project, ["update", str(project)]


def project_for_adopt(root: Path) -> tuple[Path, list[str]]:
    repository = root / "repo"
    shutil.copytree(FIXTURES / "serve_repo", repository)
    git(repository, "init", "-q")
    commit_all(repository, "hand-written")
    return repository, ["adopt", str(repository), "--template", "serve_vm", "--defaults",
                        "--apply"]


def project_for_switch(root: Path) -> tuple[Path, list[str]]:
    project = root / "served"
    render_template("serve_vm", project)
    git(project, "init", "-q", "-b", "main")
    commit_all(project, "rendered")
    return project, ["switch", str(project), "--to", "k8s_pool", "--defaults"]


# What CPython prints when Ctrl-C lands before `python -m` reaches our code (measured: 200
# SIGINTs at 0-20 ms after start gave all three besides a plain death by the signal).
PYTHON_STARTUP_ERRORS = ("Fatal Python error: init_import_site", "Fatal Python error: init_sys_",
                         "Could not import runpy module")


def python_starting(result: subprocess.CompletedProcess, signum: int) -> bool:
    """Stopped during Python's own startup, before our handlers exist: killed by the signal, or
    (Ctrl-C while Python imports `site`, its streams or `runpy`) one of Python's own startup
    errors, exit code 1 (or an abort), with the KeyboardInterrupt's traceback."""
    return result.returncode == -signum or (
        result.returncode in (1, -signal.SIGABRT)
        and result.stderr.startswith(PYTHON_STARTUP_ERRORS)
        and result.stderr.rstrip().endswith("KeyboardInterrupt"))


def frames_past_import(stderr: str) -> list[str]:
    """Traceback lines of our code past the package's own import: the entry point (from its
    first line on, stops are noted, not raised) or any function of ours."""
    return [line for line in stderr.splitlines() if line.lstrip().startswith("File ")
            and "prefect_scaffold" in line
            and ("__main__.py" in line or not line.rstrip().endswith("in <module>"))]


def run(arguments: list[str], delay: float | None, signum: int) -> subprocess.CompletedProcess:
    process = subprocess.Popen([sys.executable, "-m", "prefect_scaffold", *arguments],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if delay is not None:
        time.sleep(delay)
        process.send_signal(signum)
    stdout, stderr = process.communicate(timeout=600)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
@pytest.mark.parametrize("prepare", [project_for_new, project_for_update, project_for_adopt,
                                     project_for_switch])
def test_a_signal_at_any_instant_leaves_the_project_as_it_was_or_finished(
        tmp_path, monkeypatch, prepare: Callable[[Path], tuple[Path, list[str]]], signum):
    monkeypatch.setenv("PREFECT_SCAFFOLD_CACHE", str(tmp_path / "cache"))
    original, arguments = prepare(tmp_path / "original")
    timing = tmp_path / "timing" / original.name
    shutil.copytree(original, timing, symlinks=True)
    started = time.monotonic()
    full = run([str(timing) if a == str(original) else a for a in arguments], None, signum)
    assert full.returncode in (0, 1), full.stderr  # a full run: how long it takes
    duration = time.monotonic() - started
    rng = random.Random(f"{prepare.__name__}-{signum}")
    finished = stopped = 0
    for trial in range(TRIALS):
        copy = tmp_path / f"trial-{trial}"
        shutil.copytree(original, copy / original.name, symlinks=True)
        project = copy / original.name
        before = state(project)
        # Every other trial aims at the end, where the command has written and Python shuts
        # down (it puts the default handlers back then: a signal there once killed finished
        # commands, 14 of 30 late signals for adopt).
        delay = rng.uniform(0, duration) if trial % 2 else rng.uniform(0.8, 1.1) * duration
        result = run([str(project) if a == str(original) else a for a in arguments], delay,
                     signum)
        starting = python_starting(result, signum)
        # Our code's frames in such a traceback: only the package's import, before the entry
        # point's first line notes stops (startup_signals.py).
        assert "Traceback" not in result.stderr or (
            starting and not frames_past_import(result.stderr)), result.stderr
        if result.returncode in (0, 1) and not starting:
            finished += 1
        else:
            # Stopped by us (128 + signal), or while Python was still starting (before
            # anything was written). Never killed once written: the command finishes.
            assert result.returncode == 128 + signum or starting, (delay, result.stderr)
            assert state(project) == before, (delay, result.stderr)
            stopped += 1
        shutil.rmtree(copy)
    print(f"{prepare.__name__} {signal.Signals(signum).name}: {stopped} stopped, "
          f"{finished} finished, full run {duration:.1f} s")


STEPS = 12


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_while_the_cli_starts_stops_it_cleanly(tmp_path, signum):
    # The first few hundred milliseconds import typer, click and our commands, before `new`'s
    # own handlers exist: a Ctrl-C there ended in a traceback through our code, or was
    # swallowed by an import ("Exception ignored ... KeyboardInterrupt") and the project was
    # written anyway. Signals at STEPS instants across the first half of a full run.
    full = tmp_path / "timing"
    started = time.monotonic()
    run(["new", str(full), "--template", "serve_vm", "--defaults", "--no-git"], None, signum)
    window = (time.monotonic() - started) / 2
    assert (full / ".copier-answers.yml").is_file()
    stopped_cleanly = 0
    for step in range(STEPS):
        destination = tmp_path / f"try-{step}"
        result = run(["new", str(destination), "--template", "serve_vm", "--defaults",
                      "--no-git"], window * step / STEPS, signum)
        starting = python_starting(result, signum)
        assert not frames_past_import(result.stderr), (step, result.stderr)
        assert "Exception ignored" not in result.stderr, (step, result.stderr)
        if result.returncode == 0:  # finished before the signal: the whole project
            assert (destination / ".copier-answers.yml").is_file(), step
        else:
            assert result.returncode == 128 + signum or starting, (step, result.stderr)
            assert not destination.exists(), (step, result.stderr)
            stopped_cleanly += result.returncode == 128 + signum
    assert stopped_cleanly, "no signal landed after the entry point's first line"
