"""Every git command prefect-scaffold runs, copier's included, under one configuration that no
file from a template, an answers file or a repository can turn into a command.

git reads commands out of its configuration: `core.fsmonitor` on `git add`/`status`, hooks on
`commit`, `gpg.program` when signing, a pager, an editor, a credential helper, `core.askPass`,
`core.sshCommand`. Diff and merge drivers (`diff.*.command`, `textconv`, `merge.*.driver`) run
only for porcelain diffs and merges, which neither we nor copier run (copier uses diff-tree,
apply and merge-file): tests/day2/test_hostile_git_config.py configures them to prove it.
The system and global files are skipped (a shared machine's or a CI image's), and the keys that
name a command are overridden through GIT_CONFIG_COUNT, which beats every config file, the
repository's own `.git/config` included. Aliases never shadow git's built-in commands, and those
are the only ones we run. Transports are limited to the ones a template source may use
(catalog/sources.py): `ext::` and unknown helpers are never allowed.

The user's identity is the one thing read from their configuration, and only where we commit.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

#: The identity of a commit when git has none configured: clearly not a person.
LOCAL_NAME = "prefect-scaffold"
LOCAL_EMAIL = "prefect-scaffold@localhost"

PROTOCOLS = ("file", "https", "http", "ssh", "git")

#: Config keys whose value git runs (or that make it run something), and what they become.
_NEUTRALISED = {
    "core.fsmonitor": "false",
    "core.hooksPath": os.devnull,  # no hook of any repository runs, `--no-verify` or not
    "core.pager": "cat",
    "core.editor": "true",
    "sequence.editor": "true",
    "core.sshCommand": "ssh",
    "core.gitProxy": "none",
    "credential.helper": "",  # an empty value clears the list of helpers
    "core.askPass": "",  # asked for a password, git runs no program (GIT_ASKPASS below too)
    "commit.gpgSign": "false",
    "tag.gpgSign": "false",
    "safe.bareRepository": "explicit",  # a bare repository hidden in a tree is not entered
    "submodule.recurse": "false",  # no checkout, switch or grep goes into submodules
    "protocol.allow": "never",
    **{f"protocol.{name}.allow": "always" for name in PROTOCOLS},
}


def environment(*, global_config: bool = False, repository: Path | None = None,
                ) -> dict[str, str]:
    """The environment variables that harden git (to add to os.environ) for commands run in
    `repository`, whose own filter drivers are switched off too."""
    neutralised = {**_NEUTRALISED, **_filters_of(repository)}
    hardened = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_COUNT": str(len(neutralised)),
                "GIT_TERMINAL_PROMPT": "0", "GIT_PAGER": "cat", "GIT_EDITOR": "true",
                "GIT_ASKPASS": ""}
    if not global_config:
        hardened["GIT_CONFIG_GLOBAL"] = os.devnull
    for index, (key, value) in enumerate(neutralised.items()):
        hardened[f"GIT_CONFIG_KEY_{index}"] = key
        hardened[f"GIT_CONFIG_VALUE_{index}"] = value
    return hardened


def _filters_of(repository: Path | None, depth: int = 0) -> dict[str, str]:
    """Empty commands for every filter driver `repository`'s config names, or the config of a
    submodule checked out in it: a driver has any name (filter.<name>.clean/smudge/process,
    chosen by .git/info/attributes), so no fixed key covers it, and git runs it on `status`,
    `add` and `checkout`, in each submodule too (`status` runs a git there, which gets these
    keys but reads the submodule's own config). Reading config and the index runs nothing."""
    if repository is None:
        return {}
    hardened = {**os.environ, **environment()}
    listed = subprocess.run(["git", "config", "--null", "--name-only", "--get-regexp",
                             r"^filter\..*\.(clean|smudge|process|required)$"],
                            cwd=repository, capture_output=True, text=True, check=False,
                            env=hardened)
    drivers = {key.rpartition(".")[0] for key in listed.stdout.split("\0") if key}
    neutralised = {f"{driver}.{part}": "false" if part == "required" else ""
                   for driver in sorted(drivers) for part in ("clean", "smudge", "process",
                                                              "required")}
    if depth < _SUBMODULE_DEPTH:
        # Paths relative to `repository`, from the top of its work tree (`:/`).
        index = subprocess.run(["git", "ls-files", "--stage", "-z", "--", ":/"],
                               cwd=repository, capture_output=True, text=True, check=False,
                               env=hardened)
        for entry in index.stdout.split("\0"):
            mode, _, path = entry.partition("\t")
            if mode.startswith("160000 ") and (repository / path / ".git").exists():
                neutralised.update(_filters_of(repository / path, depth + 1))
    return neutralised


#: How deep submodules of submodules are searched for filter drivers.
_SUBMODULE_DEPTH = 8


def run(*args: str, cwd: Path | None = None, identity: bool = False, text: bool = True,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess:  # type: ignore[type-arg]
    """`git ARGS` in `cwd` (or in the folder of a leading `-C DIR`), hardened; with `identity`,
    committing as the user (or as prefect-scaffold when git has no identity configured)."""
    repository = cwd
    if args[:1] == ("-C",):  # git works in that folder: its filter drivers are the ones to stop
        repository = (cwd or Path.cwd()) / args[1]
    who: list[str] = []
    if identity:
        name, email = user_identity(cwd) or (LOCAL_NAME, LOCAL_EMAIL)
        who = ["-c", f"user.name={name}", "-c", f"user.email={email}"]
    return subprocess.run(["git", *who, *args], cwd=cwd, capture_output=True, text=text,
                          check=False,
                          env={**os.environ, **(env or {}),
                               **environment(repository=repository)})


def user_identity(cwd: Path | None) -> tuple[str, str] | None:
    """The user's git name and email (their global or repository config), if both are set.

    Reading a value runs nothing, so this one call may see the global configuration.
    """
    values = []
    for key in ("user.name", "user.email"):
        result = subprocess.run(["git", "config", "--get", key], cwd=cwd, capture_output=True,
                                text=True, check=False,
                                env={**os.environ, **environment(global_config=True)})
        values.append(result.stdout.strip())
    name, email = values
    return (name, email) if name and email else None


@contextlib.contextmanager
def hardened_environment(repository: Path | None = None) -> Iterator[None]:
    """Harden the git commands copier runs itself (through plumbum, whose `local.env` is a copy
    of os.environ taken at import, so both are set) for the duration of the block; copier
    runs some in `repository` (update's project)."""
    from plumbum import local

    hardened = environment(repository=repository)
    saved = {key: os.environ.get(key) for key in hardened}
    os.environ.update(hardened)
    try:
        with local.env(**hardened):
            yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
