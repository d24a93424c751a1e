"""Defaults only the running tool can know: the project's name from its destination, and how this
very prefect-scaffold can be installed again (recorded as `scaffold_install`).

`scaffold_install` is what a rendered project's CI and pre-commit hook pass to
`uvx --from <spec> prefect-scaffold`, and what `update` uses to rebuild the template version a
project was rendered with. Its format is one of:

- `prefect-scaffold==X.Y.Z`: installed from a package index;
- `git+URL@COMMIT`: installed from a VCS URL (PEP 610 `direct_url.json`, `vcs_info`);
- `URL` of an archive (wheel or sdist) served over http(s);
- `""` (empty): installed from a local path (a checkout, a local wheel); nothing a CI machine
  could install, so the rendered CI and hook skip what needs it, with a warning naming
  `prefect-scaffold pin`, the command that records it.
"""

from __future__ import annotations

import json
import re
from importlib import metadata
from pathlib import Path

DISTRIBUTION = "prefect-scaffold"
_VALID_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
_NAME_LIMIT = 64


def project_name_for(destination: Path) -> str | None:
    """DEST's folder name made a valid project name (lowercase, `-` for anything else), or None
    when nothing valid remains (`2024/`, `___/`)."""
    name = re.sub(r"[^a-z0-9]+", "-", destination.absolute().name.lower())
    name = re.sub(r"^[^a-z]+", "", name)[:_NAME_LIMIT].strip("-")
    return name if _VALID_NAME.match(name) else None


def install_spec(distribution: metadata.Distribution | None = None) -> str:
    """How the running prefect-scaffold can be installed again (see the module docstring)."""
    if distribution is None:
        try:
            distribution = metadata.distribution(DISTRIBUTION)
        except metadata.PackageNotFoundError:  # run from a source tree without installing
            return ""
    direct_url = distribution.read_text("direct_url.json")
    if not direct_url:  # PEP 610: no direct_url.json means it came from an index
        return f"{DISTRIBUTION}=={distribution.version}"
    try:
        origin = json.loads(direct_url)
    except json.JSONDecodeError:
        return ""
    url = str(origin.get("url", ""))
    vcs = origin.get("vcs_info")
    if isinstance(vcs, dict) and vcs.get("vcs") == "git" and not url.startswith("file:"):
        commit = vcs.get("commit_id") or vcs.get("requested_revision") or ""
        subdirectory = origin.get("subdirectory")
        spec = f"git+{url}" + (f"@{commit}" if commit else "")
        return spec + (f"#subdirectory={subdirectory}" if subdirectory else "")
    if "archive_info" in origin and url.startswith(("https://", "http://")):
        return url
    return ""  # a local directory or file: nothing another machine can install


def local_install_hint(version: str | None) -> str:
    """The command to run when `install_spec()` is empty (the rendered CI names it too):
    `pin` records how CI installs the release `version` (a content tag's version part)."""
    release = str(version or "X.Y.Z").partition("+")[0]
    return (f"record how CI installs it: prefect-scaffold pin --spec {DISTRIBUTION}=={release} "
            "(or --spec git+URL@COMMIT), then commit .copier-answers.yml")

