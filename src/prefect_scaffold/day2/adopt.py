"""`adopt`: bring a Prefect repository that was not rendered by us under a template.

The template is rendered aside with answers read off the repository (inference.py) over the
template's defaults, then compared with the repository file by file. Files only the template has
are added (except its tests of modules the repository has its own version of); files both have
stay the repository's (yours win) and are listed with the template's version as a diff; the
answers file is written last, so `update` and `update --check` work from then on and later
template changes arrive through the usual three-way merge.
"""

from __future__ import annotations

import difflib
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prefect_scaffold.answers.layers import Given, Prompt, layer, resolve
from prefect_scaffold.answers.team_defaults import TeamDefaults
from prefect_scaffold.errors import CannotAdopt
from prefect_scaffold.writing.answers_file import ANSWERS_FILE

from .inference import READ_BY_ADOPT, has_prefect_project, infer


@dataclass(frozen=True)
class AdoptPlan:
    project: Path
    template: str
    answers: dict[str, Any]
    found: dict[str, str]  #: answer -> the file it was read from
    added: list[Path] = field(default_factory=list)  #: template files the repository lacks
    kept: list[Path] = field(default_factory=list)  #: files both have that differ: yours stay
    skipped: list[Path] = field(default_factory=list)  #: tests of template files you replaced
    diff: str = ""  #: unified diff: files added, then the template's version of kept files
    applied: bool = False


def answers_for(project: Path, template_name: str, data: dict[str, Any],
                data_file: dict[str, Any], team: Sequence[TeamDefaults], *, use_defaults: bool,
                prompt: Prompt | None) -> tuple[dict[str, Any], dict[str, str]]:
    """The template's answers for `project`: --data over what the repository says over defaults."""
    from prefect_scaffold.catalog.sources import bundled

    _refuse(project)
    spec = bundled(template_name).template
    given: dict[str, Given] = layer(spec, data, data_file, [*team, *infer(project)])
    found = {key: item.source.removesuffix(READ_BY_ADOPT) for key, item in given.items()
             if item.source.endswith(READ_BY_ADOPT)}
    from prefect_scaffold.answers.computed import install_spec

    # Recorded like `new` does: CI and `update` run the tool that adopted the repository.
    return resolve(spec, given, use_defaults=use_defaults, prompt=prompt,
                   defaults={"scaffold_install": install_spec()}), found


def _refuse(project: Path) -> None:
    if not project.is_dir():
        raise CannotAdopt(project, "is not a directory")
    if (project / ANSWERS_FILE).exists():
        raise CannotAdopt(project, f"already has {ANSWERS_FILE} (it came from a template); "
                          "use prefect-scaffold update")
    if not has_prefect_project(project):
        raise CannotAdopt(project, "no Prefect project to adopt: no prefect.yaml and no serve "
                          "script (a top-level .py calling flow.serve or to_deployment)")


def adopt(project: Path, template_name: str, answers: dict[str, Any], found: dict[str, str], *,
          apply: bool = False) -> AdoptPlan:
    """Compare the template rendered with `answers` against `project`; with `apply`, write."""
    from prefect_scaffold.catalog.sources import bundled
    from prefect_scaffold.writing.render import render

    _refuse(project)
    with tempfile.TemporaryDirectory(prefix="prefect-scaffold-adopt-") as workdir:
        rendered = Path(workdir) / "rendered"
        render(bundled(template_name), answers, rendered)
        files = sorted(p.relative_to(rendered) for p in rendered.rglob("*") if p.is_file())
        added = [f for f in files if not (project / f).exists()]
        kept = [f for f in files if (project / f).is_file()
                and (project / f).read_bytes() != (rendered / f).read_bytes()]
        # The template's tests of a module test its example code, not yours that stays in its place.
        yours = {f.stem for f in kept if f.suffix == ".py"}
        skipped = [f for f in added if f.parts[0] == "tests"
                   and f.stem.removeprefix("test_") in yours]
        added = [f for f in added if f not in skipped]
        diff = "".join([*(_diff(None, rendered / f, f) for f in added),
                        *(_diff(project / f, rendered / f, f) for f in kept)])
        if apply:
            # The answers file last: until it is there, the repository is not adopted and a
            # rerun starts over (files already added then compare equal).
            for file in sorted(added, key=lambda f: f.as_posix() == ANSWERS_FILE):
                (project / file).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(rendered / file, project / file)
    return AdoptPlan(project, template_name, answers, found, added, kept, skipped, diff,
                     applied=apply)


def _diff(ours: Path | None, theirs: Path, name: Path) -> str:
    try:
        before = ours.read_text().splitlines(keepends=True) if ours else []
        after = theirs.read_text().splitlines(keepends=True)
    except UnicodeDecodeError:
        return f"Binary file {name} differs\n"
    return "".join(difflib.unified_diff(before, after, "/dev/null" if ours is None
                                        else f"a/{name}", f"b/{name}"))
