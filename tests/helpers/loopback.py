"""Servers that tests start on 127.0.0.1: a free port, wait until ready, always stopped."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    """A port on 127.0.0.1 that the kernel hands to no one else for a minute, but a server may bind.

    Binding port 0 and closing leaves a window in which another process (several test sessions
    share this machine) is given the same port, and our server then fails to start, or worse, the
    readiness check is answered by theirs. So the port is reserved: a connection to it is accepted
    and closed from the listening side, which leaves the port in TIME_WAIT. The kernel then skips
    it for bind(0) and outgoing connections, while a server that sets SO_REUSEADDR (uvicorn, so
    `prefect server start`; werkzeug, so moto) can still bind it.
    """
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = int(listener.getsockname()[1])
        with socket.create_connection(("127.0.0.1", port)):
            accepted, _ = listener.accept()
            accepted.close()  # closed first, so the TIME_WAIT is on the listening port's side
    return port


@contextmanager
def running(command: list[str], ready_url: str, log: Path, *, env: dict[str, str] | None = None,
            timeout: float = 90) -> Iterator[None]:
    """Run `command` until `ready_url` answers 200; terminate it (then kill) on exit."""
    with log.open("w") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(ready_url, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{command[2:4]} did not start: {log.read_text()[-2000:]}")
            time.sleep(0.3)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
