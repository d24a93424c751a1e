"""A real Prefect server on loopback, for tests that deploy or run flows."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.helpers.loopback import free_port, running


def server_env(home: Path, api_url: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(home), PREFECT_SERVER_ANALYTICS_ENABLED="false",
               PREFECT_UI_ENABLED="false")
    if api_url:
        env["PREFECT_API_URL"] = api_url
    return env


@contextmanager
def running_server(home: Path, timeout: float = 240, port: int | None = None,
                   **settings: str) -> Iterator[str]:
    """Start `prefect server start` on 127.0.0.1 (a free port unless given) with `settings` as
    extra environment, yield its API URL, stop it.

    Its database (PREFECT_HOME/prefect.db) starts as a copy of one this Prefect version migrated
    for an earlier server of the session: migrating a new one is half of a server's start (and
    took minutes on a loaded machine)."""
    port = port or free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    command = [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
               "--port", str(port)]
    database, migrated = home / "prefect.db", _migrated_database()
    if migrated.is_file():
        shutil.copyfile(migrated, database)
    with running(command, f"{api_url}/health", home / "server.log",
                 env={**server_env(home), **settings}, timeout=timeout):
        if not migrated.is_file():
            _keep_copy(database, migrated)
        yield api_url


def _migrated_database() -> Path:
    from importlib.metadata import version

    # Beside the rendered projects' (tests/conftest.py): one folder for the session's caches.
    folder = Path(os.environ["PREFECT_SCAFFOLD_RENDERED_PYTEST_CACHE"])
    return folder / f"prefect-server-{version('prefect')}.db"


def _keep_copy(database: Path, migrated: Path) -> None:
    """A consistent copy (the server has it open), whole or not at all: xdist workers race."""
    partial = migrated.with_name(f"{migrated.name}.{os.getpid()}.partial")
    with contextlib.closing(sqlite3.connect(database)) as source, \
            contextlib.closing(sqlite3.connect(partial)) as target:
        source.backup(target)
    os.replace(partial, migrated)
