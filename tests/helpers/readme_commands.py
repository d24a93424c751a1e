"""The commands a rendered README tells its reader to paste, split as bash splits them."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

_SUBSTITUTION = re.compile(r"\$\(([^()]*)\)")


def _line_commands(line: str) -> list[list[str]]:
    """Each command of one bash line: each side of `&&`, and each `$(...)` as a command of its
    own (it also stays one word where it stands, its text as the word)."""
    inner = _SUBSTITUTION.findall(line)
    marked = _SUBSTITUTION.sub(lambda m: f"__{inner.index(m[1])}__", line)
    words = [re.sub(r"__(\d+)__", lambda m: inner[int(m[1])], w)
             for w in shlex.split(marked, comments=True)]
    commands = []
    for found in [shlex.split(part) for part in inner] + [words]:
        while "&&" in found:
            commands.append(found[:found.index("&&")])
            found = found[found.index("&&") + 1:]
        commands.append(found)
    return commands


def readme_commands(project: Path) -> list[list[str]]:
    """Every az and gcloud command the README's bash blocks run."""
    readme = (project / "README.md").read_text()
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", readme, re.DOTALL):
        for line in block.replace("\\\n", " ").splitlines():
            commands += _line_commands(line)
    return [c for c in commands if c[:1] in (["az"], ["gcloud"])]
