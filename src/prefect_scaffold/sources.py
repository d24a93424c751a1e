"""Where a template comes from: bundled with prefect-scaffold, or a team's own template source.

A team source is a copier template laid out like ours (copier.yml at its root, the same shared
questions), given as a local folder or a git URL, optionally pinned with a git ref. Its questions
are read from a shallow clone so `--data` is validated before anything renders.
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .errors import UnreachableSource
from .registry import Template, get_template, load_template


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
        result = subprocess.run([*command, url, str(checkout)], capture_output=True, text=True,
                                check=False)
        if result.returncode != 0:
            lines = result.stderr.strip().splitlines()
            raise UnreachableSource(url, lines[-1] if lines else "git clone failed")
        if not (checkout / "copier.yml").is_file():
            raise UnreachableSource(url, "has no copier.yml at its root")
        return TemplateSource(load_template(checkout), url, vcs_ref)
