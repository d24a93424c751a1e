"""The answers file a rendered project keeps: read it as untrusted data, record its template.

A bundled template is recorded by a logical source that any machine can resolve, never by a path
on the machine that rendered the project:

    _commit: 0.1.0+g1a2b3c4d5e6f       the content tag (template_cache.content_tag)
    _src_path: prefect-scaffold:serve_vm

The tool version that rendered it is the tag's version; a `scaffold_install` answer, when the
template records one, says how to install it (default `prefect-scaffold==<version>`). A team
template is recorded by its URL and git tag, as copier does. Projects rendered before this
recorded a path into the rendering machine's cache (`.../prefect-scaffold-templates/<name>`):
they are read as their bundled template and rewritten in the logical form by their next `update`.

The file comes from a repository (and, in CI, from a pull request): every value that reaches a
subprocess is validated here first.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from prefect_scaffold import project_files
from prefect_scaffold.catalog.sources import validate_location, validate_ref
from prefect_scaffold.errors import CannotUpdate, InvalidSource, ProjectFileRefused
from prefect_scaffold.limits import Unbounded, load_yaml

ANSWERS_FILE = ".copier-answers.yml"
BUNDLED = "prefect-scaffold:"  #: `_src_path` prefix of a bundled template
_LEGACY_CACHE = "prefect-scaffold-templates"  #: parent folder of the old machine-path sources
_MAX_BYTES = 1024 * 1024


@dataclass(frozen=True)
class RecordedSource:
    """What a project's answers file says about the template that rendered it."""

    path: Path  #: the answers file
    answers: dict[str, Any]
    src_path: str
    commit: str | None
    bundled: str | None  #: the bundled template's name; None for a team source
    legacy: bool = False  #: recorded as a path on the rendering machine (before logical sources)

    @property
    def version(self) -> str | None:
        """The prefect-scaffold version that rendered a bundled template."""
        return self.commit.partition("+g")[0] if self.bundled and self.commit else None


def read(project: Path) -> RecordedSource:
    """The validated answers file of `project`; CannotUpdate with one line when it is unusable."""
    path = project / ANSWERS_FILE

    def bad(problem: str) -> CannotUpdate:
        return CannotUpdate(project, f"{ANSWERS_FILE} {problem}; restore it from git history")

    try:
        text = project_files.read_text(project, ANSWERS_FILE, limit=_MAX_BYTES)
    except FileNotFoundError:
        raise CannotUpdate(project, f"no {ANSWERS_FILE}: not rendered by prefect-scaffold or "
                           "copier (to bring it under a template: prefect-scaffold adopt)"
                           ) from None
    except ProjectFileRefused as problem:
        raise bad(problem.reason) from None
    try:
        answers = load_yaml(text)
    except (yaml.YAMLError, UnicodeDecodeError, RecursionError, Unbounded):
        raise bad("is not valid YAML") from None
    if not isinstance(answers, dict):
        raise bad("is not a mapping of answers")
    src_path, commit = answers.get("_src_path"), answers.get("_commit")
    if not isinstance(src_path, str):
        raise bad("does not record its template as a string (_src_path)")
    if commit is not None and not isinstance(commit, str | int | float):
        raise bad("has a _commit that is not a version")
    commit = None if commit is None else str(commit)
    try:
        if commit is not None:
            validate_ref(commit, "_commit")
        bundled, legacy = _bundled_name(src_path)
        if bundled is None:
            validate_location(src_path, "_src_path")
    except InvalidSource as problem:
        raise bad(f"is tampered with: {problem}") from None
    return RecordedSource(path, answers, src_path, commit, bundled, legacy)


def _bundled_name(src_path: str) -> tuple[str | None, bool]:
    """(name, legacy) of a bundled template's source; (None, False) for a team source."""
    if src_path.startswith(BUNDLED):
        name = src_path.removeprefix(BUNDLED)
    elif Path(src_path).parent.name == _LEGACY_CACHE and Path(src_path).is_absolute():
        name = Path(src_path).name
    else:
        return None, False
    if not name.isidentifier():
        raise InvalidSource("_src_path", src_path, "prefect-scaffold:<template name>")
    return name, not src_path.startswith(BUNDLED)


def record_bundled(answers_file: Path, name: str, tag: str) -> None:
    """Rewrite the answers copier wrote so they name bundled template `name` at `tag`."""
    text = answers_file.read_text()
    header = "".join(line + "\n" for line in text.splitlines() if line.startswith("#"))
    recorded = yaml.safe_load(text) or {}
    answers = {"_commit": tag, "_src_path": f"{BUNDLED}{name}",
               **{k: v for k, v in recorded.items() if k not in ("_commit", "_src_path")}}
    _replace(answers_file, header + yaml.safe_dump(answers, sort_keys=False, allow_unicode=True))


def record_answer(answers_file: Path, key: str, value: str) -> None:
    """Set one answer in place, keeping copier's header and the order of the others (the file
    says NEVER EDIT MANUALLY: commands that own an answer change it through this)."""
    text = answers_file.read_text()
    header = "".join(line + "\n" for line in text.splitlines() if line.startswith("#"))
    recorded = yaml.safe_load(text) or {}
    recorded[key] = value
    _replace(answers_file, header + yaml.safe_dump(recorded, sort_keys=False, allow_unicode=True))


def write_source(answers_file: Path, src_path: str, commit: str) -> None:
    """Point the answers file at another template source (kept only while copier updates)."""
    text = answers_file.read_text()
    recorded = yaml.safe_load(text) or {}
    recorded.update(_src_path=src_path, _commit=commit)
    _replace(answers_file, yaml.safe_dump(recorded, sort_keys=False, allow_unicode=True))


def _replace(answers_file: Path, text: str) -> None:
    """Write the answers file whole or not at all: a Ctrl-C or a full disk halfway through a
    plain write would leave it empty, and `update` then knows nothing of the project."""
    partial = answers_file.with_name(f".{answers_file.name}.partial")
    try:
        partial.write_text(text)
        shutil.copymode(answers_file, partial)
        os.replace(partial, answers_file)
    finally:
        partial.unlink(missing_ok=True)
