"""Team defaults: answers every repository of a team renders with, from TOML files.

Two files, the nearer one winning: the project-level `prefect-scaffold.toml` (found in the current
directory or the nearest parent that has one, usually committed in a team's monorepo or platform
repo) over the user-level `$XDG_CONFIG_HOME/prefect-scaffold/config.toml`. In each file,
`[templates.<name>]` beats `[defaults]`:

    [defaults]
    image_registry = "ghcr.io/acme"
    python_version = "3.12"

    [templates.k8s_pool]
    namespace = "data-flows"

`--data` and `--data-file` beat both files; both files beat the templates' own defaults. A key in
`[defaults]` that the chosen template does not ask is skipped (it may be for another template); in
`[templates.<name>]` it is an error.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import InvalidDataFile

PROJECT_FILE = "prefect-scaffold.toml"


@dataclass(frozen=True)
class TeamDefaults:
    source: str  #: the file, as errors name it
    values: dict[str, Any]
    strict: dict[str, Any]  #: the [templates.<name>] part: every key must be a question


def user_config() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "prefect-scaffold" / "config.toml"


def project_config(start: Path) -> Path | None:
    for folder in [start.absolute(), *start.absolute().parents]:
        if (folder / PROJECT_FILE).is_file():
            return folder / PROJECT_FILE
    return None


def load(template: str, cwd: Path) -> list[TeamDefaults]:
    """The team-default layers for `template`, lowest precedence first."""
    layers = []
    for path in (user_config(), project_config(cwd)):
        if path is None or not path.is_file():
            continue
        try:
            config = tomllib.loads(path.read_text())
        except tomllib.TOMLDecodeError as error:
            raise InvalidDataFile(path, f"is not valid TOML ({error})") from None
        general = config.get("defaults", {})
        specific = config.get("templates", {}).get(template, {})
        if not isinstance(general, dict) or not isinstance(specific, dict):
            raise InvalidDataFile(path, "[defaults] and [templates.<name>] must be tables")
        layers.append(TeamDefaults(str(path), {**general, **specific}, specific))
    return layers
