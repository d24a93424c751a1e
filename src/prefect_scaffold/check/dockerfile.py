"""A `git_clone` pull step needs git in the image the flow runs in.

The image is the project's Dockerfile (the one a `build_docker_image` step names, else
./Dockerfile). The official prefecthq/prefect images install git in their final stage
(https://github.com/PrefectHQ/prefect/blob/main/Dockerfile: "Install git ... git >= 2.47.3"), as
do the full python:<version> images (buildpack-deps); other bases (python:*-slim, alpine,
distroless...) may lack it unless a RUN installs it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .files import is_inside
from .report import Finding
from .source import SourceError, read_text
from .steps import all_steps

RULE = "git-in-image"
#: Base images known to ship git.
WITH_GIT = re.compile(r"^(?:[\w.:-]+/)?(?:prefecthq/prefect(?:-[\w-]+)?(?::|@|$)"
                      r"|(?:library/)?python:(?!.*(?:slim|alpine|windowsservercore|nanoserver))"
                      r"|(?:library/)?buildpack-deps:(?!.*curl))")
_PACKAGE = r"[^;&|]*?(?<![\w./=-])git(?![\w./-])"
GIT_INSTALL = re.compile(
    r"\b(?:apt-get|apt|yum|dnf|microdnf|zypper|conda|mamba|micromamba)\b[^;&|]*?\binstall\b"
    + _PACKAGE + r"|\bapk\b[^;&|]*?\badd\b" + _PACKAGE)


@dataclass(frozen=True)
class Stage:
    image: str
    line: int
    name: str | None
    installs_git: bool = False


def stages(text: str) -> list[Stage]:
    """The FROM stages of a Dockerfile, ARG defaults before the first FROM substituted."""
    found: list[Stage] = []
    args: dict[str, str] = {}
    for line, instruction in _instructions(text):
        keyword, _, rest = instruction.partition(" ")
        keyword, rest = keyword.upper(), rest.strip()
        if keyword == "ARG" and not found:
            name, _, default = rest.partition("=")
            args[name.strip()] = default.strip().strip("\"'")
        elif keyword == "FROM":
            words = [w for w in rest.split() if not w.startswith("--")]
            image = re.sub(r"\$\{?(\w+)\}?", lambda m: args.get(m.group(1), m.group(0)),
                           words[0] if words else "")
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            found.append(Stage(image, line, name))
        elif keyword == "RUN" and found and GIT_INSTALL.search(rest):
            last = found[-1]
            found[-1] = Stage(last.image, last.line, last.name, True)
    return found


def _instructions(text: str) -> list[tuple[int, str]]:
    """(first line, instruction) with continuation lines joined and comments dropped."""
    found: list[tuple[int, str]] = []
    current, start = "", 0
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if stripped.startswith("#") or (not stripped and current):
            continue
        if not current:
            start = number
        current += " " + stripped.removesuffix("\\")
        if not stripped.endswith("\\"):
            if current.strip():
                found.append((start, current.strip()))
            current = ""
    if current.strip():
        found.append((start, current.strip()))
    return found


def has_git(all_stages: list[Stage]) -> bool:
    """Whether the final stage (following `FROM <earlier stage>`) installs or inherits git."""
    by_name = {stage.name: stage for stage in all_stages if stage.name}
    stage, seen = all_stages[-1], set()
    while True:
        if stage.installs_git or WITH_GIT.search(stage.image):
            return True
        parent = by_name.get(stage.image)
        if parent is None or stage.image in seen:
            return False
        seen.add(stage.image)
        stage = parent


def dockerfile_of(data: Any, root: Path) -> Path | None:
    """The Dockerfile a build_docker_image step names, else ./Dockerfile (None: no file)."""
    for step in all_steps(data):
        if step.name.endswith(".build_docker_image") and isinstance(step.arguments, dict):
            named = step.arguments.get("dockerfile", "Dockerfile")
            if named == "auto":  # Prefect writes one FROM prefecthq/prefect
                return None
            if isinstance(named, str) and "{{" not in named and (root / named).is_file() \
                    and is_inside(root / named, root):  # never read outside the project
                return root / named
    default = root / "Dockerfile"
    return default if default.is_file() and is_inside(default, root) else None


def check_git_in_image(data: Any, yaml_file: str, yaml_line: Any, root: Path,
                       shown: Any) -> tuple[str | None, list[Finding]]:
    """(the Dockerfile checked, findings): a warning at its final FROM when a pull step clones
    with git and the image may lack git. `yaml_line(path)` is prefect.yaml's line of a path."""
    clones = [s for s in all_steps(data)
              if s.section == "pull" and s.name.rpartition(".")[2] == "git_clone"]
    if not clones:
        return None, []
    dockerfile = dockerfile_of(data, root)
    if dockerfile is None:
        return None, []
    file = shown(dockerfile.relative_to(root))
    try:
        found = stages(read_text(dockerfile, root))
    except SourceError:
        return None, []  # binary or huge: not a Dockerfile we can judge
    if not found or has_git(found):
        return file, []
    final = found[-1]
    return file, [Finding(
        file, final.line, RULE, "warning",
        f"the pull step git_clone ({yaml_file}:{yaml_line(clones[0].path)}) runs git in this "
        f"image, but it is built FROM {final.image}, which may lack git, and no RUN installs it; "
        "add `RUN apt-get update && apt-get install -y --no-install-recommends git` (or use a "
        "prefecthq/prefect base image)")]
