"""Bring a rendered project to the current version of its template (copier's three-way update).

The answers file names the template (answers_file.py). A team template is updated from its git
repository, whose newest version tag copier picks. A bundled template is updated from two
versions put side by side in a throwaway git repository: the one that rendered the project
(template_history.py finds it on any machine) and the installed one. Afterwards the answers file
names the installed version and, when known, how to install the tool that wrote it
(`scaffold_install`), so CI and the next `update` on another machine run the same release.

The drift gate (`--check`) compares with the newest release allowed: `--latest-from SPEC` when
given; else, for a project pinned to an index release (`prefect-scaffold==X.Y.Z`), the newest
`prefect-scaffold` the configured index serves; else the installed tool.

`uv.lock` is the project's own: the templates render none and `uv sync` writes one, so an
untracked `uv.lock` is not a reason to refuse, and nothing here commits or changes it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from prefect_scaffold import hardened_git, project_files
from prefect_scaffold.check import Report, check
from prefect_scaffold.errors import (
    CannotUpdate,
    NothingToCheck,
    ScaffoldError,
    UnreachableSource,
    UntrustedSource,
    UntrustedTemplate,
)
from prefect_scaffold.secrets import redact_url
from prefect_scaffold.writing import answers_file
from prefect_scaffold.writing.answers_file import RecordedSource
from prefect_scaffold.writing.staging import signals_held

__all__ = ["UpdateResult", "update"]

CONFLICT_MARKERS = ("<<<<<<< ", ">>>>>>> ")
LOCK_FILE = "uv.lock"  #: written by `uv sync`; the project's own, never the template's
_INDEX_PIN = re.compile(r"prefect-scaffold\s*==\s*[0-9][0-9A-Za-z.]*")


@dataclass(frozen=True)
class UpdateResult:
    current: str | None  #: the template version the project was at
    latest: str | None  #: the version it is (or, with --check, could be) at now
    conflicts: list[Path] = field(default_factory=list)  #: files holding conflict markers
    report: Report | None = None  #: `check` on the updated project
    migrated: bool = False  #: answers file rewritten from a machine path to a logical one
    #: files you deleted that the new template version changed: the change was not applied
    dropped: list[Path] = field(default_factory=list)
    #: `scaffold_install` as the update left it ("" when the running tool cannot say)
    install: str | None = None

    @property
    def outdated(self) -> bool:
        return self.latest != self.current

    @property
    def drift(self) -> str:
        """current, behind (a newer release is allowed), ahead (the project is newer than the
        newest allowed) or outdated (same release, other template files)."""
        from packaging.version import InvalidVersion, Version

        if not self.outdated:
            return "current"
        try:
            at, newest = (Version(str(v).partition("+")[0]) for v in (self.current, self.latest))
        except InvalidVersion:
            return "outdated"
        return "behind" if newest > at else "ahead" if newest < at else "outdated"


def latest_version(project: Path, recorded: RecordedSource, *, trust: bool = False,
                   notify: Callable[[str], None] = lambda _: None) -> str:
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
    _require_trusted(project, recorded.src_path, trust=trust, notify=notify)
    return _newest_tag(project, recorded.src_path)


def _require_trusted(project: Path, url: str, *, trust: bool,
                     notify: Callable[[str], None]) -> None:
    """A team source comes from the answers file, which a pull request can point anywhere: fetch
    it with --trust or when copier's settings trust it, naming it first."""
    from prefect_scaffold.catalog.trust import trusted_by_copier_settings

    if not (trust or trusted_by_copier_settings(url)):
        raise UntrustedSource(f"update {project}", "_src_path", url)
    notify(f"fetching template versions from {redact_url(url)}")


def _newest_tag(project: Path, url: str) -> str:
    from prefect_scaffold.catalog.sources import newest_version_tag

    try:  # pre-releases count, as they always did here: a project may be at one
        tag = newest_version_tag(url, prereleases=True)
    except UnreachableSource as error:
        raise CannotUpdate(project, f"cannot list the versions of {url}: {error.problem}") \
            from None
    if tag is None:
        raise CannotUpdate(project, f"{url} has no version tags (like 1.2.0) to update to")
    return tag


def _newest_allowed(project: Path, recorded: RecordedSource, latest_from: str | None, *,
                    trust: bool, notify: Callable[[str], None]) -> str:
    """The drift gate's "latest" (see the module docstring)."""
    from .history import newest_allowed

    assert recorded.bundled is not None
    pinned = str(recorded.answers.get("scaffold_install") or "").strip()
    if latest_from is None and _INDEX_PIN.fullmatch(pinned):
        latest_from = "prefect-scaffold"
    if latest_from is None:
        return latest_version(project, recorded, trust=trust, notify=notify)
    return newest_allowed(project, recorded.bundled, latest_from)


def update(project: Path, *, check_only: bool = False, trust: bool = False,
           template_source: Path | None = None, latest_from: str | None = None,
           notify: Callable[[str], None] = lambda _: None) -> UpdateResult:
    if not project.exists():
        raise CannotUpdate(project, "no such directory")
    if not project.is_dir():
        raise CannotUpdate(project, "is not a directory; pass the rendered project's folder")
    if not check_only:
        _recover_killed_update(project)
    recorded = answers_file.read(project)
    if check_only:
        latest = (_newest_allowed(project, recorded, latest_from, trust=trust, notify=notify)
                  if recorded.bundled
                  else latest_version(project, recorded, trust=trust, notify=notify))
        return UpdateResult(recorded.commit, latest)
    current, latest = recorded.commit, latest_version(project, recorded, trust=trust,
                                                      notify=notify)
    if latest == current:
        if recorded.legacy:
            with signals_held(commits=True):
                answers_file.record_bundled(recorded.path, str(recorded.bundled), latest)
        return UpdateResult(current, latest, migrated=recorded.legacy)
    from prefect_scaffold.writing.git import START_BY_HAND, enclosing_work_tree

    if enclosing_work_tree(project) is None:  # the merge keeps your edits through git
        raise CannotUpdate(project, f"not a git repository (rendered with --no-git?); update "
                                    f"needs one to keep your edits: {START_BY_HAND}, then again")
    _require_clean(project)
    dropped: list[Path] = []
    install = None
    with _lock_file_parked(project):
        if recorded.bundled is None:
            for version in (recorded.commit, latest):  # copier renders both; a PR can pick the old
                _refuse_rendered_git(recorded, recorded.src_path, version, trust=trust)
            with signals_held(commits=True):  # copier's merge into the checkout is not undone
                _copier_update(project, latest, trust=trust)
        else:
            dropped = _update_bundled(project, recorded, latest, trust=trust,
                                      template_source=template_source, notify=notify)
    if recorded.bundled is not None or "scaffold_install" in recorded.answers:
        install = _record_install(recorded.path)
    # The project's files, not the .venv `uv sync` made (thousands of files, some of them
    # other projects' conflict examples): what git tracks or would (.gitignore applies).
    listed = _git(project, "ls-files", "-z", "--cached", "--others", "--exclude-standard").stdout
    conflicts = sorted({Path(name) for name in listed.split("\0") if name
                        and (project / name).is_file() and _has_conflict(project, project / name)})
    # Conflict markers break YAML, and a new template version may expect new answers: check the
    # result the way CI will (a team template may render nothing `check` knows).
    try:
        report = check(project)
    except NothingToCheck:
        report = None
    return UpdateResult(current, latest, conflicts, report, migrated=recorded.legacy,
                        dropped=dropped, install=install)


def _record_install(path: Path) -> str:
    """Name the running tool in `scaffold_install`: the answers file now records its template
    version, and CI and the next `update` must run that release, not the one before. Empty
    when this tool cannot be installed elsewhere (a local checkout): CI then says how to pin."""
    from prefect_scaffold.answers.computed import install_spec

    spec = install_spec()
    answers_file.record_answer(path, "scaffold_install", spec)
    return spec


def _require_clean(project: Path) -> None:
    """copier refuses a dirty checkout with a raw message; refuse it here with ours, except for
    the untracked lock file `uv sync` writes (see the module docstring)."""
    prefix = _git(project, "rev-parse", "--show-prefix").stdout.strip()
    listed = _git(project, "status", "--porcelain", "--untracked-files=all").stdout.splitlines()
    dirty = [line[3:] for line in listed if line != f"?? {prefix}{LOCK_FILE}"]
    if dirty:
        shown = ", ".join(dirty[:3]) + (f" and {len(dirty) - 3} more" if len(dirty) > 3 else "")
        raise CannotUpdate(project, f"has uncommitted changes ({shown}); commit or stash them "
                           "first")


@contextmanager
def _lock_file_parked(project: Path) -> Iterator[None]:
    """Keep an untracked uv.lock out of copier's way (it refuses any untracked file) by moving
    it into the git directory while copier runs, and back whatever happens; a SIGKILLed update
    leaves it there for the next one to put back (_recover_killed_update)."""
    lock = project / LOCK_FILE
    if not lock.is_file() or _tracked(project, LOCK_FILE):
        yield
        return
    parked = _parked_lock(project)
    assert parked is not None  # update checked it is a git work tree
    os.replace(lock, parked)
    try:
        yield
    finally:
        os.replace(parked, lock)


def _parked_lock(project: Path) -> Path | None:
    """Where an untracked uv.lock waits while copier runs; None outside a git work tree."""
    git_dir = _git(project, "rev-parse", "--absolute-git-dir").stdout.strip()
    if not git_dir:
        return None
    prefix = _git(project, "rev-parse", "--show-prefix").stdout.strip().replace("/", "-")
    return Path(git_dir) / f"prefect-scaffold-update-{prefix}{LOCK_FILE}"


def _tracked(project: Path, name: str) -> bool:
    return _git(project, "ls-files", "--error-unmatch", "--", name).returncode == 0


def _copier_update(project: Path, vcs_ref: str, *, trust: bool) -> None:
    from copier import run_update
    from copier.errors import CopierError, UnsafeTemplateError
    from plumbum import ProcessExecutionError

    try:
        with hardened_git.hardened_environment(project):
            run_update(str(project), vcs_ref=vcs_ref, defaults=True, overwrite=True, quiet=True,
                       unsafe=trust, conflict="inline", skip_answered=True)
    except UnsafeTemplateError:
        raise UntrustedTemplate(f"update {project}") from None
    except (CopierError, ProcessExecutionError, subprocess.CalledProcessError) as error:
        lines = str(error).strip().splitlines()
        raise CannotUpdate(project, lines[0] if lines else type(error).__name__) from None


def _update_bundled(project: Path, recorded: RecordedSource, latest: str, *, trust: bool,
                    template_source: Path | None, notify: Callable[[str], None]) -> list[Path]:
    """copier's update between the recorded and the installed version; the files you deleted
    whose template change it therefore dropped."""
    from prefect_scaffold.catalog.cache import snapshot
    from prefect_scaffold.catalog.registry import get_template

    from .history import old_template

    name = str(recorded.bundled)
    old = old_template(project, recorded, template_source,
                       remedy="pass --template-source with a folder holding that template version",
                       trust=trust, notify=notify)
    _refuse_rendered_git(recorded, str(old), None, trust=trust)
    snapshot(get_template(name))  # the version it moves to: switch and the next update need it
    _require_tracked(project, recorded.path)
    dropped = _dropped_changes(project, recorded, old, get_template(name).path)
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
            # Ctrl-C waits for copier's merge into the checkout and the answers file after it.
            with signals_held(commits=True):
                answers_file.write_source(recorded.path, str(history), "1.0.0")
                _copier_update(project, "2.0.0", trust=trust)
                answers_file.record_bundled(recorded.path, name, latest)
            updated = True
        finally:
            if not updated:
                recorded.path.write_bytes(original)
            _git(project, "update-index", "--no-skip-worktree", "--", answers_file.ANSWERS_FILE)
    return dropped


def _dropped_changes(project: Path, recorded: RecordedSource, old: Path, new: Path) -> list[Path]:
    """Files the old version rendered that you deleted and the new version changes: copier keeps
    them deleted, as it should, but silently (git says so: "deleted by us")."""
    from copier import run_copy

    answers = {k: v for k, v in recorded.answers.items() if not k.startswith("_")}
    with tempfile.TemporaryDirectory(prefix="prefect-scaffold-deleted-") as workdir:
        renders = {}
        for label, folder in (("old", old), ("new", new)):
            with hardened_git.hardened_environment():  # copier's own git calls, as everywhere
                run_copy(str(folder), Path(workdir) / label, data=answers, defaults=True,
                         quiet=True, overwrite=True, unsafe=False)
            renders[label] = Path(workdir) / label
        dropped = []
        for path in sorted(renders["old"].rglob("*")):
            file = path.relative_to(renders["old"])
            if (not path.is_file() or file.as_posix() == answers_file.ANSWERS_FILE
                    or (project / file).exists()):
                continue
            changed = renders["new"] / file
            if changed.is_file() and changed.read_bytes() != path.read_bytes():
                dropped.append(file)
        return dropped


def _refuse_rendered_git(recorded: RecordedSource, url: str, vcs_ref: str | None, *,
                         trust: bool) -> None:
    """Render a version copier is about to render inside its update, where our refusal of a
    rendered `.git` (writing/render.py) cannot see: TemplateRefused if it renders one."""
    from prefect_scaffold.catalog.registry import load_template
    from prefect_scaffold.catalog.sources import TemplateSource, team
    from prefect_scaffold.writing.render import render

    source = (team(url, vcs_ref) if vcs_ref is not None
              else TemplateSource(load_template(Path(url)), url))
    answers = {k: v for k, v in recorded.answers.items() if not k.startswith("_")}
    with tempfile.TemporaryDirectory(prefix="prefect-scaffold-preview-") as workdir:
        render(source, answers, Path(workdir) / "preview", dry_run=True, trust=trust)


def _recover_killed_update(project: Path) -> None:
    """Undo what a SIGKILLed bundled update left: a parked uv.lock; the answers file hidden from
    git and pointing at a deleted throwaway history. The checkout was clean when that update
    started, so the committed answers file is the right one."""
    parked = _parked_lock(project)
    if parked is not None and parked.is_file() and not (project / LOCK_FILE).exists():
        os.replace(parked, project / LOCK_FILE)
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
    return hardened_git.run(*args, cwd=cwd, identity=True)


def _has_conflict(project: Path, path: Path) -> bool:
    try:
        text = project_files.read_text(project, path.relative_to(project))
    except (UnicodeDecodeError, OSError, ScaffoldError):  # not ours to read: not merged either
        return False
    return any(line.startswith(CONFLICT_MARKERS) for line in text.splitlines())
