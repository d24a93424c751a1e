"""Which project files `check` reads: inside the project, bounded in depth, count and size."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from prefect_scaffold.project_files import MAX_FILE_BYTES, is_inside

__all__ = ["MAX_DIR_DEPTH", "MAX_FILES", "MAX_FILE_BYTES", "SKIPPED_DIRS", "is_inside",
           "project_files"]

SKIPPED_DIRS = {".git", ".venv", "venv", "node_modules", "__pycache__", ".tox", "dist", "build",
                ".mypy_cache", ".ruff_cache", ".pytest_cache", ".terraform"}
MAX_DIR_DEPTH = 12
MAX_FILES = 5_000


def project_files(root: Path, *suffixes: str) -> Iterator[Path]:
    """Files under `root` with one of `suffixes`, skipping virtualenvs, caches and VCS folders.

    Symlinked folders are not entered (no loops, nothing outside the project), symlinked files
    only when they point inside `root`; at most MAX_DIR_DEPTH levels and MAX_FILES files.
    """
    found = 0
    stack = [(root, 0)]
    while stack:
        folder, depth = stack.pop()
        try:
            entries = sorted(folder.iterdir())
        except OSError:
            continue
        subfolders = []
        for entry in entries:
            if entry.is_symlink() and (entry.is_dir() or not is_inside(entry, root)):
                continue
            if entry.is_dir():
                if depth < MAX_DIR_DEPTH and (entry.name == ".github" or (
                        entry.name not in SKIPPED_DIRS and not entry.name.startswith("."))):
                    subfolders.append((entry, depth + 1))
            elif entry.suffix in suffixes and entry.is_file():
                found += 1
                if found > MAX_FILES:
                    return
                yield entry
        stack.extend(reversed(subfolders))  # depth first, in name order


def install_hint(package: str, file: str) -> str:
    """How to install a validator `check` lacks, in the terms of the project `file` is in: a uv
    project (uv.lock, or [tool.uv] in pyproject.toml) has no pip in its environment."""
    for folder in Path(file).absolute().parents:
        pyproject = folder / "pyproject.toml"
        if (folder / "uv.lock").is_file() or (
                pyproject.is_file() and "[tool.uv]" in pyproject.read_text(errors="replace")):
            return (f"uv add --dev {package}, or run check with "
                    f"uvx --with {package} prefect-scaffold check")
        if pyproject.is_file() or (folder / ".git").exists():
            break
    return f"pip install {package}"
