"""Bring a rendered project to the current version of its template (copier's three-way update).

The answers file names the template (answers_file.py). A team template is updated from its git
repository, whose newest version tag copier picks. A bundled template is updated from two
versions put side by side in a throwaway git repository: the one that rendered the project
(template_history.py finds it on any machine) and the installed one.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from prefect_scaffold.check import Report, check
from prefect_scaffold.errors import CannotUpdate, NothingToCheck, UntrustedTemplate
from prefect_scaffold.writing import answers_file
from prefect_scaffold.writing.answers_file import RecordedSource

__all__ = ["UpdateResult", "update"]

CONFLICT_MARKERS = ("<<<<<<< ", ">>>>>>> ")
_GIT_IDENTITY = ["-c", "user.name=prefect-scaffold", "-c", "user.email=prefect-scaffold@localhost",
                 "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"]


@dataclass(frozen=True)
class UpdateResult:
    current: str | None  #: the template version the project was at
    latest: str | None  #: the version it is (or, with --check, could be) at now
    conflicts: list[Path] = field(default_factory=list)  #: files holding conflict markers
    report: Report | None = None  #: `check` on the updated project
    migrated: bool = False  #: answers file rewritten from a machine path to a logical one

    @property
    def outdated(self) -> bool:
        return self.latest != self.current


def latest_version(project: Path, recorded: RecordedSource) -> str:
    """The newest version the template source offers; CannotUpdate when that is unknowable.

    Failing closed matters: CI runs `update --check` as a drift gate, and "latest unknown" must
    not pass it.
    """
    from prefect_scaffold.catalog.cache import content_tag
    from prefect_scaffold.catalog.registry import get_template, template_names

    if recorded.bundled is not None:
        if recorded.bundled not in template_names():
            raise CannotUpdate(project, f"template {recorded.bundled!r} is no longer bundled")
        return content_tag(get_template(recorded.bundled))
    return _newest_tag(project, recorded.src_path)


def _newest_tag(project: Path, url: str) -> str:
    from packaging.version import InvalidVersion, Version

    # `--` ends git's options: the URL comes from a file a pull request may have written.
    result = subprocess.run(["git", "ls-remote", "--tags", "--refs", "--", url],
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines()
        raise CannotUpdate(project, f"cannot list the versions of {url}: "
                           f"{lines[-1] if lines else 'git ls-remote failed'}")
    versions = []
    for line in result.stdout.splitlines():
        tag = line.rsplit("refs/tags/", 1)[-1]
        try:
            versions.append((Version(tag), tag))
        except InvalidVersion:
            continue
    if not versions:
        raise CannotUpdate(project, f"{url} has no version tags (like 1.2.0) to update to")
    return max(versions)[1]


def update(project: Path, *, check_only: bool = False, trust: bool = False,
           template_source: Path | None = None) -> UpdateResult:
    if not check_only:
        _recover_killed_update(project)
    recorded = answers_file.read(project)
    current, latest = recorded.commit, latest_version(project, recorded)
    if check_only:
        return UpdateResult(current, latest)
    if latest == current:
        if recorded.legacy:
            answers_file.record_bundled(recorded.path, str(recorded.bundled), latest)
        return UpdateResult(current, latest, migrated=recorded.legacy)
    from prefect_scaffold.writing.git import START_BY_HAND, enclosing_work_tree

    if enclosing_work_tree(project) is None:  # the merge keeps your edits through git
        raise CannotUpdate(project, f"not a git repository (rendered with --no-git?); update "
                                    f"needs one to keep your edits: {START_BY_HAND}, then again")
    if recorded.bundled is None:
        _copier_update(project, latest, trust=trust)
    else:
        _update_bundled(project, recorded, latest, trust=trust, template_source=template_source)
    conflicts = sorted(
        path.relative_to(project) for path in project.rglob("*")
        if path.is_file() and ".git" not in path.parts and _has_conflict(path))
    # Conflict markers break YAML, and a new template version may expect new answers: check the
    # result the way CI will (a team template may render nothing `check` knows).
    try:
        report = check(project)
    except NothingToCheck:
        report = None
    return UpdateResult(current, latest, conflicts, report, migrated=recorded.legacy)


def _copier_update(project: Path, vcs_ref: str, *, trust: bool) -> None:
    from copier import run_update
    from copier.errors import CopierError, UnsafeTemplateError
    from plumbum import ProcessExecutionError

    try:
        run_update(str(project), vcs_ref=vcs_ref, defaults=True, overwrite=True, quiet=True,
                   unsafe=trust, conflict="inline", skip_answered=True)
    except UnsafeTemplateError:
        raise UntrustedTemplate(f"update {project}") from None
    except (CopierError, ProcessExecutionError, subprocess.CalledProcessError) as error:
        lines = str(error).strip().splitlines()
        raise CannotUpdate(project, lines[0] if lines else type(error).__name__) from None


def _update_bundled(project: Path, recorded: RecordedSource, latest: str, *, trust: bool,
                    template_source: Path | None) -> None:
    from prefect_scaffold.catalog.registry import get_template

    from .history import old_template

    name = str(recorded.bundled)
    old = old_template(project, recorded, template_source)
    _require_tracked(project, recorded.path)
    original = recorded.path.read_bytes()
    with tempfile.TemporaryDirectory(prefix="prefect-scaffold-update-") as workdir:
        history = Path(workdir) / name
        _commit_version(history, old, "1.0.0")
        _commit_version(history, get_template(name).path, "2.0.0")
        # copier diffs the versions its answers file names, and refuses a dirty checkout: point
        # the file at the throwaway history, hidden from `git status`, then record the logical
        # source again whatever happens.
        _git(project, "update-index", "--skip-worktree", "--", answers_file.ANSWERS_FILE)
        updated = False
        try:
            answers_file.write_source(recorded.path, str(history), "1.0.0")
            _copier_update(project, "2.0.0", trust=trust)
            answers_file.record_bundled(recorded.path, name, latest)
            updated = True
        finally:
            if not updated:
                recorded.path.write_bytes(original)
            _git(project, "update-index", "--no-skip-worktree", "--", answers_file.ANSWERS_FILE)


def _recover_killed_update(project: Path) -> None:
    """Undo what a SIGKILLed bundled update left: the answers file hidden from git and pointing
    at a deleted throwaway history. The checkout was clean when that update started, so the
    committed answers file is the right one."""
    listed = _git(project, "ls-files", "-v", "--", answers_file.ANSWERS_FILE).stdout
    if listed.startswith("S "):
        _git(project, "update-index", "--no-skip-worktree", "--", answers_file.ANSWERS_FILE)
        _git(project, "checkout", "--", answers_file.ANSWERS_FILE)


def _require_tracked(project: Path, path: Path) -> None:
    tracked = _git(project, "ls-files", "--error-unmatch", "--", path.name)
    if tracked.returncode != 0:
        raise CannotUpdate(project, "must be a git checkout with .copier-answers.yml committed; "
                           "commit your changes first")


def _commit_version(repository: Path, folder: Path, tag: str) -> None:
    repository.mkdir(exist_ok=True)
    if not (repository / ".git").is_dir():
        _git(repository, "init", "-q")
    for entry in repository.iterdir():
        if entry.name != ".git":
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    shutil.copytree(folder, repository, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__"))
    for step in (["add", "-A"], ["commit", "-q", "--allow-empty", "-m", tag], ["tag", tag]):
        result = _git(repository, *step)
        if result.returncode != 0:
            raise RuntimeError(f"git {' '.join(step)} in {repository}: {result.stderr.strip()}")


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *_GIT_IDENTITY, *args], cwd=cwd, capture_output=True, text=True,
                          check=False)


def _has_conflict(path: Path) -> bool:
    try:
        text = path.read_text()
    except (UnicodeDecodeError, OSError):
        return False
    return any(line.startswith(CONFLICT_MARKERS) for line in text.splitlines())
