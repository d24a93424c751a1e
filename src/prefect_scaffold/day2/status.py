"""`status`: one row per repository, for a platform team keeping many on one way of deploying.

Each row says which template a repository came from, the version it was rendered at and the
newest one, whether it drifted, what `check` finds, and its pool. A repository that cannot be
read (no answers file, a tampered one, an unreachable team source, a path that does not exist)
still gets its row, saying why; one bad repository never hides the others. `check` answers from
its cache for unchanged repositories (about 0.05 s of CPU each; 0.3 s cold, mostly importing
prefect once), so one process is the default: on two cores, a second process spends its time
importing prefect again (benchmarks/bench.py measures it; `--jobs` when the machine has cores
to spare).
"""

from __future__ import annotations

import re
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

from prefect_scaffold import hardened_git, project_files
from prefect_scaffold._console import sanitise
from prefect_scaffold.errors import CannotUpdate, NoRepositories, ScaffoldError, UntrustedSource
from prefect_scaffold.limits import MAX_FILE_BYTES, Unbounded, load_yaml
from prefect_scaffold.writing.answers_file import ANSWERS_FILE, read

#: Files that make a folder a Prefect repository (rather than a folder of them).
_MARKERS = (ANSWERS_FILE, "prefect.yaml", ".git")
COLUMNS = ("repository", "template", "rendered", "latest", "drift", "errors", "warnings", "pool")
#: Widest a table cell gets; --json has every value whole.
CELL_WIDTH = 40
_CONFLICT_MARKER = re.compile(rb"^(<<<<<<<|>>>>>>>) ", re.MULTILINE)


@dataclass(frozen=True)
class RepositoryStatus:
    repository: str
    template: str  #: bundled template name, team source URL, or "-" when not rendered by us
    rendered: str  #: the template version the repository is at
    latest: str  #: the newest version its source offers
    drift: str  #: current, outdated, newer than this tool, conflicts, unmanaged, "unknown: <why>"
    errors: int | None  #: `check` errors; None when there was nothing to check
    warnings: int | None
    pool: str  #: work pool name(s), or "serve" for a serve script

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def cells(self) -> list[str]:
        return ["-" if value is None else str(value) for value in asdict(self).values()]


def repositories(paths: list[Path]) -> list[Path]:
    """The repositories `paths` name: each path itself, or, for a folder of checkouts, its
    subfolders that are repositories."""
    found: list[Path] = []
    for path in paths:
        if not path.exists() or any((path / marker).exists() for marker in _MARKERS):
            found.append(path)
        elif path.is_dir():
            found.extend(sub for sub in sorted(path.iterdir())
                         if sub.is_dir() and any((sub / m).exists() for m in _MARKERS))
    if not found:
        raise NoRepositories(paths)
    return found


def status(paths: list[Path], *, jobs: int = 1) -> list[RepositoryStatus]:
    """One row per repository, in order; `jobs` processes share them."""
    found = repositories(paths)
    if min(jobs, len(found)) < 2:
        return [repository_status(path) for path in found]
    # Processes, not threads: `check` is CPU-bound Python (parsing, validating).
    with ProcessPoolExecutor(min(jobs, len(found))) as pool:
        return list(pool.map(repository_status, found))


def repository_status(path: Path) -> RepositoryStatus:
    from prefect_scaffold.check import check

    from .update import latest_version

    template = rendered = latest = "-"
    answers: dict[str, Any] = {}
    if not path.is_dir():
        return RepositoryStatus(str(path), template, rendered, latest,
                                "unknown: no such directory", None, None, "-")
    try:
        recorded = read(path)
        answers = recorded.answers
        template = recorded.bundled or recorded.src_path
        rendered = recorded.commit or "-"
        latest = latest_version(path, recorded)
        drift = _drift(recorded.commit, latest)
    except UntrustedSource:  # the answers file names a source nobody vouched for: not fetched
        drift = "unknown: its source is fetched only with `update --check --trust`"
    except CannotUpdate as problem:
        unmanaged = not (path / ANSWERS_FILE).is_file()
        drift = "unmanaged" if unmanaged else f"unknown: {str(problem).split(': ', 1)[-1]}"
    try:
        report = check(path, cache=True)
        errors, warnings = report.errors, report.warnings
    except ScaffoldError:  # nothing to check, or a file `check` refuses to read
        errors = warnings = None
    if conflicted := _conflicted(path):
        drift = f"conflicts in {conflicted} file(s)"
    return RepositoryStatus(str(path), template, rendered, latest, drift, errors, warnings,
                            _pool(path, answers))


def _drift(recorded: str | None, latest: str) -> str:
    from packaging.version import InvalidVersion, Version

    if recorded == latest:
        return "current"
    try:
        if recorded and Version(recorded).public != Version(latest).public \
                and Version(recorded) > Version(latest):
            return "newer than this tool"  # rendered or updated by a later release
    except InvalidVersion:
        pass
    return "outdated"


def _conflicted(path: Path) -> int:
    """How many tracked files hold unresolved merge conflict markers (an `update` left them)."""
    if (path / ".git").exists():
        # Only lines starting a marker; git grep reads the index's files, fast in big repos.
        found = hardened_git.run("grep", "-l", "-I", "-E", "^(<<<<<<<|>>>>>>>) ", cwd=path)
        return len(found.stdout.splitlines()) if found.returncode == 0 else 0
    return sum(1 for file in path.rglob("*") if file.is_file() and not file.is_symlink()
               and not {".venv", "node_modules"} & set(file.parts) and _has_markers(file))


def _has_markers(file: Path) -> bool:
    try:
        with open(file, "rb") as handle:
            return bool(_CONFLICT_MARKER.search(handle.read(MAX_FILE_BYTES)))
    except OSError:
        return False


def _pool(path: Path, answers: dict[str, Any]) -> str:
    """The pools prefect.yaml's deployments name (what deploys), else the answers file's."""
    try:
        document = load_yaml(project_files.read_text(path, "prefect.yaml"))
    except (OSError, ScaffoldError, yaml.YAMLError, UnicodeDecodeError, RecursionError,
            Unbounded):
        document = None
    names = set()
    deployments = document.get("deployments") if isinstance(document, dict) else None
    for deployment in deployments if isinstance(deployments, list) else []:
        pool = deployment.get("work_pool") if isinstance(deployment, dict) else None
        if isinstance(pool, dict) and isinstance(pool.get("name"), str):
            names.add(pool["name"])
    if names:
        return ", ".join(sorted(names))
    if isinstance(answers.get("work_pool_name"), str):
        return answers["work_pool_name"]
    try:
        return "serve" if project_files.is_file(path, "serve.py") else "-"
    except ScaffoldError:  # a serve.py linking out of the repository is not read
        return "-"


def _clip(cells: list[str]) -> list[str]:
    """Cells at most CELL_WIDTH long; a path keeps its end (the repository's own name)."""
    path, *rest = [c if len(c) <= CELL_WIDTH else None for c in cells]
    return [path or "…" + cells[0][1 - CELL_WIDTH:],
            *(c or cells[i][:CELL_WIDTH - 1] + "…" for i, c in enumerate(rest, 1))]


def as_table(rows: list[RepositoryStatus], *, markdown: bool = False) -> str:
    """Rows as aligned text, each cell at most CELL_WIDTH characters, or as markdown (whole:
    a page wraps long cells)."""
    # Sanitised here, not only when printed: escaping changes widths, and a newline in a
    # folder name would start a row of its own.
    rows_cells = [[sanitise(cell, one_line=True) for cell in row.cells()] for row in rows]
    cells = [list(COLUMNS), *(line if markdown else _clip(line) for line in rows_cells)]
    if markdown:
        escape = [[cell.replace("|", "\\|") for cell in line] for line in cells]
        lines = ["| " + " | ".join(line) + " |" for line in escape]
        lines.insert(1, "|" + "|".join(" --- " for _ in COLUMNS) + "|")
        return "\n".join(lines)
    widths = [max(len(line[i]) for line in cells) for i in range(len(COLUMNS))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True))
                     .rstrip() for line in cells)
