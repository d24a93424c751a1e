"""Bring a rendered project to the current version of its template (copier's three-way update).

The template a project came from is in its answers file: `_src_path` and `_commit`. For bundled
templates that is the local cache (template_cache.py), refreshed with the installed templates first;
for team sources it is their git repository, whose newest tag copier picks.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .check import Report, check
from .errors import CannotUpdate, NothingToCheck, UntrustedTemplate

CONFLICT_MARKERS = ("<<<<<<< ", ">>>>>>> ")


@dataclass(frozen=True)
class UpdateResult:
    current: str | None  #: the template version the project was at
    latest: str | None  #: the version it is (or, with --check, could be) at now
    conflicts: list[Path] = field(default_factory=list)  #: files holding conflict markers
    report: Report | None = None  #: `check` on the updated project

    @property
    def outdated(self) -> bool:
        return self.latest is not None and self.latest != self.current


def _answers(project: Path) -> dict[str, object]:
    path = project / ".copier-answers.yml"
    if not path.is_file():
        raise CannotUpdate(project, "no .copier-answers.yml: not rendered by prefect-scaffold "
                           "or copier")
    answers = yaml.safe_load(path.read_text()) or {}
    if "_src_path" not in answers:
        raise CannotUpdate(project, ".copier-answers.yml does not record its template (_src_path)")
    return answers


def _latest(src_path: str) -> str | None:
    """The newest version the template source offers: for bundled ones, the installed one."""
    from .registry import get_template, template_names
    from .template_cache import is_cached_source, snapshot

    if is_cached_source(src_path):
        name = Path(src_path).name
        if name not in template_names():
            raise CannotUpdate(Path(src_path), f"template {name!r} is no longer bundled")
        return snapshot(get_template(name))[1]
    return _newest_tag(src_path)


def _newest_tag(src_path: str) -> str | None:
    from packaging.version import InvalidVersion, Version

    result = subprocess.run(["git", "ls-remote", "--tags", "--refs", src_path],
                            capture_output=True, text=True, check=False)
    versions = []
    for line in result.stdout.splitlines():
        tag = line.rsplit("refs/tags/", 1)[-1]
        try:
            versions.append((Version(tag), tag))
        except InvalidVersion:
            continue
    return max(versions)[1] if versions else None


def update(project: Path, *, check_only: bool = False, trust: bool = False) -> UpdateResult:
    answers = _answers(project)
    current = str(answers["_commit"]) if answers.get("_commit") else None
    latest = _latest(str(answers["_src_path"]))
    if check_only or latest == current:
        return UpdateResult(current, latest)

    from copier import run_update
    from copier.errors import CopierError, UnsafeTemplateError

    from .git_repo import START_BY_HAND, enclosing_work_tree

    if enclosing_work_tree(project) is None:  # copier merges template changes through git
        raise CannotUpdate(project, f"not a git repository (rendered with --no-git?); update "
                                    f"needs one to keep your edits: {START_BY_HAND}, then again")

    try:
        run_update(str(project), vcs_ref=latest, defaults=True, overwrite=True, quiet=True,
                   unsafe=trust, conflict="inline", skip_answered=True)
    except UnsafeTemplateError:
        raise UntrustedTemplate(f"update {project}") from None
    except (CopierError, subprocess.CalledProcessError) as error:
        raise CannotUpdate(project, str(error).strip().splitlines()[0]) from None
    conflicts = sorted(
        path.relative_to(project) for path in project.rglob("*")
        if path.is_file() and ".git" not in path.parts and _has_conflict(path))
    # Conflict markers break YAML, and a new template version may expect new answers: check the
    # result the way CI will (a team template may render nothing `check` knows).
    try:
        report = check(project)
    except NothingToCheck:
        report = None
    return UpdateResult(current, latest, conflicts, report)


def _has_conflict(path: Path) -> bool:
    try:
        text = path.read_text()
    except (UnicodeDecodeError, OSError):
        return False
    return any(line.startswith(CONFLICT_MARKERS) for line in text.splitlines())
