"""Move a staged render into its destination all-or-nothing, one render per destination at a time.

A new destination appears by one rename of the staging folder. Into an existing one (`--force`),
every file the template writes first moves its old version to a rollback folder; if anything fails
the old files come back, and Ctrl-C / SIGTERM are held off while files move, so the destination
ends either as it was or fully rendered, never a mix. The answers file moves last: should the
machine die mid-swap, `update` still sees the version the other files came from.

Two renders into one destination are serialised by an exclusive lock on a file beside it; the
second is refused at once rather than interleaving two projects.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from prefect_scaffold.errors import DestinationRefused

_HELD_SIGNALS = {signal.SIGINT, signal.SIGTERM}

#: Whether this command has changed its destination for good (a swap, an adoption, a switch
#: commit succeeded). From then on Ctrl-C and SIGTERM no longer stop it: it finishes (exit 0)
#: rather than end halfway after the point of no return, or claim that nothing was written.
_written = False
#: A Ctrl-C or SIGTERM whose exception Python swallowed: raised while a finalizer ran (some
#: object's `__del__`, a weakref callback), it is only printed as "Exception ignored" and the
#: command would run on as if the user had not stopped it.
_swallowed: BaseException | None = None


def written() -> bool:
    return _written


def start_command() -> None:
    global _written, _swallowed
    _written = False
    _swallowed = None


def swallowed(stop: BaseException | None) -> None:
    """Remember a stop a finalizer swallowed (see `stop_if_swallowed`); None forgets it."""
    global _swallowed
    _swallowed = stop


def stop_if_swallowed() -> None:
    """Raise the stop a finalizer swallowed, before the command changes anything for good."""
    global _swallowed
    stop, _swallowed = _swallowed, None
    if stop is not None:
        raise stop


def stages_inside(destination: Path) -> bool:
    """Whether to stage (and lock) inside the existing destination rather than beside it: when
    its parent is not ours to write (a container's /app) or is another file system (a mount
    point, which a rename cannot cross)."""
    if not destination.is_dir():
        return False
    parent = destination.parent
    return (not os.access(parent, os.W_OK | os.X_OK)
            or destination.stat().st_dev != parent.stat().st_dev)


@contextlib.contextmanager
def locked(destination: Path) -> Iterator[None]:
    """Hold an exclusive lock on `destination` (which need not exist) or refuse at once."""
    if stages_inside(destination):
        with _directory_locked(destination):
            yield
        return
    lock_path = destination.parent / f".{destination.name}.prefect-scaffold.lock"
    taken: tuple[IO[str], list[Path]] | None = None
    try:
        with signals_deferred():  # a lock file is never left behind half-taken
            taken = _acquire(destination, lock_path)
        yield
    finally:
        if taken is not None:
            with signals_deferred():
                lock_path.unlink(missing_ok=True)  # while still holding it (see _acquire)
                taken[0].close()
                if not destination.exists():
                    _remove_dirs(taken[1])


@contextlib.contextmanager
def _directory_locked(destination: Path) -> Iterator[None]:
    descriptor = os.open(destination, os.O_RDONLY | os.O_DIRECTORY)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise _busy(destination) from None
        yield
    finally:
        os.close(descriptor)


def _busy(destination: Path) -> DestinationRefused:
    return DestinationRefused(destination, "another prefect-scaffold is rendering into it",
                              "wait for it to finish, then try again")


def _acquire(destination: Path, lock_path: Path) -> tuple[IO[str], list[Path]]:
    created: list[Path] = []
    try:
        created = _make_parents(lock_path.parent)
        handle = open(lock_path, "a")  # noqa: SIM115 - closed by locked()
    except OSError as error:
        _remove_dirs(created)
        raise DestinationRefused(destination, f"cannot be locked ({error.strerror})",
                                 "choose a directory you can write to") from None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        # The holder before us may have unlinked the file after we opened it: that lock file no
        # longer guards anything, and the render it guarded may still be running.
        if os.fstat(handle.fileno()).st_ino != os.stat(lock_path).st_ino:
            raise BlockingIOError
    except (BlockingIOError, FileNotFoundError):
        handle.close()
        raise _busy(destination) from None
    return handle, created


def _make_parents(folder: Path) -> list[Path]:
    """Create `folder` and its missing parents; the ones created, deepest first."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    made: list[Path] = []
    try:
        for path in reversed(missing):
            path.mkdir()
            made.insert(0, path)
    except OSError:
        _remove_dirs(made)
        raise
    return made


def _remove_dirs(folders: list[Path]) -> None:
    for folder in folders:  # deepest first
        with contextlib.suppress(OSError):
            folder.rmdir()


@contextlib.contextmanager
def signals_deferred() -> Iterator[None]:
    """Deliver Ctrl-C and SIGTERM only after the block: for steps that must not stop halfway."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


@contextlib.contextmanager
def signals_held(*, commits: bool = False) -> Iterator[None]:
    """Hold off Ctrl-C and SIGTERM while files move, or a new project's first commit is made
    (milliseconds; child processes inherit the mask, so git is not cut off halfway either).

    If the block fails, they are delivered afterwards, once the rollback is done. If it succeeds,
    the render is complete: a signal that came meanwhile is dropped rather than reported as
    "interrupted; nothing was written", which would then be false.
    """
    global _written
    if commits:
        stop_if_swallowed()
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD_SIGNALS)
    try:
        yield
        if commits:
            _written = True  # before the signals are let through: no instant between the two
        for signum in signal.sigpending() & _HELD_SIGNALS:
            signal.sigwait({signum})
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def swap_in(staging: Path, destination: Path, answers_file: str) -> None:
    """Move every file of `staging` into `destination` (locked by the caller), all or nothing."""
    staged = sorted(p for p in staging.rglob("*") if not p.is_dir())
    answers = staging / answers_file
    staged.sort(key=lambda p: p == answers)  # the answers file last
    _verify(staging, staged, destination)
    with signals_held(commits=True):
        if destination.is_dir() and not any(destination.iterdir()):
            destination.rmdir()
        if not destination.exists():
            try:
                staging.rename(destination)  # the project appears whole or not at all
            except OSError as error:  # someone created it meanwhile, without our lock
                raise DestinationRefused(destination, f"changed while rendering "
                                         f"({error.strerror})", "try again") from None
            return
        _replace_files(staging, staged, destination)


def _verify(staging: Path, staged: list[Path], destination: Path) -> None:
    """Refuse before moving anything when a staged file cannot take its place.

    A symlinked folder on the way would carry the write outside the destination.
    """
    for source in staged:
        relative = source.relative_to(staging)
        target = destination / relative
        for folder in list(relative.parents)[:-1]:  # each folder between destination and file
            path = destination / folder
            if path.is_symlink() or (path.exists() and not path.is_dir()):
                raise DestinationRefused(destination, f"{folder} is in the way (a symlink or a "
                                         "file where the template has a folder)",
                                         "move it aside, then try again")
        if target.is_dir() and not target.is_symlink():
            raise DestinationRefused(destination, f"{relative} is a folder where the template "
                                     "has a file", "move it aside, then try again")


def _replace_files(staging: Path, staged: list[Path], destination: Path) -> None:
    rollback = Path(tempfile.mkdtemp(prefix=".prefect-scaffold-rollback-", dir=staging.parent))
    moved: list[tuple[Path, Path | None]] = []  # (target, its old version in rollback)
    created: list[Path] = []
    try:
        for source in staged:
            relative = source.relative_to(staging)
            target = destination / relative
            created += reversed(_make_parents(target.parent))
            old = None
            if os.path.lexists(target):
                old = rollback / relative
                old.parent.mkdir(parents=True, exist_ok=True)
                os.replace(target, old)
            moved.append((target, old))
            os.replace(source, target)
    except BaseException:
        try:
            for target, old in reversed(moved):
                target.unlink(missing_ok=True)
                if old is not None:
                    os.replace(old, target)
        except OSError as error:  # keep the old files where they are, and say where
            raise DestinationRefused(destination, f"a failed render could not be undone "
                                     f"({error.strerror})", f"your previous files are in "
                                     f"{rollback}") from None
        _remove_dirs(list(reversed(created)))
        shutil.rmtree(rollback, ignore_errors=True)
        raise
    shutil.rmtree(rollback, ignore_errors=True)
