"""A PATH folder of stand-ins for the CLIs a rendered script calls, each logging its argv.

A stand-in either answers itself (docker: there is no Docker daemon here) or hands the call to the
real tool (aws pointed at moto, uv), so a test sees what a script ran, in order, and its effect.
"""

from __future__ import annotations

import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path

#: The AWS CLI when this machine has none on PATH (fresh CI machines): v1, from PyPI, isolated.
AWS_CLI_FROM_PYPI = ["uvx", "--quiet", "--from", "awscli==1.45.11", "aws"]


@dataclass
class RecordedCommands:
    bin: Path  #: put first on PATH
    log: Path  #: one shell-quoted command line per call

    def add(self, name: str, body: str) -> None:
        """A stand-in `name`: log `name args...`, then run the bash `body` (it sees "$@")."""
        script = self.bin / name
        script.write_text(
            "#!/usr/bin/env bash\n"
            f"{{ printf '%s' {shlex.quote(name)}; printf ' %q' \"$@\"; printf '\\n'; }}"
            f" >>{shlex.quote(str(self.log))}\n" + body + "\n")
        script.chmod(0o755)

    def delegate(self, name: str, real: list[str]) -> None:
        """A stand-in that logs, then runs the real tool with the same arguments."""
        self.add(name, f"exec {shlex.join(real)} \"$@\"")

    def calls(self, name: str | None = None) -> list[list[str]]:
        """Every logged call (argv with the tool first), oldest first; only `name`'s if given."""
        lines = self.log.read_text().splitlines() if self.log.exists() else []
        calls = [shlex.split(line) for line in lines]
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
