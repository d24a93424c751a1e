"""A local git history of the bundled templates, so `update` can diff old and new versions.

An installed template is a plain folder, but copier's three-way update needs the version a project
was rendered from. Each bundled template is therefore committed, once per distinct content, to a git
repository under the cache folder and tagged `<scaffolder version>+g<content hash>`; rendered
projects record that repository and tag in `.copier-answers.yml` (`_src_path`, `_commit`). An update
on the same machine (or CI with the cache restored) finds both versions there.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from . import __version__
from .registry import Template

_REPOS = "prefect-scaffold-templates"  #: the cache's folder of template repositories
_GIT_IDENTITY = ["-c", "user.name=prefect-scaffold", "-c",
                 "user.email=prefect-scaffold@localhost", "-c", "commit.gpgsign=false", "-c",
                 "tag.gpgsign=false"]


def cache_root() -> Path:
    if explicit := os.environ.get("PREFECT_SCAFFOLD_CACHE"):
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "prefect-scaffold"


def content_tag(template: Template) -> str:
    """`<version>+g<hash>`: a PEP 440 version that changes whenever the template's files do."""
    digest = hashlib.sha256()
    for path in sorted(p for p in template.path.rglob("*") if p.is_file()):
        if "__pycache__" in path.parts:
            continue
        digest.update(path.relative_to(template.path).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return f"{__version__}+g{digest.hexdigest()[:12]}"


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *_GIT_IDENTITY, *args], cwd=repo, capture_output=True,
                          text=True, check=False)


@contextmanager
def _locked(repo: Path) -> Iterator[None]:
    repo.parent.mkdir(parents=True, exist_ok=True)
    with open(repo.parent / f".{repo.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two `new` runs may snapshot at once
        yield


def snapshot(template: Template) -> tuple[Path, str]:
    """The cache repository and tag holding exactly `template`'s current files."""
    repo = cache_root() / _REPOS / template.name
    tag = content_tag(template)
    with _locked(repo):
        if (repo / ".git").is_dir() and _git(repo, "rev-parse", "-q", "--verify",
                                             f"refs/tags/{tag}").returncode == 0:
            return repo, tag
        repo.mkdir(parents=True, exist_ok=True)
        if not (repo / ".git").is_dir():
            _git(repo, "init", "-q")
        for entry in repo.iterdir():
            if entry.name != ".git":
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        shutil.copytree(template.path, repo, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("__pycache__"))
        message = f"{template.name} {tag}"
        for step in (["add", "-A"], ["commit", "-q", "--allow-empty", "-m", message], ["tag", tag]):
            result = _git(repo, *step)
            if result.returncode != 0:
                raise RuntimeError(f"git {' '.join(step)} in {repo}: {result.stderr.strip()}")
    return repo, tag


def is_cached_source(src_path: str) -> bool:
    """Whether an answers file's `_src_path` is a bundled template's cache, on any machine.

    The cache folder differs between machines (a laptop's home, a CI runner's), so the path is
    recognized by its shape: `.../prefect-scaffold-templates/<name>`.
    """
    return Path(src_path).parent.name == _REPOS
