"""The one output channel: data (JSON, file lists) to stdout, everything else to stderr.

Everything printed passes through `sanitise`: folder names, pool names, URLs and file contents
come from repositories and answers files, and a terminal obeys the escape sequences in them
(an OSC 8 link, a cleared screen, a rewritten line) and keeps credentials in its scrollback.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

from .secrets import redact_urls

#: C0 controls but tab and newline, DEL, C1 controls, and the bidirectional overrides and
#: isolates that make text display in another order than it reads ("Trojan source").
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_CONTROL_OR_NEWLINE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def sanitise(text: str, *, one_line: bool = False) -> str:
    """`text` safe for a terminal or a report: control characters escaped (`\\x1b`), URL
    credentials redacted (`https://***@host`); with `one_line`, newlines and tabs escaped too."""
    pattern = _CONTROL_OR_NEWLINE if one_line else _CONTROL
    return pattern.sub(_escaped, redact_urls(text))


def _sanitised(value: Any) -> Any:
    if isinstance(value, str):
        return redact_urls(value)  # json.dumps escapes control characters itself
    if isinstance(value, dict):
        return {_sanitised(key): _sanitised(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_sanitised(item) for item in value]
    return value


def data(text: str) -> None:
    print(sanitise(text), file=sys.stdout)


def data_json(value: Any) -> None:
    print(json.dumps(_sanitised(value), indent=2), file=sys.stdout)


def info(text: str = "") -> None:
    print(sanitise(text), file=sys.stderr)


def error(text: str) -> None:
    print(f"error: {sanitise(text, one_line=True)}", file=sys.stderr)
