"""Where a template comes from: bundled with prefect-scaffold, or a team's own template source.

A team source is a copier template laid out like ours (copier.yml at its root, the same shared
questions), given as a local folder or a git URL, optionally pinned with a git ref. Its questions
are read from a shallow clone so `--data` is validated before anything renders.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

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
    if not value or value.startswith("-") or any(ord(c) < 32 for c in value) or "::" in value:
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
    local = Path(url).expanduser()
    if local.is_dir() and not (local / ".git").exists():
        if not (local / "copier.yml").is_file():
            raise UnreachableSource(url, "has no copier.yml at its root")
        return TemplateSource(load_template(local.absolute()), str(local.absolute()), vcs_ref)
    with tempfile.TemporaryDirectory(prefix="prefect-scaffold-source-") as workdir:
        checkout = Path(workdir) / "source"
        command = ["git", "clone", "--quiet", "--depth", "1"]
        if vcs_ref:
            command += ["--branch", vcs_ref]
        result = subprocess.run([*command, "--", url, str(checkout)], capture_output=True,
                                text=True, check=False)
        if result.returncode != 0:
            lines = result.stderr.strip().splitlines()
            raise UnreachableSource(url, lines[-1] if lines else "git clone failed")
        if not (checkout / "copier.yml").is_file():
            raise UnreachableSource(url, "has no copier.yml at its root")
        return TemplateSource(load_template(checkout), url, vcs_ref)
