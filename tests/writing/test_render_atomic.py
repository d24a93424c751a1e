"""`new --force` is all-or-nothing, and two renders into one destination never interleave.

The attacks: a failure injected at a random file move (in-process, fast), a real SIGINT / SIGTERM
at a random moment (subprocess, e2e), and concurrent runs into one destination (subprocess).
Whatever happens, the destination holds exactly the old project or exactly the new one, and no
staging, rollback or lock file is left beside it.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from prefect_scaffold.catalog.sources import bundled
from prefect_scaffold.errors import DestinationRefused
from prefect_scaffold.writing.render import render
from prefect_scaffold.writing.staging import swap_in
from tests.helpers.projects import answers_for

TRIALS = 20


def tree(folder: Path) -> dict[str, bytes | None]:
    """Every path under `folder` with its content (None for folders)."""
    return {p.relative_to(folder).as_posix(): None if p.is_dir() else p.read_bytes()
            for p in sorted(folder.rglob("*"))}


def leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(".p"))


def old_project(folder: Path) -> None:
    """A rendered project the user has since edited, with files of their own."""
    render(bundled("serve_vm"), answers_for("serve_vm", description="old"), folder)
    (folder / "NOTES.md").write_text("mine\n")
    (folder / "serve.py").write_text("# edited by hand\n")


@pytest.fixture
def states(tmp_path):
    """(workdir, the old tree, the tree a successful --force render gives)."""
    old = tmp_path / "old"
    old_project(old)
    new = tmp_path / "new"
    old_project(new)
    render(bundled("serve_vm"), answers_for("serve_vm", description="new"), new, force=True)
    work = tmp_path / "work"
    work.mkdir()
    return work, tree(old), tree(new)


@pytest.mark.slow
def test_a_failure_at_every_file_move_restores_the_old_project(states, monkeypatch):
    # Exhaustive rather than random: the swap is tried failing at each of its moves in turn.
    work, old, new = states
    staged = work / "staged"
    render(bundled("serve_vm"), answers_for("serve_vm", description="new"), staged)
    old_folder = work / "old"
    old_project(old_folder)
    real_replace, calls, fail_at = os.replace, 0, 0

    def failing(src, dst):
        nonlocal calls
        calls += 1
        if calls == fail_at:
            raise random.choice([OSError(28, "No space left on device"), KeyboardInterrupt()])
        return real_replace(src, dst)

    def attempt(name: str) -> Path:
        project, staging = work / name, work / f".prefect-scaffold-{name}"
        shutil.copytree(old_folder, project, symlinks=True)
        shutil.copytree(staged, staging, symlinks=True)
        try:
            swap_in(staging, project, ".copier-answers.yml")
        finally:
            shutil.rmtree(staging)
        return project

    monkeypatch.setattr(os, "replace", failing)
    assert tree(attempt("complete")) == new
    moves = calls
    assert moves > 2 * len(list(staged.rglob("*.py")))
    for fail_at in range(1, moves + 1):
        calls = 0
        with pytest.raises((OSError, KeyboardInterrupt)):
            attempt(f"fail-{fail_at}")
        assert tree(work / f"fail-{fail_at}") == old, f"failure at move {fail_at} of {moves}"
        assert [p for p in leftovers(work) if "rollback" in p] == []


@pytest.mark.slow
def test_a_failed_render_with_force_leaves_the_project_and_no_staging(states, monkeypatch):
    work, old, _ = states
    project = work / "p"
    old_project(project)
    real_replace = os.replace

    def fail_on_the_answers_file(src, dst):
        if Path(dst).name == ".copier-answers.yml":
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", fail_on_the_answers_file)  # the last move of the swap
    with pytest.raises(OSError):
        render(bundled("serve_vm"), answers_for("serve_vm", description="new"), project,
               force=True)
    assert tree(project) == old and leftovers(work) == []


@pytest.mark.slow
def test_a_symlinked_folder_in_the_destination_is_refused_before_any_move(tmp_path):
    project = tmp_path / "p"
    old_project(project)
    outside = tmp_path / "outside"
    outside.mkdir()
    before = tree(project)
    for child in (project / "flows").iterdir():
        child.unlink()
    (project / "flows").rmdir()
    (project / "flows").symlink_to(outside)
    before = tree(project)
    with pytest.raises(DestinationRefused, match="flows is in the way"):
        render(bundled("serve_vm"), answers_for("serve_vm", description="new"), project,
               force=True)
    assert tree(project) == before and list(outside.iterdir()) == []


def _new(destination: Path, description: str, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "prefect_scaffold", "new", str(destination), "--template",
         "serve_vm", "--defaults", "--data", f"description={description}",
         # what the library renders in `states`: no folder-derived name, no first commit
         "--data", "project_name=my-flows", "--no-git", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.e2e
def test_sigint_or_sigterm_at_a_random_moment_leaves_old_or_new(states):
    work, old, new = states
    started = time.monotonic()
    _new(work / "timing", "new").communicate(timeout=120)
    duration = time.monotonic() - started
    old_project(work / "old")
    outcomes = []
    for trial in range(TRIALS):
        project = work / f"p{trial}"
        shutil.copytree(work / "old", project)
        run = _new(project, "new", "--force")
        time.sleep(random.uniform(0.3, 1.1) * duration)
        sent = random.choice([signal.SIGINT, signal.SIGTERM])
        run.send_signal(sent)
        _, stderr = run.communicate(timeout=120)
        state = tree(project)
        outcomes.append(run.returncode)
        # -signal: killed while Python was still starting, before any of our code ran.
        assert run.returncode in (0, 128 + sent, -sent), stderr
        if run.returncode == 0:
            assert state == new, stderr
        else:
            # Interrupted: the old project; a signal held off during the swap lets it finish.
            assert state in (old, new), stderr
        if run.returncode != -sent:
            assert "Traceback" not in stderr
        assert leftovers(work) == []
    assert set(outcomes) != {0}, "no trial was interrupted: the timing is off"


@pytest.mark.e2e
@pytest.mark.parametrize("force", [False, True])
def test_concurrent_renders_into_one_destination_never_mix(tmp_path, force):
    project = tmp_path / "p"
    runs = [_new(project, f"run {i}", *(["--force"] if force else [])) for i in range(3)]
    results = [(run.wait(timeout=120), run.stderr.read()) for run in runs]
    winners = [i for i, (code, _) in enumerate(results) if code == 0]
    assert all(code in (0, 2) for code, _ in results), results
    for code, stderr in results:
        if code == 2:
            assert len(stderr.strip().splitlines()) == 1, stderr
    assert winners if force else len(winners) == 1, results
    # The project is exactly one run's render, whichever moved in last.
    recorded = (project / "README.md").read_text()
    assert sum(f"run {i}" in recorded for i in range(3)) == 1
    last = next(i for i in range(3) if f"run {i}" in recorded)
    reference = tmp_path / "reference"
    render(bundled("serve_vm"), answers_for("serve_vm", description=f"run {last}"), reference)
    assert tree(project) == tree(reference)
    assert leftovers(tmp_path) == []
    for run in runs:
        run.stdout.close()
        run.stderr.close()


@pytest.fixture
def parent_not_ours(monkeypatch):
    """As if the destination's parent were read-only or another file system (a container's
    /app, a mount point), which root running the tests cannot otherwise see."""
    import prefect_scaffold.writing.staging

    def inside(destination: Path) -> bool:
        return destination.is_dir()

    # The package exports the function `render`, so reach the module through sys.modules.
    monkeypatch.setattr(sys.modules["prefect_scaffold.writing.render"], "stages_inside", inside)
    monkeypatch.setattr(prefect_scaffold.writing.staging, "stages_inside", inside)


@pytest.mark.slow
def test_a_destination_whose_parent_is_not_ours_renders_in_place(states, parent_not_ours):
    work, _, new = states
    project = work / "p"
    old_project(project)
    render(bundled("serve_vm"), answers_for("serve_vm", description="new"), project, force=True)
    assert tree(project) == new and leftovers(work) == []


def test_a_destination_whose_parent_is_not_ours_is_locked_itself(tmp_path, parent_not_ours):
    import fcntl

    project = tmp_path / "p"
    project.mkdir()
    descriptor = os.open(project, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)  # another render holds it
        with pytest.raises(DestinationRefused, match="another prefect-scaffold"):
            render(bundled("serve_vm"), answers_for("serve_vm"), project)
    finally:
        os.close(descriptor)
    assert os.listdir(project) == []
