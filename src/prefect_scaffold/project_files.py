"""Reading and writing a user's project without leaving it: the one way adopt, switch, update,
status and check touch the files of a repository.

A repository is someone else's content (a colleague's clone, a pull request): `pyproject.toml ->
../secret/creds` must not be read into a diff, `flows -> ../outside` must not be written through,
a dangling `README.md -> ../elsewhere/README.md` must not create its target, and a FIFO or
/dev/zero must not hang or exhaust a read. Every path is checked component by component, symlinks
resolved, before it is opened; reads stop at a size cap.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import ProjectFileRefused

#: Largest project file read (prefect.yaml, serve.py, Helm values): real ones are kilobytes.
MAX_FILE_BYTES = 2 * 1024 * 1024


def is_inside(path: Path, root: Path) -> bool:
    """Whether `path`, symlinks resolved, is within `root`."""
    try:
        return path.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):  # a symlink loop
        return False


def inside(root: Path, relative: Path | str) -> Path:
    """`root / relative` once every component of it is known to stay in `root`: raises
    ProjectFileRefused for a symlink out of it, a dangling or looping symlink, or something that
    is neither a file nor a folder (a FIFO, a device, a socket)."""
    relative = Path(relative)
    if relative.is_absolute() or ".." in relative.parts:
        raise ProjectFileRefused(root / relative, "is not a path inside the project")
    real_root = root.resolve()
    path = root
    for part in relative.parts:
        path = path / part
        if path.is_symlink():
            try:
                target = path.resolve(strict=True)
            except (OSError, RuntimeError):
                raise ProjectFileRefused(path, "is a dangling symlink") from None
            if not target.is_relative_to(real_root):
                raise ProjectFileRefused(path, "is a symlink to outside the project")
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return path
    except OSError as problem:
        raise ProjectFileRefused(path, f"cannot be read ({problem.strerror})") from None
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        raise ProjectFileRefused(path, "is not a regular file (a FIFO, device or socket)")
    return path


def is_file(root: Path, relative: Path | str) -> bool:
    return inside(root, relative).is_file()


def exists(root: Path, relative: Path | str) -> bool:
    return inside(root, relative).exists()


def read_bytes(root: Path, relative: Path | str, limit: int = MAX_FILE_BYTES) -> bytes:
    """The content of a project file, refused past `limit` bytes (FileNotFoundError if none)."""
    path = inside(root, relative)
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except FileNotFoundError:
        raise
    except IsADirectoryError:
        raise ProjectFileRefused(path, "is a folder, not a file") from None
    except OSError as problem:
        raise ProjectFileRefused(path, f"cannot be read ({problem.strerror})") from None
    if len(data) > limit:
        raise ProjectFileRefused(path, f"is larger than {limit // 2**20} MiB, the most "
                                 "prefect-scaffold reads of a project file")
    return data


def read_text(root: Path, relative: Path | str, limit: int = MAX_FILE_BYTES) -> str:
    """A project file as UTF-8 text (UnicodeDecodeError when it is not)."""
    return read_bytes(root, relative, limit).decode()


def write_bytes(root: Path, relative: Path | str, data: bytes, mode: int | None = None) -> None:
    """Write a project file, creating its folders, never through a symlink out of `root`."""
    path = inside(root, relative)
    folder = path.parent
    missing = []
    while not folder.exists() and folder != root:
        missing.append(folder)
        folder = folder.parent
    for created in reversed(missing):
        created.mkdir()
    path = path.resolve()  # a symlink inside the project is written through, as before
    # O_NOFOLLOW: a symlink swapped in since the check is refused by the kernel, not followed.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o666)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
        if mode is not None:  # a rendered script keeps its executable bit
            os.fchmod(handle.fileno(), stat.S_IMODE(mode))


def unlink(root: Path, relative: Path | str) -> None:
    inside(root, relative).unlink()
