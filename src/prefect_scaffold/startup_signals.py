"""Ctrl-C and SIGTERM that arrive while the CLI is still starting.

Importing typer, click and our commands takes a few hundred milliseconds before a command's own
handlers exist (`_cli._run`). Python's default Ctrl-C there ended in a traceback, or in nothing at
all: an import can swallow the KeyboardInterrupt ("Exception ignored in ... _get_module_lock"),
and the command then went on to write. So the entry point notes a stop from its first line, and
the command acts on it before doing anything (see `_cli._run` and `_cli.main`).
"""

from __future__ import annotations

import signal
from typing import Any

_noted: int | None = None


def note_stops() -> None:
    """From now on a Ctrl-C or SIGTERM is noted, not raised (the first one counts)."""
    signal.signal(signal.SIGINT, _note)
    signal.signal(signal.SIGTERM, _note)


def _note(signum: int, frame: Any) -> None:
    global _noted
    if _noted is None:
        _noted = signum


def take_stop() -> int | None:
    """The signal noted since `note_stops()` and not taken yet, if any."""
    global _noted
    signum, _noted = _noted, None
    return signum
