"""`check --fix`: mechanical rewrites that keep the file as written, judged by `check` and by
Prefect's own loader, idempotent, refusing what it cannot do safely."""

from __future__ import annotations

import errno
import importlib
import os
import re
import shutil
import signal
from collections.abc import Callable
from pathlib import Path

import pytest

from prefect_scaffold.check import check
from prefect_scaffold.check.fix import fix_text, seconds
from prefect_scaffold.errors import FixRefused
from prefect_scaffold.writing.staging import start_command, written
from tests.check.prefect_judge import prefect_loads
from tests.check.test_realworld import HERE, REALWORLD, SEEDED
from tests.helpers.cli import Invoke, assert_refused

CORPUS = [*REALWORLD, *SEEDED]
FIXABLE = {"prefect2-step", "schedule", "unknown-key"}

PREFECT2 = """\
# A Prefect 2.14 project, as `prefect init` and the docs of the time wrote it.
name: legacy
prefect-version: 2.14.0

definitions:
  work_pools:
    k8s: &k8s   # the shared pool
      name: k8s
      job_variable:
        image: ghcr.io/acme/etl:latest

build:
- prefect_docker.projects.steps.build_docker_image:
    id: build
    image_name: ghcr.io/acme/etl
    tag: latest
    dockerfile: auto

pull:
  - prefect.projects.steps.git_clone_project:
      repository: https://github.com/acme/etl.git   # the repository
      brnach: main

deployments:
  - name: nightly
    entrypoint: flows/etl.py:etl
    is_paused: false
    schedule:
      # every hour, London time
      interval: "1h"
      timezone: Europe/Londn
    work_pool: *k8s
  - name: weekly
    entrypoint: flows/etl.py:etl
    is_schedule_active: false
    schedules:
      - cron: "0 0 * * 0"
        timzone: UTC
      - interval: 30 minutes
    work_pool: *k8s
"""


def comments(text: str) -> list[str]:
    return [m.group(0).strip() for m in re.finditer(r"#.*$", text, re.MULTILINE)]


def errors(root: Path) -> list[str]:
    return sorted(f"{f.rule}: {f.message}" for f in check(root, pool_type="kubernetes").findings
                  if f.severity == "error")


def problems(root: Path) -> list[str]:
    return sorted(f"{f.severity} {f.rule}: {f.message}" for f in check(
        root, pool_type="kubernetes").findings if f.severity != "info")


def project_with(text: str, tmp_path: Path, name: str = "prefect.yaml") -> Path:
    root = tmp_path / "project"
    shutil.copytree(HERE / "_project", root)
    (root / name).write_text(text)
    return root


def test_a_prefect2_file_is_fixed_whole(tmp_path: Path) -> None:
    root = project_with(PREFECT2, tmp_path)
    assert {e.split(":")[0] for e in errors(root)} >= {"prefect2-step", "unknown-key", "schedule"}
    result = fix_text(PREFECT2, root / "prefect.yaml")
    assert result.refused == [] and len(result.changes) == 11
    result.write()
    assert errors(root) == []
    configs, said = prefect_loads(root / "prefect.yaml")  # Prefect reads every deployment
    assert "Skipping" not in said and [c["name"] for c in configs] == ["nightly", "weekly"]
    nightly, weekly = configs
    assert nightly["schedules"] == [{"interval": "PT1H", "timezone": "Europe/London"}]
    assert nightly["paused"] is False and weekly["paused"] is True
    assert weekly["schedules"][1]["interval"] == "PT30M"
    assert nightly["work_pool"]["job_variables"] == {"image": "ghcr.io/acme/etl:latest"}
    fixed = (root / "prefect.yaml").read_text()
    assert comments(fixed) == comments(PREFECT2)
    assert "&k8s" in fixed and fixed.count("*k8s") == 2  # the anchor fixed once, aliases kept
    assert fix_text(fixed, root / "prefect.yaml").changes == []


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_fixing_the_corpus(path: Path, tmp_path: Path) -> None:
    text = path.read_text()
    root = project_with(text, tmp_path)
    before = problems(root)
    result = fix_text(text, root / "prefect.yaml")
    assert comments(result.fixed) == comments(text)
    assert fix_text(result.fixed, root / "prefect.yaml").changes == []  # idempotent
    if not result.changes:
        assert result.fixed == text
        return
    loaded_before, _ = prefect_loads(root / "prefect.yaml")
    result.write()
    after = problems(root)
    # Fixes remove errors or warnings and never add one (a pure migration, like a legacy
    # `schedule:` Prefect still reads, has none to remove); what they target is gone.
    assert set(after) <= set(before) and (len(after) < len(before) or not before)
    if not before:
        loaded_after, _ = prefect_loads(root / "prefect.yaml")
        assert [c["name"] for c in loaded_after] == [c["name"] for c in loaded_before]
    assert not [e for e in after if e.split(":")[0].endswith("prefect2-step")]
    _, said = prefect_loads(root / "prefect.yaml")
    assert "Skipping" not in said or any("prefect-model" in e or "schedule" in e for e in after)


def test_fixed_corpus_counts() -> None:
    """The Prefect 2 fixtures of the corpus are all fixable."""
    fixed = [p.name for p in CORPUS if fix_text(p.read_text(), p).changes]
    assert {"06-prefect2-projects.yaml", "31-prefect2-docker-projects.yaml",
            "32-prefect2-s3-projects.yaml"} <= set(fixed)


@pytest.mark.parametrize(("text", "expected"), [
    ("1h", 3600), ("30 minutes", 1800), ("1h30m", 5400), ("2 days", 172800), ("90s", 90),
    ("0.5h", 1800), ("1M", None), ("1h30M", None), ("1 Min", 60),
    ("1 fortnight", None), ("PT1H", None), ("01:00:00", None), ("0s", None)])
def test_interval_units(text: str, expected: int | None) -> None:
    assert seconds(text) == expected


def test_refuses_when_unsure(tmp_path: Path) -> None:
    both = PREFECT2.replace("    is_paused: false\n", "    is_paused: false\n    paused: true\n")
    result = fix_text(both, tmp_path / "prefect.yaml")
    assert any("'is_paused' and 'paused' both set" in r for r in result.refused)
    assert "is_paused: false" in result.fixed  # the rest is still fixed
    merged = """\
defaults: &defaults
  is_paused: true
deployments:
  - <<: *defaults
    name: a
    entrypoint: flows/etl.py:etl
"""
    # `<<:` copies the key into the deployment: renaming it at the anchor would change
    # `defaults` too, beyond the fix.
    result = fix_text(merged, tmp_path / "prefect.yaml")
    assert result.fixed == merged and result.changes == []
    assert "nothing changed" in result.refused[-1]
    ambiguous = "deployments:\n  - name: a\n    entrypoint: f.py:f\n    schedules:\n" \
                "      - cron: '0 * * * *'\n        timezone: Foo/Bar\n"
    assert fix_text(ambiguous, tmp_path / "prefect.yaml").changes == []


def test_cli_diff_then_write(cli: Invoke, tmp_path: Path) -> None:
    root = project_with(PREFECT2, tmp_path, "prefect.yml")
    shown = cli("check", root, "--fix")
    assert shown.exit_code == 0, shown.output
    assert "\n-    is_paused: false\n" in shown.stdout and "\n+    paused: false\n" in shown.stdout
    assert "11 fix(es) shown; add --write" in shown.stderr
    assert (root / "prefect.yml").read_text() == PREFECT2
    written = cli("check", root / "prefect.yml", "--fix", "--write")
    assert written.exit_code == 0 and "11 fix(es) written" in written.stderr
    assert cli("check", root, "--fix").stderr.strip() == "nothing to fix"
    assert cli("check", root, "--pool-type", "kubernetes").exit_code == 0


def test_cli_says_refused_fixes_are_not_nothing_to_fix(cli: Invoke, tmp_path: Path) -> None:
    # An anchored Prefect 2 key merged into a deployment: the file is refused whole, and the
    # last line must not tell a CI log there was nothing to fix.
    root = project_with("defaults: &defaults\n  is_paused: true\ndeployments:\n"
                        "  - <<: *defaults\n    name: a\n    entrypoint: flows/etl.py:etl\n"
                        "    work_pool: {name: local}\n", tmp_path)
    shown = cli("check", root, "--fix")
    assert shown.exit_code == 0 and "not fixed:" in shown.stderr
    assert shown.stderr.strip().splitlines()[-1] == \
        "nothing fixed: every fix was refused (above); edit the file by hand"


def test_cli_write_needs_fix(cli: Invoke, tmp_path: Path) -> None:
    assert_refused(cli("check", project_with(PREFECT2, tmp_path), "--write"), "--write")


def test_diff_escapes_control_characters(tmp_path: Path) -> None:
    # YAML refuses ESC; a right-to-left override (U+202E) it takes could reorder the terminal.
    text = PREFECT2.replace("the repository", "the \u202erepository\x85").replace(
        "https://github.com/acme/etl.git   #", "https://github.com/acme/etl.git\u202e   #")
    result = fix_text(text, tmp_path / "prefect.yaml")
    assert result.changes and "\u202e" in result.fixed
    assert "\u202e" not in result.diff() and "\x85" not in result.diff()
    assert "\\u202erepository\\x85" in result.diff()


def test_fix_messages_escape_control_characters(tmp_path: Path) -> None:
    # A key one typo from `entrypoint` whose last character is a right-to-left override: the
    # fix is right, but the message naming the key must not reorder the terminal.
    text = "deployments:\n  - name: a\n    entrypoin\u202e: flows/etl.py:etl\n"
    result = fix_text(text, tmp_path / "prefect.yaml")
    assert "    entrypoint: flows/etl.py:etl\n" in result.fixed
    assert [c.what for c in result.changes] == ["'entrypoin\\u202e' -> 'entrypoint'"]


def test_cli_refuses_files_it_must_not_read_or_write(cli: Invoke, tmp_path: Path) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text(PREFECT2)
    root = tmp_path / "project"
    root.mkdir()
    (root / "prefect.yaml").symlink_to(outside)
    assert_refused(cli("check", root, "--fix", "--write"), "symlink to outside")
    fifo = tmp_path / "fifo"
    fifo.mkdir()
    os.mkfifo(fifo / "prefect.yaml")
    assert_refused(cli("check", fifo, "--fix"), "not a regular file")
    assert outside.read_text() == PREFECT2


def test_a_top_level_store_of_anchors_is_not_renamed_into_steps(tmp_path: Path) -> None:
    # `builds:` is one typo from `build:`, but it holds anchors the deployments use: renamed,
    # its steps would run on every deploy.
    text = ("builds: &shell\n  - prefect.deployments.steps.run_shell_script:\n"
            "      script: make clean\ndeployments:\n  - name: a\n    entrypoint: f.py:f\n"
            "    build: *shell\n    is_paused: true\n")
    result = fix_text(text, tmp_path / "prefect.yaml")
    assert [c.what for c in result.changes] == ["is_paused -> paused"]
    assert result.fixed.startswith("builds: &shell\n")


def test_write_refuses_a_file_changed_since_it_was_read(tmp_path: Path) -> None:
    root = project_with(PREFECT2, tmp_path)
    result = fix_text(PREFECT2, root / "prefect.yaml")
    edited = PREFECT2.replace("nightly", "hourly")  # a colleague's edit, after the read
    (root / "prefect.yaml").write_text(edited)
    with pytest.raises(FixRefused, match="changed since it was read"):
        result.write()
    assert (root / "prefect.yaml").read_text() == edited
    assert not list(root.glob("*.tmp"))  # the staged copy is removed


def test_cli_says_not_fixed_once(cli: Invoke, tmp_path: Path) -> None:
    root = project_with("deployments: [\n", tmp_path)
    said = cli("check", root, "--fix").stderr.splitlines()
    assert "prefect.yaml: not fixed: YAML syntax error" in said[0]
    assert said[0].count("not fixed") == 1


def test_fix_refuses_a_file_that_is_not_a_prefect_yaml(cli: Invoke, tmp_path: Path) -> None:
    # `check values.yaml` checks the folder; `--fix values.yaml` must not fix its prefect.yaml.
    root = project_with(PREFECT2, tmp_path)
    (root / "values.yaml").write_text("worker:\n  config:\n    workPool: k8s\n")
    # Helm values named prefect-*: `pull:` or `name:` there must not be renamed as typos.
    (root / "prefect-worker-values.yaml").write_text("worker:\n  config:\n    workPool: k8s\n")
    for flags in (["--fix"], ["--fix", "--write"]):
        for name in ("values.yaml", "prefect-worker-values.yaml"):
            assert_refused(cli("check", root / name, *flags), name,
                           "--fix handles prefect.yaml-like deployment files only")
        assert_refused(cli("check", root / "absent.yaml", *flags), "absent.yaml: no such file")
    assert (root / "prefect.yaml").read_text() == PREFECT2
    assert (root / "values.yaml").read_text() == "worker:\n  config:\n    workPool: k8s\n"
    (root / "deploy.yaml").write_text(PREFECT2)  # any name, declaring deployments:
    assert cli("check", root / "deploy.yaml", "--fix").exit_code == 0


def test_write_updates_the_file_in_place(cli: Invoke, tmp_path: Path) -> None:
    # Hard links (a file shared by two checkouts, a single-file bind mount) see the fix.
    root = project_with(PREFECT2, tmp_path)
    (root / "prefect.yaml").chmod(0o640)
    os.link(root / "prefect.yaml", tmp_path / "linked.yaml")
    inode = (root / "prefect.yaml").stat().st_ino
    assert cli("check", root, "--fix", "--write").exit_code == 0
    fixed = (root / "prefect.yaml").read_text()
    assert fixed != PREFECT2 and (tmp_path / "linked.yaml").read_text() == fixed
    status = (root / "prefect.yaml").stat()
    assert status.st_ino == inode and status.st_mode & 0o777 == 0o640
    assert sorted(p.name for p in root.glob("prefect*")) == ["prefect.yaml"]


def test_write_goes_through_a_symlink_only_inside_the_project(cli: Invoke,
                                                             tmp_path: Path) -> None:
    root = project_with(PREFECT2, tmp_path, "real.yaml")
    (root / "prefect.yaml").symlink_to("real.yaml")
    assert cli("check", root, "--fix", "--write").exit_code == 0
    assert (root / "prefect.yaml").is_symlink()
    assert "paused: false" in (root / "real.yaml").read_text()
    outside = tmp_path / "outside.yaml"
    outside.write_text(PREFECT2)
    result = fix_text(PREFECT2, root / "other.yaml")  # replaced by a symlink after the read
    (root / "other.yaml").symlink_to(outside)
    result.project = root
    with pytest.raises(FixRefused, match="symlink to outside the project"):
        result.write()
    assert outside.read_text() == PREFECT2


def _halfway(monkeypatch: pytest.MonkeyPatch, then: Callable[[], None]) -> None:
    """The first write of the fixed text stops halfway (really written), then `then` runs."""
    real, calls = os.pwrite, []

    def pwrite(handle: int, data: bytes, offset: int) -> int:
        calls.append(offset)
        if len(calls) > 1:
            return real(handle, data, offset)
        done = real(handle, data[:len(data) // 2], offset)
        then()
        return done

    monkeypatch.setattr(os, "pwrite", pwrite)


def test_a_write_failing_halfway_puts_the_file_back(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    root = project_with(PREFECT2, tmp_path)
    result = fix_text(PREFECT2, root / "prefect.yaml")

    def fail() -> None:
        raise OSError(errno.EIO, "Input/output error")

    _halfway(monkeypatch, fail)
    with pytest.raises(FixRefused, match="cannot be written: Input/output error"):
        result.write()
    assert (root / "prefect.yaml").read_text() == PREFECT2


def test_ctrl_c_halfway_through_a_write_waits_for_it(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    # A real SIGINT, delivered mid-write: it is held until the file is whole; the command then
    # finishes rather than report "interrupted; nothing was written".
    root = project_with(PREFECT2, tmp_path)
    result = fix_text(PREFECT2, root / "prefect.yaml")
    _halfway(monkeypatch, lambda: signal.raise_signal(signal.SIGINT))
    # Python's own Ctrl-C handler, whatever the test runner installed (xdist workers ignore it).
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        start_command()
        result.write()
    finally:
        signal.signal(signal.SIGINT, previous)
    assert written()
    assert (root / "prefect.yaml").read_text() == result.fixed != PREFECT2


def test_write_refuses_a_symlink_swapped_in_after_the_containment_check(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Someone who can write the project replaces prefect.yaml with a symlink out (to a file of
    # the same text) between the check that the file is inside the project and its opening.
    fix = importlib.import_module("prefect_scaffold.check.fix")

    root = project_with(PREFECT2, tmp_path)
    outside = tmp_path / "outside.yaml"
    outside.write_text(PREFECT2)
    result = fix.fix_file(root)
    real = fix.is_inside

    def is_inside_then_swap(path: Path, folder: Path) -> bool:
        inside = real(path, folder)
        (root / "prefect.yaml").unlink()
        (root / "prefect.yaml").symlink_to(outside)
        return inside

    monkeypatch.setattr(fix, "is_inside", is_inside_then_swap)
    with pytest.raises(FixRefused):
        result.write()
    assert outside.read_text() == PREFECT2


def test_write_refuses_a_file_grown_since_it_was_read_without_reading_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A file swapped for a huge (here sparse) one is refused by its size, not read into memory.
    root = project_with(PREFECT2, tmp_path)
    result = fix_text(PREFECT2, root / "prefect.yaml")
    os.truncate(root / "prefect.yaml", 64 << 20)
    real, read = os.pread, []

    def pread(handle: int, size: int, offset: int) -> bytes:
        chunk = real(handle, size, offset)
        read.append(len(chunk))
        return chunk

    monkeypatch.setattr(os, "pread", pread)
    with pytest.raises(FixRefused, match="changed since it was read"):
        result.write()
    assert sum(read) <= len(PREFECT2.encode()) + 1
