"""`check` answers an unchanged project from the cache, and never a changed one."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from prefect_scaffold.check import Report
from tests.check.conftest import PREFECT_YAML, Project
from tests.helpers.cli import Invoke

# The package exports the function `check`, which hides the module from attribute lookups.
run_module = importlib.import_module("prefect_scaffold.check.run")


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[Path]:
    """A private cache folder; the list of projects actually checked (not answered from it)."""
    monkeypatch.setenv("PREFECT_SCAFFOLD_CACHE", str(tmp_path / "cache"))
    runs: list[Path] = []
    original = run_module.run_checks

    def counting(path: Path, *args: object) -> Report:
        runs.append(path)
        return original(path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(run_module, "run_checks", counting)
    return runs


def test_unchanged_project_is_answered_from_the_cache(cli: Invoke, project: Project,
                                                      counted: list[Path]) -> None:
    root = project(PREFECT_YAML.replace('"0 6 * * *"', '"61 6 * * *"'))
    first = cli("check", root, "--pool-type", "kubernetes")
    second = cli("check", root, "--pool-type", "kubernetes")
    assert len(counted) == 1
    assert (second.exit_code, second.stdout, second.stderr) == \
        (first.exit_code, first.stdout, first.stderr) and first.exit_code == 1


@pytest.mark.parametrize("change", ["prefect.yaml", "flows/etl.py", "Dockerfile",
                                    "helm/values.yaml", "--pool-type", "prefect version"])
def test_any_input_change_checks_afresh(cli: Invoke, project: Project, counted: list[Path],
                                        monkeypatch: pytest.MonkeyPatch, change: str) -> None:
    root = project()
    cli("check", root, "--pool-type", "kubernetes")
    pool_type = "kubernetes"
    if change == "--pool-type":
        pool_type = "docker"
    elif change == "prefect version":
        from importlib import metadata

        real = metadata.version
        monkeypatch.setattr(metadata, "version",
                            lambda name: "9.9.9" if name == "prefect" else real(name))
    else:
        file = root / change
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text((file.read_text() if file.exists() else "") + "\n# edited\n")
    cli("check", root, "--pool-type", pool_type)
    assert len(counted) == 2


def test_no_cache_checks_afresh(cli: Invoke, project: Project,
                                       counted: list[Path]) -> None:
    root = project()
    cli("check", root, "--pool-type", "kubernetes")
    cli("check", root, "--pool-type", "kubernetes", "--no-cache")
    assert len(counted) == 2


def test_unwritable_cache_only_costs_speed(cli: Invoke, project: Project, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("PREFECT_SCAFFOLD_CACHE", str(blocker))
    assert cli("check", project(), "--pool-type", "kubernetes").exit_code == 0


@pytest.mark.parametrize("failure", [OSError("disk full"), KeyboardInterrupt()])
def test_a_cache_write_that_fails_or_is_interrupted_leaves_no_temporary_file(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, failure: BaseException) -> None:
    cache_module = importlib.import_module("prefect_scaffold.check.cache")

    def fails(*args: object) -> None:
        raise failure

    monkeypatch.setattr(cache_module.os, "replace", fails)
    target = tmp_path / "cache" / "entry.json"
    if isinstance(failure, OSError):
        cache_module.write_atomically(target, "{}")  # only costs speed: no error
    else:
        with pytest.raises(KeyboardInterrupt):
            cache_module.write_atomically(target, "{}")
    assert list(target.parent.iterdir()) == []
