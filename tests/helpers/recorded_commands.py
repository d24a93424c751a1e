"""A PATH folder of stand-ins for the CLIs a rendered script calls, each logging its argv.

A stand-in either answers itself (docker: there is no Docker daemon here) or hands the call to the
real tool (aws pointed at moto, uv), so a test sees what a script ran, in order, and its effect.
"""

from __future__ import annotations

import re
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path

#: flock(1) by absolute path: stand-ins may run with a PATH of nothing but themselves.
FLOCK = shutil.which("flock") or "/usr/bin/flock"


#: bash's printf %q quotes an argument with control characters (a newline in a JSON document, a tab)
#: ANSI-C style, $'...', which shlex does not know: it would read `$'a\nb'` as `$a\nb`.
_ANSI_C = re.compile(r"(?<!\\)\$'((?:[^'\\]|\\.)*)'")
_ANSI_C_ESCAPE = re.compile(rb"\\([0-7]{1,3}|x[0-9A-Fa-f]{1,2}|.)", re.DOTALL)
_ANSI_C_LETTERS = {b"a": b"\a", b"b": b"\b", b"e": b"\x1b", b"E": b"\x1b", b"f": b"\f",
                   b"n": b"\n", b"r": b"\r", b"t": b"\t", b"v": b"\v"}


def _ansi_c_byte(escape: re.Match[bytes]) -> bytes:
    code = escape.group(1)
    if code[:1].isdigit():
        return bytes([int(code, 8) & 0xFF])
    if code[:1] == b"x" and len(code) > 1:
        return bytes([int(code[1:], 16)])
    return _ANSI_C_LETTERS.get(code, code)  # \\, \', \" and any other: the character itself


def _posix_quoted(ansi_c: re.Match[str]) -> str:
    """The $'...' word decoded (octal escapes are bytes, UTF-8 in C locale), single-quoted."""
    raw = _ANSI_C_ESCAPE.sub(_ansi_c_byte, ansi_c.group(1).encode())
    return shlex.quote(raw.decode(errors="surrogateescape"))


class MalformedLog(AssertionError):
    """A log line that is not one whole call: two stand-ins wrote at once, or one was cut off."""


def locked_append(log: str, printing: str) -> str:
    """Shell (bash or sh) that runs the commands `printing` with stdout appended to `log`, holding
    an exclusive lock on it. A line is several write(2)s when long (bash's printf flushes every
    4 KiB) and stand-ins run at once when a script pipes one into another, so without the lock
    their lines interleave. `log` is a shell word, quoted as needed."""
    return f"{{ {FLOCK} 9; {printing}; }} 9>>{log} >&9"


#: The AWS CLI when this machine has none on PATH (fresh CI machines): v1, from PyPI, isolated.
AWS_CLI_FROM_PYPI = ["uvx", "--quiet", "--from", "awscli==1.45.11", "aws"]


@dataclass
class RecordedCommands:
    bin: Path  #: put first on PATH
    log: Path  #: one shell-quoted command line per call

    def add(self, name: str, body: str) -> None:
        """A stand-in `name`: log `name args...`, then run the bash `body` (it sees "$@")."""
        script = self.bin / name
        logging = f"printf '%s' {shlex.quote(name)}; printf ' %q' \"$@\"; printf '\\n'"
        script.write_text("#!/usr/bin/env bash\n"
                          + locked_append(shlex.quote(str(self.log)), logging) + "\n" + body + "\n")
        script.chmod(0o755)

    def delegate(self, name: str, real: list[str]) -> None:
        """A stand-in that logs, then runs the real tool with the same arguments."""
        self.add(name, f"exec {shlex.join(real)} \"$@\"")

    def calls(self, name: str | None = None) -> list[list[str]]:
        """Every logged call (argv with the tool first), oldest first; only `name`'s if given."""
        text = self.log.read_text() if self.log.exists() else ""
        if text and not text.endswith("\n"):
            raise MalformedLog(f"{self.log} ends in a partial line: {text[-200:]!r}")
        calls = []
        for number, line in enumerate(text.splitlines(), 1):
            try:
                call = shlex.split(_ANSI_C.sub(_posix_quoted, line))
            except ValueError as error:
                raise MalformedLog(f"{self.log}:{number}: {error}: {line!r}") from None
            if not call:
                raise MalformedLog(f"{self.log}:{number}: an empty line")
            calls.append(call)
        return [call for call in calls if name is None or call[0] == name]


def recorded_commands(folder: Path) -> RecordedCommands:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "bin").mkdir(exist_ok=True)
    return RecordedCommands(folder / "bin", folder / "calls.log")


def real_aws_cli() -> list[str]:
    """The AWS CLI to hand calls to: this machine's, or v1 from PyPI through uvx."""
    found = shutil.which("aws")
    return [found] if found else AWS_CLI_FROM_PYPI


def real(tool: str) -> list[str]:
    found = shutil.which(tool)
    assert found, f"{tool} is not on PATH"
    return [found]
