"""Which destinations a project may be rendered into; checked before anything is asked or written.

Paths are compared after normalisation (`~` expanded, `..` and symlinks resolved), so `~/x/..` is
the home directory and a symlink to `/` is `/`. Protected places are refused even with `--force`:
`--force` means "overwrite the template's files here", never "write over my home directory".
"""

from __future__ import annotations

import os
from pathlib import Path

from prefect_scaffold.errors import DestinationRefused


def _nearest_existing(path: Path) -> Path:
    while not path.exists():
        path = path.parent
    return path


def _package_dir() -> Path:
    return Path(__file__).resolve().parents[1]  # prefect_scaffold/; this module is in writing/


def _checkout_root() -> Path | None:
    """The source checkout prefect-scaffold runs from (an editable install), if any."""
    root = _package_dir().parents[1]
    is_checkout = (root / "pyproject.toml").is_file() and (root / "templates").is_dir()
    return root if is_checkout else None


def _protected() -> list[tuple[Path, str, bool]]:
    """(path, what it is, whether everything inside it is protected too)."""
    from prefect_scaffold.catalog.cache import (
        cache_root,  # read-only: where snapshots are rebuilt from scratch
    )

    places = [(Path("/"), "/", False), (Path.home().resolve(), "your home directory", False),
              (_package_dir(), "prefect-scaffold's installed package", True),
              (cache_root().expanduser().resolve(), "prefect-scaffold's template cache", True)]
    if (checkout := _checkout_root()) is not None:
        places.append((checkout, "prefect-scaffold's own checkout", True))
    return places


def normalise(destination: Path) -> Path:
    """The absolute destination with `~`, `..` and symlinks resolved."""
    return destination.expanduser().resolve()


def check_destination(destination: Path, *, force: bool) -> None:
    """Refuse destinations we must not write into; raises DestinationRefused."""
    try:
        _check(destination, force=force)
    except OSError as error:  # a name too long, a symlink loop, a folder we cannot list
        raise DestinationRefused(destination, f"cannot be used ({error.strerror})",
                                 "choose another directory") from None


def _check(destination: Path, *, force: bool) -> None:
    if destination.is_symlink() and not destination.exists():
        raise DestinationRefused(destination, "is a dangling symlink",
                                 "remove it or choose a new directory")
    resolved = normalise(destination)
    for place, what, inside in _protected():
        if resolved == place or (inside and resolved.is_relative_to(place)):
            where = "is" if resolved == place else "is inside"
            raise DestinationRefused(destination, f"{where} {what}",
                                     "choose a new directory (--force does not change this)")
    if resolved.exists() and not resolved.is_dir():
        raise DestinationRefused(destination, "is a file", "choose a directory")
    if resolved.is_dir() and any(resolved.iterdir()) and not force:
        raise DestinationRefused(destination, "exists and is not empty",
                                 "choose a new directory, or pass --force to overwrite "
                                 "the template's files in it")
    existing = _nearest_existing(resolved)
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise DestinationRefused(destination, f"{existing} is not writable",
                                 "choose a directory you can write to")
