"""Which prefect.yaml `check` reads, and the deploy root its entrypoints are resolved from.

`prefect deploy --prefect-file sub/prefect.yml` accepts any file name and resolves each
`entrypoint` against the directory it runs in (`prefect.flows.load_flow_from_entrypoint` reads the
path relative to the cwd), so a monorepo's sub-project names its flows from the repository root.
`check` takes the first of the current directory, the git root and the yaml's folder (only
folders that contain the yaml) from which every entrypoint resolves; `--root` overrides it.
Nothing here imports prefect.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .files import MAX_FILE_BYTES, is_inside

#: File names `check FOLDER` looks for, in order (`prefect deploy`'s default is the first).
PREFECT_FILES = ("prefect.yaml", "prefect.yml")
#: A YAML file that declares deployments is a prefect.yaml whatever its name.
DEPLOYMENTS_KEY = re.compile(r"^deployments\s*:", re.MULTILINE)
#: `entrypoint: path.py:flow` lines: enough to pick the deploy root without a YAML parser (the
#: cached path must stay cheap); the checks themselves read the parsed file.
ENTRYPOINT = re.compile(r"""^[\s-]*entrypoint\s*:\s*["']?([^"'\s#{}]+)""", re.MULTILINE)


@dataclass(frozen=True)
class Target:
    """What `check PATH` reads: the project folder, its prefect.yaml (None when it has none) and
    the deploy root entrypoints resolve from."""

    folder: Path
    prefect_file: Path | None
    deploy_root: Path


def prefect_file(path: Path) -> tuple[Path, Path | None]:
    """(project folder, prefect file) for `check PATH`: a folder and its prefect.yaml/.yml, or a
    YAML file named prefect* or declaring `deployments:`, or any other file and its folder."""
    if path.is_dir():
        found = next((path / name for name in PREFECT_FILES
                      if (path / name).exists() or (path / name).is_symlink()), None)
        return path, found
    if path.suffix in (".yaml", ".yml"):
        if path.name.startswith("prefect"):
            return path.parent, path
        if DEPLOYMENTS_KEY.search(text(path, path.parent)):
            return path.parent, path
    return path.parent, next((path.parent / name for name in PREFECT_FILES
                              if (path.parent / name).exists()), None)


def git_root(folder: Path) -> Path | None:
    """The nearest folder at or above `folder` holding `.git` (a folder, or a worktree's file)."""
    for candidate in [folder, *folder.parents]:
        if (candidate / ".git").exists():
            return candidate
    return None


def candidates(folder: Path, cwd: Path) -> list[Path]:
    """Deploy roots to try, in order: the cwd and the git root when they contain `folder`, then
    `folder` itself."""
    found: list[Path] = []
    for candidate in (cwd, git_root(folder), folder):
        if candidate is not None and is_inside(folder, candidate) and candidate not in found:
            found.append(candidate)
    return found


def resolves(root: Path, entrypoint: str) -> bool:
    """Whether the entrypoint's file is under `root` (a module path: in the project or its src)."""
    if ".py:" in entrypoint:
        source = root / entrypoint.rpartition(":")[0]
    else:
        module = entrypoint.rpartition(":" if ":" in entrypoint else ".")[0]
        parts = module.split(".")
        if not module or not all(part.isidentifier() for part in parts):
            return False
        return any(base.joinpath(*parts).with_suffix(".py").is_file()
                   or base.joinpath(*parts, "__init__.py").is_file()
                   for base in (root, root / "src"))
    return source.is_file() and is_inside(source, root)


def choose_root(folder: Path, entrypoints: list[str], given: Path | None = None,
                cwd: Path | None = None) -> Path:
    """`given`, else the first candidate from which every entrypoint resolves, else the one that
    resolves most of them (ties: the yaml's folder, `prefect deploy`'s usual place)."""
    if given is not None:
        return given
    options = candidates(folder.resolve(), (cwd or Path.cwd()).resolve())
    if not entrypoints:
        return folder
    score = {root: sum(resolves(root, e) for e in entrypoints) for root in options}
    best = max(score.values())
    # The yaml's folder is not always last: it comes first when it is also the cwd.
    if best == 0 or score.get(folder.resolve()) == best:
        return folder
    return next(root for root in options if score[root] == best)


def text(path: Path | None, root: Path) -> str:
    """A small file's text inside `root`, else "" (source.read_text, which reports why, is for
    the checks; this one must not import a YAML parser)."""
    try:
        if path is None or not is_inside(path, root) or not path.is_file() \
                or path.stat().st_size > MAX_FILE_BYTES:
            return ""
        return path.read_bytes().decode("utf-8", errors="replace")
    except OSError:
        return ""


def entrypoints(prefect_yaml: str) -> list[str]:
    """The distinct entrypoints written in a prefect.yaml's text."""
    return list(dict.fromkeys(ENTRYPOINT.findall(prefect_yaml)))


def entrypoint_files(root: Path, entrypoints_: list[str]) -> list[Path]:
    """The files of path-style entrypoints under `root` (the cache hashes them: they may lie
    outside the project folder when the deploy root is above it)."""
    files = []
    for entrypoint in entrypoints_:
        if ".py:" in entrypoint:
            source = root / entrypoint.rpartition(":")[0]
            if source.is_file() and is_inside(source, root):
                files.append(source)
    return files
