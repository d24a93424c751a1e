"""Answer `check` on an unchanged project from a cache, so it is cheap enough for pre-commit.

The key is a hash of everything the answer depends on: the files `check` may read (YAML, JSON,
shell, Python, Dockerfiles, content hashed), how they are named in findings, `--pool-type`, and
the versions of prefect-scaffold, Prefect and the installed worker packages (their templates and
step signatures are part of the answer). Nothing here imports prefect. `--api` is never cached:
the live pools can change without the project changing. Entries live under the user cache folder
(`PREFECT_SCAFFOLD_CACHE`, else `$XDG_CACHE_HOME` or `~/.cache`, then `prefect-scaffold/check`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from pathlib import Path

from prefect_scaffold._version import __version__

from .files import MAX_FILE_BYTES, MAX_FILES, project_files
from .report import Finding, Report

#: Distributions whose versions change what `check` reports.
PACKAGES = ("prefect", "prefect-kubernetes", "prefect-aws", "prefect-docker", "prefect-gcp",
            "prefect-azure", "kubernetes-validate", "botocore", "jsonschema")
SUFFIXES = (".yaml", ".yml", ".json", ".sh", ".py", ".toml", ".cfg", ".txt", ".dockerfile",
            ".Dockerfile")
FORMAT = 2  #: bump when the stored shape changes


def folder() -> Path:
    from prefect_scaffold.catalog.cache import cache_root

    return cache_root() / "check"


def versions() -> list[str]:
    from importlib import metadata  # here: importing the package (and --help) stays fast

    found = [f"prefect-scaffold=={__version__}", f"format={FORMAT}"]
    for name in PACKAGES:
        try:
            found.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name} absent")
    return found


def key(root: Path, shown: str, pool_type: str | None, deploy_root: Path | None = None,
        outside: list[Path] | None = None) -> str | None:
    """The cache key of `check` on `root` (shown in findings as `shown`) with entrypoints resolved
    from `deploy_root`, whose entrypoint files `outside` the project are hashed too; None when the
    project has more files than `check` walks (a change past the cap would go unnoticed)."""
    inputs = _inputs(root)
    if inputs is None:
        return None
    digest = hashlib.sha256()
    for part in [*versions(), shown, pool_type or "", str(deploy_root or root)]:
        digest.update(part.encode() + b"\0")
    anchor = (deploy_root or root).resolve()
    for file in outside or []:
        if file.resolve().is_relative_to(root.resolve()):
            continue  # hashed with the project's files
        digest.update(str(file.resolve().relative_to(anchor)).encode() + b"\0")
        digest.update(hashlib.sha256(_content(file)).digest())
    for file in sorted(inputs):
        digest.update(str(file.relative_to(root)).encode() + b"\0")
        digest.update(hashlib.sha256(_content(file)).digest())
    return digest.hexdigest()


def _content(file: Path) -> bytes:
    try:
        return file.read_bytes() if file.stat().st_size <= MAX_FILE_BYTES else b"(large)"
    except OSError:
        return b"(unreadable)"


def _inputs(root: Path) -> list[Path] | None:
    files = list(project_files(root, *SUFFIXES, ""))
    if len(files) >= MAX_FILES:
        return None
    return [p for p in files if p.suffix or p.name.startswith("Dockerfile")]


def load(cache_key: str) -> Report | None:
    try:
        stored = json.loads((folder() / f"{cache_key}.json").read_text(encoding="utf-8"))
        return Report([Finding(**f) for f in stored["findings"]], list(stored["checked"]),
                      str(stored["deploy_root"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None  # absent, or written by another version: check afresh


def store(cache_key: str, report: Report) -> None:
    write_atomically(folder() / f"{cache_key}.json", json.dumps(report.as_dict()))


def write_atomically(target: Path, text: str) -> None:
    """A concurrent `check` reads the old entry or the new, never half of one; a write that
    fails or is interrupted leaves no temporary file behind."""
    temporary = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, target)
        temporary = None
    except OSError:
        pass  # a read-only or full cache folder only costs speed
    finally:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
