"""`status`: one row per repository, for a platform team keeping many on one way of deploying.

Each row says which template a repository came from, the version it was rendered at and the
newest one, whether it drifted, what `check` finds, and its pool. A repository that cannot be
read (no answers file, a tampered one, an unreachable team source) still gets its row, saying why;
one bad repository never hides the others.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

from prefect_scaffold.errors import CannotUpdate, NoRepositories, ScaffoldError
from prefect_scaffold.writing.answers_file import ANSWERS_FILE, read

#: Files that make a folder a Prefect repository (rather than a folder of them).
_MARKERS = (ANSWERS_FILE, "prefect.yaml", ".git")
COLUMNS = ("repository", "template", "rendered", "latest", "drift", "errors", "warnings", "pool")


@dataclass(frozen=True)
class RepositoryStatus:
    repository: str
    template: str  #: bundled template name, team source URL, or "-" when not rendered by us
    rendered: str  #: the template version the repository is at
    latest: str  #: the newest version its source offers
    drift: str  #: current, outdated, unmanaged, or "unknown: <why>"
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
        if any((path / marker).exists() for marker in _MARKERS):
            found.append(path)
        elif path.is_dir():
            found.extend(sub for sub in sorted(path.iterdir())
                         if sub.is_dir() and any((sub / m).exists() for m in _MARKERS))
    if not found:
        raise NoRepositories(paths)
    return found


def status(paths: list[Path]) -> list[RepositoryStatus]:
    return [repository_status(path) for path in repositories(paths)]


def repository_status(path: Path) -> RepositoryStatus:
    from prefect_scaffold.check import check

    from .update import latest_version

    template = rendered = latest = "-"
    answers: dict[str, Any] = {}
    try:
        recorded = read(path)
        answers = recorded.answers
        template = recorded.bundled or recorded.src_path
        rendered = recorded.commit or "-"
        latest = latest_version(path, recorded)
        drift = "current" if latest == recorded.commit else "outdated"
    except CannotUpdate as problem:
        unmanaged = not (path / ANSWERS_FILE).is_file()
        drift = "unmanaged" if unmanaged else f"unknown: {str(problem).split(': ', 1)[-1]}"
    try:
        report = check(path)
        errors, warnings = report.errors, report.warnings
    except ScaffoldError:  # nothing to check, or a file `check` refuses to read
        errors = warnings = None
    return RepositoryStatus(str(path), template, rendered, latest, drift, errors, warnings,
                            _pool(path, answers))


def _pool(path: Path, answers: dict[str, Any]) -> str:
    if isinstance(answers.get("work_pool_name"), str):
        return answers["work_pool_name"]
    try:
        document = yaml.safe_load((path / "prefect.yaml").read_text())
    except (OSError, yaml.YAMLError, UnicodeDecodeError, RecursionError):
        document = None
    names = set()
    deployments = document.get("deployments") if isinstance(document, dict) else None
    for deployment in deployments if isinstance(deployments, list) else []:
        pool = deployment.get("work_pool") if isinstance(deployment, dict) else None
        if isinstance(pool, dict) and isinstance(pool.get("name"), str):
            names.add(pool["name"])
    if names:
        return ", ".join(sorted(names))
    return "serve" if (path / "serve.py").is_file() else "-"


def as_table(rows: list[RepositoryStatus], *, markdown: bool = False) -> str:
    cells = [list(COLUMNS), *(row.cells() for row in rows)]
    if markdown:
        escape = [[cell.replace("|", "\\|") for cell in line] for line in cells]
        lines = ["| " + " | ".join(line) + " |" for line in escape]
        lines.insert(1, "|" + "|".join(" --- " for _ in COLUMNS) + "|")
        return "\n".join(lines)
    widths = [max(len(line[i]) for line in cells) for i in range(len(COLUMNS))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True))
                     .rstrip() for line in cells)
