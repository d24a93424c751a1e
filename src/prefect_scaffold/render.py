"""Render a template into a destination atomically: stage in a temporary folder, then swap in.

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

from .errors import DestinationRefused, UntrustedTemplate
from .sources import TemplateSource


@dataclass(frozen=True)
class RenderResult:
    destination: Path
    files: tuple[Path, ...]  #: relative to destination, sorted
    written: bool  #: False for a dry run


def _nearest_existing(path: Path) -> Path:
    while not path.exists():
        path = path.parent
    return path


def check_destination(destination: Path, *, force: bool) -> None:
    """Refuse destinations we must not write into; raises DestinationRefused."""
    destination = destination.absolute()
    if destination.exists() and not destination.is_dir():
        raise DestinationRefused(destination, "is a file", "choose a directory")
    protected = {Path("/"), Path.home().absolute(), _checkout_root()}
    if destination in protected and not force:
        raise DestinationRefused(destination, "is /, your home directory or prefect-scaffold's "
                                 "own checkout", "choose a new directory (or pass --force)")
    if destination.is_dir() and any(destination.iterdir()) and not force:
        raise DestinationRefused(destination, "exists and is not empty",
                                 "choose a new directory, or pass --force to overwrite "
                                 "the template's files in it")
    existing = _nearest_existing(destination)
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise DestinationRefused(destination, f"{existing} is not writable",
                                 "choose a directory you can write to")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _checkout_root() -> Path:
    return Path(__file__).resolve().parents[2]


def render(source: TemplateSource, answers: dict[str, Any], destination: Path, *,
           force: bool = False, dry_run: bool = False, trust: bool = False) -> RenderResult:
    """Render `source` with `answers` (already validated) into `destination`."""
    # imported here: copier is slow to import and only `new` and `update` need it
    from copier import run_copy
    from copier.errors import UnsafeTemplateError

    destination = destination.absolute()
    check_destination(destination, force=force)
    staging_parent = _nearest_existing(destination.parent)
    try:
        staging = Path(tempfile.mkdtemp(prefix=".prefect-scaffold-", dir=staging_parent))
    except OSError as error:
        raise DestinationRefused(destination, f"cannot write in {staging_parent} "
                                 f"({error.strerror})", "choose a directory you can write to"
                                 ) from None
    staging.chmod(0o777 & ~_umask())  # mkdtemp makes it private; the project should not be
    try:
        try:
            run_copy(source.url, staging, data=answers, defaults=True, quiet=True,
                     overwrite=True, unsafe=trust, vcs_ref=source.vcs_ref)
        except UnsafeTemplateError:
            raise UntrustedTemplate(f"--template-source {source.url}") from None
        if source.bundled:
            _record_cached_source(source, staging)
        files = tuple(sorted(p.relative_to(staging) for p in staging.rglob("*") if p.is_file()))
        if not dry_run:
            _swap_in(staging, destination)
        return RenderResult(destination, files, written=not dry_run)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _record_cached_source(source: TemplateSource, staging: Path) -> None:
    """Point the answers file at the cached, tagged copy of the bundled template (for update)."""
    from .template_cache import snapshot

    repo, tag = snapshot(source.template)
    answers_file = staging / source.template.settings.get("_answers_file", ".copier-answers.yml")
    text = answers_file.read_text()
    header = "".join(line + "\n" for line in text.splitlines() if line.startswith("#"))
    recorded = yaml.safe_load(text)
    answers = {"_commit": tag, "_src_path": str(repo),
               **{k: v for k, v in recorded.items() if k not in ("_commit", "_src_path")}}
    answers_file.write_text(header + yaml.safe_dump(answers, sort_keys=False, allow_unicode=True))


def _swap_in(staging: Path, destination: Path) -> None:
    if destination.is_dir() and not any(destination.iterdir()):
        destination.rmdir()
    if not destination.exists():
        destination.parent.mkdir(parents=True, exist_ok=True)
        staging.rename(destination)  # one atomic step: the project appears whole or not at all
        return
    for source in sorted(staging.rglob("*")):
        target = destination / source.relative_to(staging)
        if source.is_dir():
            target.mkdir(exist_ok=True)
        else:
            os.replace(source, target)
