"""Render a template into a destination atomically: stage in a temporary folder, then swap in
(staging.py).

A failed or interrupted render leaves the destination exactly as it was. Without `force`, only a
missing or empty destination is accepted; with it, files the template produces are overwritten and
nothing else in the destination is touched.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from prefect_scaffold.catalog.sources import TemplateSource
from prefect_scaffold.errors import DestinationRefused, TemplateRefused, UntrustedTemplate
from prefect_scaffold.hardened_git import hardened_environment

from .destination import check_destination, normalise
from .staging import locked, signals_deferred, stages_inside, swap_in

__all__ = ["RenderResult", "check_destination", "render"]


@dataclass(frozen=True)
class RenderResult:
    destination: Path
    files: tuple[Path, ...]  #: relative to destination, sorted
    written: bool  #: False for a dry run
    replaced: tuple[Path, ...] = ()  #: files that were there before (only with force)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def render(source: TemplateSource, answers: dict[str, Any], destination: Path, *,
           force: bool = False, dry_run: bool = False, trust: bool = False) -> RenderResult:
    """Render `source` with `answers` (already validated) into `destination`."""
    check_destination(destination, force=force)
    destination = normalise(destination)
    if dry_run:
        return _staged(source, answers, destination, trust, parent=None, swap=False)
    with locked(destination):
        check_destination(destination, force=force)  # again: it may have changed meanwhile
        parent = destination if stages_inside(destination) else destination.parent
        return _staged(source, answers, destination, trust, parent=parent, swap=True)


def _staged(source: TemplateSource, answers: dict[str, Any], destination: Path, trust: bool, *,
            parent: Path | None, swap: bool) -> RenderResult:
    """Render into a staging folder (beside the destination, so a rename can move it in)."""
    staging: Path | None = None
    try:
        with signals_deferred():  # made and remembered for the `finally` without a gap
            try:
                staging = Path(tempfile.mkdtemp(prefix=".prefect-scaffold-", dir=parent))
            except OSError as error:
                raise DestinationRefused(destination, f"cannot write in {parent} "
                                         f"({error.strerror})",
                                         "choose a directory you can write to") from None
        staging.chmod(0o777 & ~_umask())  # mkdtemp makes it private; the project should not be
        _copy(source, answers, staging, trust)
        _refuse_git_folders(source, staging)
        answers_file = source.template.settings.get("_answers_file", ".copier-answers.yml")
        _verify_answers_file(source, staging / answers_file)
        files = tuple(sorted(p.relative_to(staging) for p in staging.rglob("*") if p.is_file()))
        replaced = tuple(f for f in files if (destination / f).is_file())
        if swap:
            swap_in(staging, destination, answers_file)
        return RenderResult(destination, files, written=swap, replaced=replaced)
    finally:
        if staging is not None:
            # Whole, even when a second Ctrl-C comes while a first one unwinds (it cut the
            # removal short once, leaving the half-made project beside the destination); that
            # second stop is delivered right after.
            with signals_deferred():
                shutil.rmtree(staging, ignore_errors=True)


#: Characters HFS+ ignores in names (git's is_hfs_dotgit): `.g\u200cit` is `.git` there.
_IGNORED_BY_HFS = dict.fromkeys([*range(0x200C, 0x2010), *range(0x202A, 0x202F),
                                 *range(0x206A, 0x2070), 0xFEFF])


def is_git_folder_name(name: str) -> bool:
    """Whether some file system (case-insensitive, NTFS, HFS+) opens `name` as `.git`: `.GIT`,
    `.git.`, `.git `, `.git::$INDEX_ALLOCATION`, its 8.3 short name `GIT~1`, `.g\u200cit`."""
    folded = name.translate(_IGNORED_BY_HFS).casefold().split(":", 1)[0].rstrip(" .")
    return folded in (".git", "git~1")


def _refuse_git_folders(source: TemplateSource, staging: Path) -> None:
    """A rendered `.git` (a folder named `{{ ".git" }}` escapes copier's exclude list) would hand
    git a configuration that runs commands on the first `git add` or `git status`."""
    for folder, dirs, files in os.walk(staging):
        for name in [*dirs, *files]:
            if is_git_folder_name(name):
                found = (Path(folder) / name).relative_to(staging)
                raise TemplateRefused(source.url, f"it renders {found.as_posix()!r}, which git "
                                      "reads as a .git folder and would run commands from")


def _copy(source: TemplateSource, answers: dict[str, Any], staging: Path, trust: bool) -> None:
    # imported here: copier (and jinja2) are slow to import and only `new` and `update` need them
    import jinja2
    from copier import run_copy
    from copier.errors import CopierError, UnsafeTemplateError

    try:
        with hardened_environment():
            run_copy(source.url, staging, data=answers, defaults=True, quiet=True,
                     overwrite=True, unsafe=trust, vcs_ref=source.vcs_ref)
    except KeyboardInterrupt:
        raise
    except UnsafeTemplateError:
        raise UntrustedTemplate(f"--template-source {source.url}") from None
    except CopierError as error:  # copier's own refusals: forbidden paths, bad config, tasks
        raise TemplateRefused(source.url, str(error).splitlines()[0] if str(error)
                              else error.__class__.__name__) from None
    except jinja2.TemplateError as error:  # a broken file in the template
        raise TemplateRefused(source.url, f"its Jinja failed: {error.__class__.__name__}"
                              ) from None
    except OSError as error:  # a file name too long, a disk full
        raise TemplateRefused(source.url, f"a file could not be written: {error.strerror}"
                              ) from None
    if source.bundled:
        _record_cached_source(source, staging)


def _verify_answers_file(source: TemplateSource, path: Path) -> None:
    """The staged render is whole: its answers file (bundled templates always write one) reads
    back as a mapping."""
    if not source.bundled and not path.exists():
        return
    try:
        recorded = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError):
        recorded = None
    if not isinstance(recorded, dict):
        raise TemplateRefused(source.url, f"it wrote no readable {path.name}")


def _record_cached_source(source: TemplateSource, staging: Path) -> None:
    """Name the bundled template logically in the answers file, and keep its files for update."""
    from prefect_scaffold.catalog.cache import snapshot

    from .answers_file import record_bundled

    answers_file = staging / source.template.settings.get("_answers_file", ".copier-answers.yml")
    record_bundled(answers_file, source.template.name, snapshot(source.template))
