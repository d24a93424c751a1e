"""Start a rendered project's git history: one initial commit of exactly the rendered files.

The rendered build steps tag images with `git rev-parse --short HEAD` and `update` needs a clean
checkout, so a project without a commit fails its first `prefect deploy`. `new` therefore commits
unless told not to, or unless the destination already lives in someone's work tree (then the
user's repository decides what gets committed, and we say so).
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from prefect_scaffold import hardened_git
from prefect_scaffold.hardened_git import LOCAL_EMAIL, LOCAL_NAME

#: The branch every new repository starts on; the rendered workflows and pull steps name it.
DEFAULT_BRANCH = "main"
START_BY_HAND = "git init -b main && git add -A && git commit -m 'Initial commit'"


@dataclass(frozen=True)
class GitOutcome:
    committed: bool
    message: str  #: one line for the user: what happened, and the fix when nothing did


def _git(*args: str, cwd: Path, identity: bool = False) -> subprocess.CompletedProcess[str]:
    return hardened_git.run(*args, cwd=cwd, identity=identity)


def enclosing_work_tree(path: Path) -> Path | None:
    """The top of the git work tree `path` (or its nearest existing parent) is inside, if any."""
    if shutil.which("git") is None:
        return None
    path = path.absolute()
    while not path.is_dir():
        path = path.parent
    result = _git("rev-parse", "--show-toplevel", cwd=path)
    return Path(result.stdout.strip()) if result.returncode == 0 else None


def initial_commit(project: Path, template: str) -> GitOutcome:
    """`git init` in `project` and commit everything in it, with the user's identity if git has
    one, else with a local `prefect-scaffold` identity the user can amend.

    No hook runs (hardened_git): the commit holds exactly what the template rendered, and a
    repository's hooks are the user's to run on it afterwards."""
    if shutil.which("git") is None:
        return GitOutcome(False, f"git: not found on PATH, so no repository was made; "
                                 f"install git, then run: {START_BY_HAND}")
    # `main` whatever init.defaultBranch says (git's own default is still `master`): the rendered
    # deploy workflows trigger on `main` and `code_storage=git` pulls branch `main`.
    anonymous = hardened_git.user_identity(project) is None
    steps = (["init", "--quiet", f"--initial-branch={DEFAULT_BRANCH}"], ["add", "--all"],
             ["commit", "--quiet", "-m",
              f"Initial commit: rendered by prefect-scaffold (template {template})"])
    for step in steps:
        result = _git(*step, cwd=project, identity=step[0] == "commit")
        if result.returncode != 0:
            problem = (result.stderr.strip().splitlines() or ["failed"])[-1]
            verb = next(word for word in step if word in ("init", "add", "commit"))
            return GitOutcome(False, f"git {verb}: "
                                     f"{problem}; make the first commit yourself: "
                                     f"{START_BY_HAND}")
    head = _git("rev-parse", "--short", "HEAD", cwd=project).stdout.strip()
    if anonymous:
        return GitOutcome(True, f"git: initial commit {head} as {LOCAL_NAME} <{LOCAL_EMAIL}> "
                                "(no user.name/user.email configured; "
                                "`git commit --amend --reset-author` makes it yours)")
    return GitOutcome(True, f"git: initial commit {head} of the rendered files")
