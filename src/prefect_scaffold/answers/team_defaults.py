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

Because these files change answers silently (a registry, an API URL), the search for the project
file stops at the git repository's root or the home directory, a file another user could have
written (owned by them, or writable by everyone) is ignored with a warning, and `new` prints which
files supplied which answers.
"""

from __future__ import annotations

import os
import stat
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prefect_scaffold.errors import InvalidTeamDefaults
from prefect_scaffold.limits import read_capped

PROJECT_FILE = "prefect-scaffold.toml"


@dataclass(frozen=True)
class TeamDefaults:
    source: str  #: the file, as errors name it
    values: dict[str, Any]
    strict: dict[str, Any]  #: the [templates.<name>] part: every key must be a question
    ignored: str = ""  #: why the file was not used (values are then empty)


def user_config() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "prefect-scaffold" / "config.toml"


def project_config(start: Path) -> Path | None:
    """The nearest project file from `start` up to the git root or home, whichever comes first."""
    home = Path.home().absolute()
    for folder in [start.absolute(), *start.absolute().parents]:
        if (folder / PROJECT_FILE).is_file():
            return folder / PROJECT_FILE
        if folder == home or (folder / ".git").exists():
            break
    return None


def _written_by_others(path: Path) -> str:
    """Why another user could have written `path`, or "" when only we (or root) could."""
    info = path.stat()
    if info.st_uid not in (os.getuid(), 0):
        return f"owned by another user (uid {info.st_uid})"
    if info.st_mode & stat.S_IWOTH:
        return "writable by every user"
    return ""


def load(template: str, cwd: Path) -> list[TeamDefaults]:
    """The team-default layers for `template`, lowest precedence first."""
    layers = []
    for path in (user_config(), project_config(cwd)):
        if path is None or not path.is_file():
            continue
        if reason := _written_by_others(path):
            layers.append(TeamDefaults(str(path), {}, {}, ignored=f"ignored: it is {reason}"))
            continue
        text = read_capped(path, InvalidTeamDefaults)
        try:
            config = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise InvalidTeamDefaults(path, f"is not valid TOML ({error})") from None
        general = config.get("defaults", {})
        specific = config.get("templates", {}).get(template, {})
        if not isinstance(general, dict) or not isinstance(specific, dict):
            raise InvalidTeamDefaults(path, "[defaults] and [templates.<name>] must be tables")
        layers.append(TeamDefaults(str(path), {**general, **specific}, specific))
    return layers


def describe(layers: list[TeamDefaults], used: dict[str, str]) -> list[str]:
    """One line per team file: the answers it supplied (`used`: key -> source) or why ignored."""
    lines = []
    for layer in layers:
        keys = [key for key, source in used.items() if source == layer.source]
        if layer.ignored:
            lines.append(f"team defaults {layer.source}: {layer.ignored}")
        elif keys:
            lines.append(f"team defaults {layer.source}: {', '.join(keys)}")
    return lines
