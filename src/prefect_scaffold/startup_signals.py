"""Ctrl-C and SIGTERM that arrive while the CLI is still starting.

Importing typer, click and our commands takes a few hundred milliseconds before a command's own
handlers exist (`_cli._run`). Python's default Ctrl-C there ended in a traceback, or in nothing at
all: an import can swallow the KeyboardInterrupt ("Exception ignored in ... _get_module_lock"),
and the command then went on to write. So the entry point notes a stop from its first line, and
the command acts on it before doing anything (see `_cli._run` and `_cli.main`).
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator
from typing import Any

_noted: int | None = None


@contextlib.contextmanager
def stops_noted() -> Iterator[None]:
    """Within: a Ctrl-C or SIGTERM is noted, not raised (the first one counts). After, the
    handlers that were there come back, unless the command replaced ours (a command that wrote
    ignores signals until the process ends): a program that calls the entry point keeps its own."""
    global _noted
    _noted = None
    previous = signal.signal(signal.SIGINT, _note), signal.signal(signal.SIGTERM, _note)
    try:
        yield
    finally:
        _noted = None
        for signum, handler in zip((signal.SIGINT, signal.SIGTERM), previous, strict=True):
            if signal.getsignal(signum) is _note:
                signal.signal(signum, handler)


def _note(signum: int, frame: Any) -> None:
    global _noted
    if _noted is None:
        _noted = signum


def take_stop() -> int | None:
    """The signal noted and not taken yet, if any."""
    global _noted
    signum, _noted = _noted, None
    return signum
