"""A real Prefect server on loopback, for tests that deploy or run flows."""

from __future__ import annotations

import os
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
def running_server(home: Path, timeout: float = 240, port: int | None = None) -> Iterator[str]:
    """Start `prefect server start` on 127.0.0.1 (a free port unless given), yield its API URL,
    stop it."""
    port = port or free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    command = [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
               "--port", str(port)]
    with running(command, f"{api_url}/health", home / "server.log", env=server_env(home),
                 timeout=timeout):
        yield api_url
