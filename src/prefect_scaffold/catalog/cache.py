"""A local store of the bundled template versions projects were rendered from, for `update`.

copier's three-way update needs the template exactly as it was when a project was rendered. Every
`new` therefore keeps a copy of the bundled template it rendered, one folder per content tag
(`<scaffolder version>+g<content hash>`) under the cache folder. A version missing here (another
machine, an emptied cache) is reconstructed by template_history.py and stored here too.

Each copy is built aside and renamed into place, so an interrupted or killed store leaves either
the whole version or nothing under its name (plus a `.building-*` folder the next store removes);
every read re-hashes the copy, so a damaged one is detected, dropped and rebuilt.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from prefect_scaffold._version import __version__

from .registry import Template

_VERSIONS = "template-versions"  #: the cache's folder of stored template versions
_BUILDING = ".building-"  #: prefix of a version still being copied in (or killed while copied)


def cache_root() -> Path:
    if explicit := os.environ.get("PREFECT_SCAFFOLD_CACHE"):
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "prefect-scaffold"


def content_hash(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if "__pycache__" in path.parts:
            continue
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


def content_tag(template: Template) -> str:
    """`<version>+g<hash>`: a PEP 440 version that changes whenever the template's files do."""
    return f"{__version__}+g{content_hash(template.path)}"


def tag_matches(folder: Path, tag: str) -> bool:
    """Whether `folder` holds exactly the files `tag` was computed from."""
    return tag.rpartition("+g")[2] == content_hash(folder)


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two `new` runs may store at once; a killed one unlocks
        yield


def _folder(name: str, tag: str) -> Path:
    return cache_root() / _VERSIONS / name / tag


def cached(name: str, tag: str) -> Path | None:
    """The stored copy of template `name` at `tag`, if it is there and intact."""
    folder = _folder(name, tag)
    if not folder.is_dir():
        return None
    if tag_matches(folder, tag):
        return folder
    with _locked(folder.parent):
        shutil.rmtree(folder, ignore_errors=True)  # damaged by hand or by the disk: rebuild
    return None


def store(name: str, source: Path, tag: str) -> Path:
    """Copy `source` (the files of template `name` at `tag`) into the cache; its stored path."""
    folder = _folder(name, tag)
    # A store killed between its rename and its cleanup leaves an empty building folder beside a
    # whole version: clean that up too, not only half-built ones.
    if cached(name, tag) is not None and not any(folder.parent.glob(f"{_BUILDING}*")):
        return folder
    with _locked(folder.parent):
        for leftover in folder.parent.glob(f"{_BUILDING}*"):
            shutil.rmtree(leftover, ignore_errors=True)  # a store killed midway; we hold the lock
        if folder.is_dir():  # stored by a concurrent run while we waited for the lock
            return folder
        building = Path(tempfile.mkdtemp(prefix=_BUILDING, dir=folder.parent))
        try:
            shutil.copytree(source, building / "t", ignore=shutil.ignore_patterns("__pycache__"))
            os.rename(building / "t", folder)  # one step: the version appears whole or not at all
        finally:
            shutil.rmtree(building, ignore_errors=True)
    return folder


def snapshot(template: Template) -> str:
    """Store the installed bundled `template`; its content tag."""
    tag = content_tag(template)
    store(template.name, template.path, tag)
    return tag
