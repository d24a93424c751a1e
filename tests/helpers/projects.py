"""Render bundled templates and run the rendered projects' own tooling."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

from prefect_scaffold.answers.layers import layer, resolve
from prefect_scaffold.catalog.sources import bundled
from prefect_scaffold.writing.render import RenderResult, render


def answers_for(name: str, **data: Any) -> dict[str, Any]:
    """The answers `new --template name --defaults --data ...` would render with (validated)."""
    template = bundled(name).template
    return resolve(template, layer(template, data, {}), use_defaults=True, prompt=None)


def render_template(name: str, destination: Path, **data: Any) -> RenderResult:
    """Render `name` with `data` over its defaults, validated as `new --defaults --data` does."""
    return render(bundled(name), answers_for(name, **data), destination)


def project_env() -> dict[str, str]:
    """Environment for a rendered project's uv: no Prefect settings leak in from the test; its
    pytest uses the session's shared cache (see tests/conftest.py)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("PREFECT_") and k != "VIRTUAL_ENV"}
    env["UV_PYTHON_DOWNLOADS"] = "never"  # use this machine's Python; never fetch one
    env["PYTEST_ADDOPTS"] = f"-o cache_dir={os.environ['PREFECT_SCAFFOLD_RENDERED_PYTEST_CACHE']}"
    return env


def run_in_project(project: Path, *command: str, timeout: float = 600,
                   env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run `uv run <command>` in a rendered project (its own venv, created on first use)."""
    return subprocess.run(["uv", "run", "--quiet", *command], cwd=project, env=env or project_env(),
                          capture_output=True, text=True, timeout=timeout, check=False)


def sync_project(project: Path) -> Path:
    """`uv sync` in a rendered project (its own venv), asserting it installs."""
    sync = subprocess.run(["uv", "sync", "--quiet"], cwd=project, env=project_env(),
                          capture_output=True, text=True, check=False, timeout=900)
    assert sync.returncode == 0, sync.stderr
    return project


def new_project(destination: Path, *args: str) -> Path:
    """`prefect-scaffold new DESTINATION ARGS...` as a user runs it (a process), then `uv sync`."""
    import sys

    result = subprocess.run([sys.executable, "-m", "prefect_scaffold", "new", str(destination),
                             *args], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return sync_project(destination)


def assert_own_tests_and_lint_pass(project: Path) -> None:
    """The rendered project's own pytest passes (and ran something) without a warning, and its
    ruff is clean."""
    result = run_in_project(project, "pytest", "-q")
    assert result.returncode == 0, result.stdout + result.stderr
    assert " passed" in result.stdout
    assert " warning" not in result.stdout, result.stdout  # a user's first run reads as clean
    lint = run_in_project(project, "ruff", "check", ".")
    assert lint.returncode == 0, lint.stdout
