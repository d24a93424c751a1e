"""Where a template comes from: bundled with prefect-scaffold, or a team's own template source.

A team source is a copier template laid out like ours (copier.yml at its root, the same shared
questions), given as a local folder or a git URL, optionally pinned with a git ref. Its questions
are read from a shallow clone so `--data` is validated before anything renders.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from prefect_scaffold import hardened_git
from prefect_scaffold.errors import InvalidSource, UnreachableSource

from .registry import Template, get_template, load_template

#: URL schemes git and copier fetch templates over without running anything of the source's.
#: Everything else is refused, notably git's `<transport>::<address>` helpers (`ext::` runs a
#: command) and values starting with `-`, which git would read as options.
_SCHEMES = ("https", "http", "ssh", "git", "file", "git+https", "git+ssh")
_SCHEME = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://")
_SCP_LIKE = re.compile(r"[\w.-]+@[\w.-]+:[^-].*")  # git@github.com:acme/templates.git
_REF = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._+/-]{0,199}")
LOCATION_ALLOWED = ("a local folder or a git URL (https://, ssh://, git://, file://, "
                    "user@host:path); not starting with '-'")
REF_ALLOWED = "a git tag, branch or commit (letters, digits, . _ + / -; not starting with '-')"


def validate_location(value: str, field: str = "--template-source") -> str:
    """`value` if git may safely be handed it as a repository; raises InvalidSource otherwise."""
    controls = any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in value)  # C0, DEL and C1
    if not value or value.startswith("-") or controls or "::" in value:
        raise InvalidSource(field, value, LOCATION_ALLOWED)
    if match := _SCHEME.match(value):
        if match["scheme"].lower() not in _SCHEMES:
            raise InvalidSource(field, value, LOCATION_ALLOWED)
    elif "@" in value.split("/", 1)[0] and not _SCP_LIKE.fullmatch(value):
        raise InvalidSource(field, value, LOCATION_ALLOWED)
    return value


def validate_ref(value: str, field: str = "--vcs-ref") -> str:
    if not _REF.fullmatch(value) or ".." in value:
        raise InvalidSource(field, value, REF_ALLOWED)
    return value


@dataclass(frozen=True)
class TemplateSource:
    template: Template
    url: str  #: what copier renders from
    vcs_ref: str | None = None
    bundled: bool = False


def bundled(name: str) -> TemplateSource:
    template = get_template(name)
    return TemplateSource(template, str(template.path), bundled=True)


def team(url: str, vcs_ref: str | None) -> TemplateSource:
    """Load a team template's questions; a git source is cloned to read them, and copier clones
    it again to render (recording the URL and ref for `update`)."""
    validate_location(url)
    if vcs_ref is not None:
        validate_ref(vcs_ref)
    if url.lower().startswith("file://"):  # copier reads file:// as a folder named "file:"
        url = unquote(urlsplit(url).path)
    local = Path(url).expanduser()
    if local.is_dir() and not (local / ".git").exists():
        if not (local / "copier.yml").is_file():
            raise UnreachableSource(url, "has no copier.yml at its root")
        return TemplateSource(load_template(local.absolute()), str(local.absolute()), vcs_ref)
    if vcs_ref is None:
        # The version copier would pick, chosen here: its own listing reads the config of the
        # repository around the working directory (see newest_version_tag). HEAD: no release.
        vcs_ref = newest_version_tag(url) or "HEAD"
    with tempfile.TemporaryDirectory(prefix="prefect-scaffold-source-") as workdir:
        checkout = Path(workdir) / "source"
        command = ["clone", "--quiet", "--depth", "1"]
        if vcs_ref != "HEAD":
            command += ["--branch", vcs_ref]
        result = hardened_git.run(*command, "--", url, str(checkout))
        if result.returncode != 0:
            raise UnreachableSource(url, git_problem(result.stderr, "git clone failed"))
        if not (checkout / "copier.yml").is_file():
            raise UnreachableSource(url, "has no copier.yml at its root")
        return TemplateSource(load_template(checkout), url, vcs_ref)


def newest_version_tag(url: str, *, prereleases: bool = False) -> str | None:
    """The newest tag of `url` that names a version (PEP 440; a pre-release only with
    `prereleases`), as copier picks one when given no ref; None when there is none. Tags a
    `--vcs-ref` could not name (an epoch's `!`) are skipped: `update` must accept what we record.

    Listed here rather than by copier, whose `git ls-remote` runs in the working directory and so
    reads the config of the repository around it (`url.*.insteadOf` would send it elsewhere;
    `http.<url>.cookieFile` with `saveCookies` writes any file): GIT_DIR names no repository.
    `--` ends git's options: the URL may come from a file a pull request wrote.
    """
    from packaging.version import InvalidVersion, Version

    result = hardened_git.run("ls-remote", "--tags", "--refs", "--", url,
                              env={"GIT_DIR": os.devnull})
    if result.returncode != 0:
        raise UnreachableSource(url, git_problem(result.stderr, "git ls-remote failed"))
    versions = []
    for line in result.stdout.splitlines():
        tag = line.partition("\t")[2].removeprefix("refs/tags/")
        try:
            version = Version(validate_ref(tag))
        except (InvalidVersion, InvalidSource):
            continue
        if prereleases or not version.is_prerelease:
            versions.append((version, tag))
    return max(versions)[1] if versions else None


def git_problem(stderr: str, otherwise: str) -> str:
    """What went wrong, from git's error output: its `fatal:` line (the last line of a message
    can be "and the repository exists.", the opposite of the truth), else its last line."""
    lines = [line.strip() for line in stderr.strip().splitlines() if line.strip()]
    fatal = [line.removeprefix("fatal:").strip() for line in lines if line.startswith("fatal:")]
    return fatal[0] if fatal else lines[-1] if lines else otherwise
