"""`switch`: move a rendered project to another template (a team that outgrew its VM), as one
reviewable commit on a new git branch.

Both templates are rendered aside: the old one as it rendered the project (template_history.py),
the new one with the old answers it shares, the given ones and defaults. Then, file by file:
- only the new template has it: added;
- the old template owned it, the new one does not: removed if you never changed it, else kept
  and listed;
- both, or yours and the new template's: yours if you changed it and the new template did not
  change it; else three-way merged (`git merge-file`, base: the old render), conflicts marked.
prefect.yaml's deployments are those serve.py declared (serve_declarations.py), on the new pool.
The answers file then names the running tool in `scaffold_install` (its version is the new
template's), and an untracked `uv.lock` (`uv sync` wrote it) is neither dirt nor committed.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from prefect_scaffold import hardened_git, project_files
from prefect_scaffold.answers.layers import Prompt, layer, resolve
from prefect_scaffold.answers.team_defaults import TeamDefaults
from prefect_scaffold.errors import CannotSwitch
from prefect_scaffold.writing import answers_file
from prefect_scaffold.writing.answers_file import RecordedSource
from prefect_scaffold.writing.staging import signals_held

from .update import LOCK_FILE


@dataclass(frozen=True)
class SwitchResult:
    branch: str
    commit: str
    deployments: list[str]  #: names carried over from serve.py into prefect.yaml
    added: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)  #: old template's files you changed
    merged: list[Path] = field(default_factory=list)
    conflicts: list[Path] = field(default_factory=list)


def _git(project: Path, *args: str, identity: bool = False) -> subprocess.CompletedProcess[str]:
    return hardened_git.run(*args, cwd=project, identity=identity)


def prepare(project: Path, to: str) -> RecordedSource:
    """Refuse what cannot be switched; the project's recorded template."""
    from prefect_scaffold.catalog.registry import get_template

    get_template(to)  # UnknownTemplate names the allowed ones
    recorded = answers_file.read(project)
    if recorded.bundled is None:
        raise CannotSwitch(project, "switching a team template's project is not supported; "
                           "render the new pattern from your team source")
    if recorded.bundled == to:
        raise CannotSwitch(project, f"already uses template {to}")
    status = _git(project, "status", "--porcelain", "--untracked-files=all")
    if status.returncode != 0:
        raise CannotSwitch(project, "is not a git checkout; switch works on a branch")
    if [line for line in status.stdout.splitlines() if line != f"?? {LOCK_FILE}"]:
        raise CannotSwitch(project, "has uncommitted changes; commit or stash them first")
    return recorded


def answers_for(recorded: RecordedSource, to: str, data: dict[str, Any],
                data_file: dict[str, Any], team: Sequence[TeamDefaults], *, use_defaults: bool,
                prompt: Prompt | None) -> dict[str, Any]:
    """The new template's answers: --data over the old answers it shares over team defaults."""
    from prefect_scaffold.answers.computed import install_spec
    from prefect_scaffold.catalog.registry import get_template

    spec = get_template(to)
    # The running tool renders the new template: CI must run it, not the one that rendered the
    # old (unless --data names another way to install it).
    previous = {k: v for k, v in recorded.answers.items()
                if not k.startswith("_") and k != "scaffold_install"}
    carried = TeamDefaults(f"{answers_file.ANSWERS_FILE} ({recorded.bundled})", previous, {})
    answers = resolve(spec, layer(spec, data, data_file, [*team, carried]),
                      use_defaults=use_defaults, defaults={"scaffold_install": install_spec()},
                      prompt=prompt)
    if spec.question("decision_path"):
        answers["decision_path"] = _decision_path(to)
    return answers


def _decision_path(leaf: str) -> list[dict[str, object]]:
    """The tree's path to the new template (the first, where several lead there)."""
    from prefect_scaffold.tree.recommend import paths

    found = next((path for path in paths() if path.template == leaf), None)
    return found.as_answers() if found is not None else []


def switch(project: Path, recorded: RecordedSource, to: str, answers: dict[str, Any], *,
           branch: str | None = None) -> SwitchResult:
    from .serve_declarations import deployments

    branch = branch or f"switch-to-{to.replace('_', '-')}"
    declared = deployments(project) if project_files.is_file(project, "serve.py") else []
    with tempfile.TemporaryDirectory(prefix="prefect-scaffold-switch-") as workdir:
        old, new = _render_both(project, recorded, to, answers, Path(workdir))
        for file in {*_files(old), *_files(new)}:  # refused before the branch: nothing written
            project_files.inside(project, file)
        if declared and (new / "prefect.yaml").is_file():
            _carry_deployments(new / "prefect.yaml", declared)
        # Branch, files and commit as one step Ctrl-C waits for (a second or so). An untracked
        # uv.lock (`uv sync` wrote it) is the project's own: not committed by us.
        with signals_held(commits=True):
            if _git(project, "switch", "-q", "-c", branch).returncode != 0:
                raise CannotSwitch(project, f"cannot create branch {branch!r} (does it "
                                   "exist?); pass --branch")
            result = _apply(project, old, new)
            lock_untracked = _git(project, "ls-files", "--error-unmatch", "--",
                                  LOCK_FILE).returncode != 0
            _git(project, "add", "-A", "--", ".",
                 *([f":(exclude){LOCK_FILE}"] if lock_untracked else []))
            message = f"Switch from {recorded.bundled} to {to} (prefect-scaffold switch)"
            committed = _git(project, "commit", "-q", "-m", message, identity=True)
            if committed.returncode != 0:
                raise CannotSwitch(project, f"git commit failed: {committed.stderr.strip()}")
    head = _git(project, "rev-parse", "--short", "HEAD").stdout.strip()
    return SwitchResult(branch, head, [d["name"] for d in declared], **result)


def _render_both(project: Path, recorded: RecordedSource, to: str, answers: dict[str, Any],
                 workdir: Path) -> tuple[Path, Path]:
    from copier import run_copy

    from prefect_scaffold.catalog.sources import bundled
    from prefect_scaffold.writing.render import render

    from .history import old_template

    old_folder = old_template(
        project, recorded, None,
        remedy="run `prefect-scaffold update` with the prefect-scaffold release that rendered the "
               "project (or a newer one), commit, then switch")
    previous = {k: v for k, v in recorded.answers.items() if not k.startswith("_")}
    with hardened_git.hardened_environment():
        run_copy(str(old_folder), workdir / "old", data=previous, defaults=True, quiet=True,
                 overwrite=True)
    render(bundled(to), answers, workdir / "new")
    return workdir / "old", workdir / "new"


def _carry_deployments(prefect_yaml: Path, declared: list[dict[str, Any]]) -> None:
    """Replace the template's example deployment with serve.py's, each on the template's pool."""
    text = prefect_yaml.read_text()
    head = text.partition("\ndeployments:")[0]
    prototype = (yaml.safe_load(text).get("deployments") or [{}])[0]
    carried = [{**d, "work_pool": prototype.get("work_pool", {})} for d in declared]
    body = yaml.safe_dump({"deployments": carried}, sort_keys=False, allow_unicode=True)
    prefect_yaml.write_text(head + "\n# Carried over from serve.py by `prefect-scaffold switch`.\n"
                            + body)


def _files(root: Path) -> dict[Path, bytes]:
    return {p.relative_to(root): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _apply(project: Path, old_root: Path, new_root: Path) -> dict[str, list[Path]]:
    old, new = _files(old_root), _files(new_root)
    result: dict[str, list[Path]] = {k: [] for k in ("added", "removed", "kept", "merged",
                                                      "conflicts")}
    for file in sorted(set(old) - set(new)):
        target = project / file
        if not project_files.is_file(project, file):
            continue
        if project_files.read_bytes(project, file) == old[file]:
            project_files.unlink(project, file)
            result["removed"].append(file)
            for folder in target.parents:  # a folder only that file was in goes with it
                if folder == project or any(folder.iterdir()):
                    break
                folder.rmdir()
        else:
            result["kept"].append(file)
    for file, content in sorted(new.items()):
        target = project_files.inside(project, file)
        if not target.is_file():
            project_files.write_bytes(project, file, content)
            result["added"].append(file)
            continue
        yours = project_files.read_bytes(project, file)
        if yours == content or content == old.get(file):
            continue  # already the same, or the template did not change it: yours stays
        if yours == old.get(file) or file.as_posix() == answers_file.ANSWERS_FILE:
            project_files.write_bytes(project, file, content)
            continue
        if _merge(target.resolve(), old.get(file, b""), content):
            result["merged"].append(file)
        else:
            result["conflicts"].append(file)
    return result


def _merge(target: Path, base: bytes, theirs: bytes) -> bool:
    """Three-way merge into `target`; False when it left conflict markers."""
    with tempfile.TemporaryDirectory(prefix="prefect-scaffold-merge-") as workdir:
        base_file, theirs_file = Path(workdir) / "base", Path(workdir) / "theirs"
        base_file.write_bytes(base)
        theirs_file.write_bytes(theirs)
        merged = hardened_git.run("merge-file", "-L", "yours", "-L", "old template", "-L",
                                  "new template", "--", str(target), str(base_file),
                                  str(theirs_file))
    return merged.returncode == 0
