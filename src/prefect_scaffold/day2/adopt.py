"""`adopt`: bring a Prefect repository that was not rendered by us under a template.

The template is rendered aside with answers read off the repository (inference.py) over the
template's defaults, then adapted to the repository (adopted_files.py): its example flow and
whatever imports or tests it are left out, serve.py and tests are written from the repository's
own deployments, and pyproject.toml gets the template's tooling merged into it. Then it is
compared with the repository file by file. Files only the template has are added; files both
have stay the repository's (yours win) and are listed with the template's version as a diff,
except pyproject.toml, which is merged (every line of yours kept); the answers file is written
last, so `update` and `update --check` work from then on and later template changes arrive
through the usual three-way merge.
"""

from __future__ import annotations

import difflib
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prefect_scaffold import project_files
from prefect_scaffold.answers.layers import Given, Prompt, layer, resolve
from prefect_scaffold.answers.team_defaults import TeamDefaults
from prefect_scaffold.errors import CannotAdopt
from prefect_scaffold.writing.answers_file import ANSWERS_FILE

from . import adopted_files
from .inference import READ_BY_ADOPT, has_prefect_project, infer

_PYPROJECT = Path("pyproject.toml")
#: Folders whose Python files are not the repository's own code.
_NOT_YOURS = {".git", ".venv", "venv", "node_modules", "__pycache__"}


@dataclass(frozen=True)
class AdoptPlan:
    project: Path
    template: str
    answers: dict[str, Any]
    found: dict[str, str]  #: answer -> the file it was read from
    added: list[Path] = field(default_factory=list)  #: template files the repository lacks
    kept: list[Path] = field(default_factory=list)  #: files both have that differ: yours stay
    merged: list[Path] = field(default_factory=list)  #: yours with the template's tooling added
    skipped: list[Path] = field(default_factory=list)  #: the example, and what tests or imports it
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
    if project_files.exists(project, ANSWERS_FILE):
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
        skipped = _adapt(project, rendered, str(answers.get("flow_name", "")))
        files = sorted(p.relative_to(rendered) for p in rendered.rglob("*") if p.is_file())
        added = [f for f in files if not project_files.exists(project, f)]
        differ = [f for f in files if project_files.is_file(project, f)
                  and project_files.read_bytes(project, f) != (rendered / f).read_bytes()]
        merged = [f for f in differ if f == _PYPROJECT]
        kept = [f for f in differ if f not in merged]
        diff = "".join([*(_diff(None, rendered / f, f) for f in added),
                        *(_diff(project_files.read_bytes(project, f), rendered / f, f)
                          for f in merged + kept)])
        if apply:
            from prefect_scaffold.writing.staging import signals_held

            # Ctrl-C waits for the few writes (every path was checked above). The answers file
            # last: until it is there, the repository is not adopted and a rerun starts over
            # (files already added then compare equal).
            with signals_held(commits=True):
                for file in sorted(added + merged, key=lambda f: f.as_posix() == ANSWERS_FILE):
                    project_files.write_bytes(project, file, (rendered / file).read_bytes(),
                                              mode=(rendered / file).stat().st_mode)
    return AdoptPlan(project, template_name, answers, found, added, kept, merged, skipped, diff,
                     applied=apply)


def _adapt(project: Path, rendered: Path, example: str) -> list[Path]:
    """Fit the rendering in `rendered` to `project`; return the template files left out."""
    files = sorted(p.relative_to(rendered) for p in rendered.rglob("*") if p.is_file())
    imports_example = re.compile(rf"\bflows(\.|\s+import\s+){re.escape(example)}\b")
    kept = [f for f in files if project_files.is_file(project, f)
            and project_files.read_bytes(project, f) != (rendered / f).read_bytes()]
    kept_modules = {f.stem for f in kept if f.suffix == ".py"}
    serve = rendered / "serve.py"
    template_serve = serve.read_text() if serve.is_file() else ""
    skipped = []
    for file in files:
        if project_files.exists(project, file):
            continue
        text = (rendered / file).read_text(errors="replace")
        example_code = file.parts[0] == "flows" or (file.suffix == ".py"
                                                    and imports_example.search(text))
        # A template test of a file of yours (by module or by name) tests the template's version.
        tests_yours = file.parts[0] == "tests" and file.name != "conftest.py" and (
            file.stem.removeprefix("test_") in kept_modules
            or any(f.name in text for f in kept if f.suffix != ".py"))
        if example_code or tests_yours:
            (rendered / file).unlink()
            skipped.append(file)
    found = adopted_files.deployments(project)
    script = adopted_files.serve_script(template_serve, found)
    if script is not None and Path("serve.py") in skipped:
        serve.write_text(script)
        (rendered / "tests" / "test_serve.py").write_text(adopted_files.SERVE_TEST)
        skipped = [f for f in skipped if f not in (Path("serve.py"), Path("tests/test_serve.py"))]
    if found and (rendered / "tests").is_dir():
        (rendered / "tests" / "test_deployments.py").write_text(adopted_files.DEPLOYMENTS_TEST)
    if (rendered / _PYPROJECT).is_file():
        theirs = (project_files.read_text(project, _PYPROJECT)
                  if project_files.is_file(project, _PYPROJECT) else None)
        (rendered / _PYPROJECT).write_text(adopted_files.merged_pyproject(
            theirs, (rendered / _PYPROJECT).read_text(),
            [] if theirs is not None else adopted_files.requirements_txt(project),
            _python_files(project)))
    return skipped


def _python_files(project: Path) -> list[str]:
    """The repository's own .py files (symlinked folders not followed: they may lead anywhere)."""
    found = []
    for folder, folders, names in os.walk(project):
        folders[:] = sorted(f for f in folders if f not in _NOT_YOURS)
        found += [(Path(folder) / n).relative_to(project).as_posix()
                  for n in names if n.endswith(".py")]
    return sorted(found)


def _diff(ours: bytes | None, theirs: Path, name: Path) -> str:
    try:
        before = ours.decode().splitlines(keepends=True) if ours is not None else []
        after = theirs.read_text().splitlines(keepends=True)
    except UnicodeDecodeError:
        return f"Binary file {name} differs\n"
    return "".join(difflib.unified_diff(before, after, "/dev/null" if ours is None
                                        else f"a/{name}", f"b/{name}"))
