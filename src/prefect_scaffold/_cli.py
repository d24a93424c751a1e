"""The `prefect-scaffold` command line: parse flags, call the library, print the result.

Errors become exit codes here and nowhere else (see errors.py). copier and prefect are imported
only inside the commands that need them, so `--help`, `recommend`, `tree` and `list` stay fast.
"""

from __future__ import annotations

import shlex
import signal
import sys
import threading
import traceback
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Optional

import click
import typer

from . import _console
from ._version import __version__
from .errors import EXIT_CRASH, EXIT_INTERRUPTED, EXIT_TERMINATED, ScaffoldError
from .startup_signals import take_stop
from .tree.decision_tree import TREE, Answer

app = typer.Typer(
    name="prefect-scaffold",
    help="Pick the right Prefect deployment pattern and render a starter repository for it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,  # answers may hold secrets
    rich_markup_mode=None,  # plain click help: importing rich for it would triple --help's time
)

# The decision tree's questions as flags; one definition serves `new` and `recommend`, and a test
# holds them to the tree's answer keys.
_KEYS = TREE.keys()
ContainersFlag = Annotated[Optional[bool], typer.Option(  # noqa: UP045 (typer needs Optional)
    "--containers/--no-containers", help=f"A. {_KEYS['containers'].text}")]
ServerlessFlag = Annotated[Optional[bool], typer.Option(  # noqa: UP045
    "--serverless/--no-serverless", help=f"C. {_KEYS['serverless'].text}")]
KubernetesFlag = Annotated[Optional[bool], typer.Option(  # noqa: UP045
    "--kubernetes/--no-kubernetes", help=f"D. {_KEYS['kubernetes'].text}")]
CloudCredentialsFlag = Annotated[Optional[bool], typer.Option(  # noqa: UP045
    "--cloud-credentials/--no-cloud-credentials", help=f"E. {_KEYS['cloud_credentials'].text}")]
Cloud = StrEnum("Cloud", {value: value for value in _KEYS["cloud"].choices})  # type: ignore[misc]
CloudFlag = Annotated[Optional[Cloud], typer.Option(  # noqa: UP045
    "--cloud", help=f"F. {_KEYS['cloud'].text}")]


def _tree_answers(**flags: Any) -> dict[str, Answer]:
    return {name: (value.value if isinstance(value, StrEnum) else value)
            for name, value in flags.items() if value is not None}


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so every `finally` (staging, clones, locks) still cleans up."""


def _terminate(signum: int, frame: Any) -> None:
    from .writing.staging import written

    if not written():  # past the point of no return the command finishes instead
        raise _Terminated


def _interrupt(signum: int, frame: Any) -> None:
    from .writing.staging import written

    if not written():
        raise KeyboardInterrupt


def _keeping_swallowed_stops(previous: Any) -> Any:
    """An unraisable-exception hook that keeps our handlers' stop when a finalizer swallowed it.

    A signal that arrives while some library's `__del__` runs raises inside it; Python prints
    "Exception ignored ... KeyboardInterrupt" with a traceback and carries on. The stop is kept
    instead and raised before the command's point of no return, so Ctrl-C still stops it; a
    command that gets there first, or writes nothing, finishes.
    """
    from .writing.staging import swallowed

    def hook(unraisable: Any) -> None:
        if issubclass(unraisable.exc_type, KeyboardInterrupt):
            swallowed(unraisable.exc_value)
        else:
            previous(unraisable)
    return hook


#: Set by `main()`: this process exits when the command returns, so a command that wrote keeps
#: ignoring Ctrl-C until then (in-process callers such as tests get their handlers back).
_WHOLE_PROCESS = False
#: Allocations between young-generation collections in `check` (Python's default is 700).
GC_YOUNG_THRESHOLD = 100_000


def _run(command: Any) -> None:
    """Run a command body, turning our errors, Ctrl-C and SIGTERM into exit codes."""
    from .writing.staging import start_command, swallowed, written

    start_command()
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = ((signal.signal(signal.SIGTERM, _terminate), signal.signal(signal.SIGINT,
                                                                          _interrupt))
                if in_main_thread else None)
    previous_hook = sys.unraisablehook
    if in_main_thread:  # where our handlers raise the stops it keeps
        sys.unraisablehook = ours = _keeping_swallowed_stops(previous_hook)
    try:
        if (early := take_stop()) is not None:  # while the CLI started: stop before anything
            (_terminate if early == signal.SIGTERM else _interrupt)(early, None)
        command()
    except ScaffoldError as problem:
        _console.error(str(problem))
        raise typer.Exit(problem.exit_code) from None
    except (KeyboardInterrupt, typer.Abort) as stop:  # prompts turn Ctrl-C into Abort
        _console.error("interrupted; nothing was written")
        # At a prompt, click turns the signal's exception into Abort: it is the context.
        terminated = isinstance(stop, _Terminated) or isinstance(stop.__context__, _Terminated)
        raise typer.Exit(EXIT_TERMINATED if terminated else EXIT_INTERRUPTED) from None
    except (typer.Exit, click.ClickException):
        raise
    except Exception:
        # A bug, not bad input: keep the traceback for the report (without locals: answers may
        # hold secrets), but never exit 1, which means "findings" to `check` and CI.
        traceback.print_exc()
        _console.error("internal error in prefect-scaffold (a bug): please report it with the "
                       "traceback above")
        raise typer.Exit(EXIT_CRASH) from None
    finally:
        # A stop kept but never raised (the command wrote, or failed first) ends with it; a
        # process that ends keeps the hook, since finalizers run at shutdown too.
        swallowed(None)
        if in_main_thread and not _WHOLE_PROCESS and sys.unraisablehook is ours:
            sys.unraisablehook = previous_hook
        if previous is not None and not (_WHOLE_PROCESS and written()):
            signal.signal(signal.SIGTERM, previous[0])
            signal.signal(signal.SIGINT, previous[1])


def _version(value: bool) -> None:
    if value:
        _console.data(f"prefect-scaffold {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """Pick the right Prefect deployment pattern and render a starter repository for it."""


@app.command("recommend")
def recommend_command(
    containers: ContainersFlag = None,
    serverless: ServerlessFlag = None,
    kubernetes: KubernetesFlag = None,
    cloud_credentials: CloudCredentialsFlag = None,
    cloud: CloudFlag = None,
    json: Annotated[bool, typer.Option("--json", help="Print a JSON object.")] = False,
) -> None:
    """Recommend a template: the path through the decision tree, the rationale and docs links."""
    from .answers.prompts import can_prompt
    from .scaffold import walk

    def body() -> None:
        answers = _tree_answers(containers=containers, serverless=serverless,
                                kubernetes=kubernetes, cloud_credentials=cloud_credentials,
                                cloud=cloud)
        result, _ = walk(answers, use_defaults=False, interactive=can_prompt())
        if json:
            _console.data_json(result.as_dict())
            return
        for step in result.path:
            _console.data(f"{step.question.label}. {step.question.text} "
                          f"{step.question.show(step.answer)}")
        _console.data(f"\n-> {result.template}: {result.leaf.title}\n\n{result.rationale}\n")
        for link in result.links:
            _console.data(f"  {link.title}: {link.url}")

    _run(body)


class TreeFormat(StrEnum):
    text = "text"
    mermaid = "mermaid"


@app.command()
def tree(
    format: Annotated[TreeFormat, typer.Option("--format", help="text or mermaid")]
    = TreeFormat.text,
) -> None:
    """Draw the decision tree (mermaid renders on GitHub)."""
    from .tree import view as tree_view

    _console.data(tree_view.as_mermaid() if format is TreeFormat.mermaid else tree_view.as_text())


@app.command("list")
def list_(
    json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
    questions: Annotated[bool, typer.Option("--questions", help="Show each template's questions.")]
    = False,
) -> None:
    """List the bundled templates."""
    from .catalog.registry import get_template, template_names

    templates = [get_template(name) for name in template_names()]
    if json:
        _console.data_json([
            {"name": t.name, "title": t.leaf.title, "summary": t.leaf.summary,
             "questions": [{"name": q.name, "type": q.type, "help": q.help, "default": q.default,
                            "choices": list(q.choices.values()) if q.choices else None}
                           for q in t.questions if not q.computed and q.prompted]}
            for t in templates
        ])
        return
    for t in templates:
        _console.data(f"{t.name:<10} {t.leaf.title}")
        if questions:
            for q in t.questions:
                if not q.computed and q.prompted:
                    _console.data(f"    {q.name:<24} {q.help}")


def _say_if_unpinned(answers: dict[str, Any]) -> None:
    """The project's CI cannot install a prefect-scaffold run from a local path: say how to pin."""
    from .answers.computed import local_install_hint

    if not answers.get("scaffold_install", "-"):
        _console.info(f"scaffold_install: prefect-scaffold runs from a local path; "
                      f"{local_install_hint(__version__)} so the project's CI can run it")


@app.command()
def new(
    destination: Annotated[Path, typer.Argument(help="Directory to create the project in.")]
    = Path("."),
    containers: ContainersFlag = None,
    serverless: ServerlessFlag = None,
    kubernetes: KubernetesFlag = None,
    cloud_credentials: CloudCredentialsFlag = None,
    cloud: CloudFlag = None,
    template: Annotated[Optional[str], typer.Option(  # noqa: UP045
        help="Render this template, skipping the decision tree.")] = None,
    data: Annotated[Optional[list[str]], typer.Option(  # noqa: UP045
        "--data", "-d", help="An answer, KEY=VALUE (repeatable).")] = None,
    data_file: Annotated[Optional[Path], typer.Option(  # noqa: UP045
        help="A YAML mapping of answers.")] = None,
    defaults: Annotated[bool, typer.Option(
        help="Ask nothing: take defaults for every unanswered question.")] = False,
    force: Annotated[bool, typer.Option(
        help="Render into a non-empty directory, overwriting the template's files.")] = False,
    dry_run: Annotated[bool, typer.Option(help="List what would be written; write nothing.")]
    = False,
    template_source: Annotated[Optional[str], typer.Option(  # noqa: UP045
        help="Render a team's own template (a folder or git URL) instead of a bundled one.")]
    = None,
    vcs_ref: Annotated[Optional[str], typer.Option(  # noqa: UP045
        help="Git tag or branch of --template-source.")] = None,
    trust: Annotated[bool, typer.Option(
        help="Allow a --template-source that runs copier tasks or migrations.")] = False,
    git: Annotated[bool, typer.Option(
        "--git/--no-git", help="Make DEST a git repository with one initial commit "
        "(skipped when DEST is inside a work tree).")] = True,
) -> None:
    """Choose a deployment pattern and render a project for it."""
    from .answers import prompts
    from .answers.layers import parse_data
    from .scaffold import new as scaffold_new

    def body() -> None:
        interactive = prompts.can_prompt() and not defaults
        result = scaffold_new(
            destination,
            tree_answers=_tree_answers(containers=containers, serverless=serverless,
                                       kubernetes=kubernetes, cloud_credentials=cloud_credentials,
                                       cloud=cloud),
            template=template, data=parse_data(data or []), data_file=data_file,
            use_defaults=defaults, interactive=interactive, force=force, dry_run=dry_run,
            template_source=template_source, vcs_ref=vcs_ref, trust=trust, git=git,
            notify=_console.info)
        if result.assumed:
            _console.info("--defaults answered the decision tree's open questions:")
            for step in result.assumed:
                other = [a for a in step.question.branches if a != step.answer]
                change = " or ".join(step.question.flag_for(a) for a in other)
                _console.info(f"  {step.question.label}. {step.question.text} "
                              f"{step.question.show(step.answer)}  (to change: {change})")
        for file in result.render.files:
            _console.data(str(file))
        if result.render.replaced:
            _console.info(f"--force {'would replace' if dry_run else 'replaced'} "
                          f"{len(result.render.replaced)} existing file(s): "
                          + ", ".join(map(str, result.render.replaced)))
        verb = "would write" if dry_run else "wrote"
        _console.info(f"\n{verb} {len(result.render.files)} files of template {result.template} "
                      f"into {result.render.destination}")
        if result.git is not None:
            _console.info(result.git.message)
        _say_if_unpinned(result.answers)
        if not dry_run:
            _console.info(f"next: cd {shlex.quote(str(destination))} && uv sync && uv run pytest"
                          "  (README.md has the deploy steps)")
        if interactive:
            _console.info("\nto render the same project without questions:\n  "
                          + result.equivalent_command(destination))

    _run(body)


@app.command("check")
def check_command(
    path: Annotated[Path, typer.Argument(
        help="The project folder, or its prefect.yaml of any name (prefect.yml, sub/deploy.yaml).")]
    = Path("."),
    json: Annotated[bool, typer.Option("--json", help="Print a JSON object.")] = False,
    pool_type: Annotated[Optional[str], typer.Option(  # noqa: UP045
        help="Work pool type (kubernetes, ecs, ecs:push...) when the project does not show it; "
        "NAME=TYPE[,NAME=TYPE] for named pools.")]
    = None,
    api: Annotated[bool, typer.Option(
        "--api", help="Check job variables against the live work pools at PREFECT_API_URL.")]
    = False,
    no_cache: Annotated[bool, typer.Option(
        "--no-cache", help="Check afresh instead of answering an unchanged project from the "
        "cache.")] = False,
    root: Annotated[Optional[Path], typer.Option(  # noqa: UP045
        "--root", help="The folder `prefect deploy` runs in, which entrypoints are relative to "
        "(default: the current folder or git root when the entrypoints are there, else the "
        "yaml's folder).")] = None,
    fix: Annotated[bool, typer.Option(
        "--fix", help="Show safe mechanical fixes of prefect.yaml as a diff (Prefect 2 names, "
        "legacy schedule, interval units, one-candidate typos).")] = False,
    write: Annotated[bool, typer.Option(
        "--write", help="With --fix: write the fixes into the file, in place (hard links and "
        "owner kept; through a symlink only to a file in the project).")] = False,
) -> None:
    """Validate a Prefect project offline: prefect.yaml, flows, job variables, Helm values, ECS."""
    from .check import check
    from .errors import EXIT_FINDINGS, CheckCrashed, InvalidAnswer

    if _WHOLE_PROCESS:
        _fewer_collections()

    def body() -> None:
        if write and not fix:
            raise InvalidAnswer("--write", True, "only with --fix (it writes what --fix shows)",
                                source="")
        if fix:
            _fix(path, write)
            return
        try:
            report = check(path, pool_type=pool_type, api=api, cache=not no_cache, root=root)
        except (ScaffoldError, KeyboardInterrupt):
            raise
        except Exception as problem:  # exit 3: a crash must never read as findings (exit 1)
            raise CheckCrashed(path, problem) from None
        if json:
            _console.data_json(report.as_dict())
        else:
            for finding in report.sorted():
                _console.data(finding.as_text())
            _console.info(report.summary())
        if not report.ok:
            raise typer.Exit(EXIT_FINDINGS)

    _run(body)


def _fewer_collections() -> None:
    """Let the garbage collector run less often in this short process: importing Prefect's
    models makes ~110,000 tracked objects that live to the end, and the ~300 collections the
    default threshold triggers cost ~3-4% of a cold `check` (mypy raises its threshold for the
    same reason). Memory stays bounded: collections still run, every 100,000 allocations."""
    import gc

    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])


def _fix(path: Path, write: bool) -> None:
    """`check --fix [--write]`: the diff on stdout (or the file rewritten), each fix on stderr."""
    from .check.fix import fix_file

    result = fix_file(path)
    if write and result.changes:  # first: a refusal is then the only line
        result.write()
    for change in result.changes:
        _console.info(f"{result.file}:{change.line}: fix: {change.what}")
    for refusal in result.refused:
        _console.info(f"{result.file}: not fixed: {refusal}")
    if not result.changes:
        _console.info("nothing fixed: every fix was refused (above); edit the file by hand"
                      if result.refused else "nothing to fix")
    elif write:
        _console.info(f"{len(result.changes)} fix(es) written to {result.file}")
    else:
        _console.data(result.diff().rstrip("\n"))
        _console.info(f"{len(result.changes)} fix(es) shown; add --write to apply them")


@app.command("update")
def update_command(
    path: Annotated[Path, typer.Argument(help="The rendered project (a clean git checkout).")]
    = Path("."),
    check: Annotated[bool, typer.Option(
        "--check", help="Only report: exit 1 when a newer template version exists.")] = False,
    trust: Annotated[bool, typer.Option(
        help="Allow a template source that runs copier tasks or migrations.")] = False,
    template_source: Annotated[Optional[Path], typer.Option(  # noqa: UP045
        help="A folder holding the bundled template version the project was rendered with, "
        "when that prefect-scaffold release cannot be installed.")] = None,
    latest_from: Annotated[Optional[str], typer.Option(  # noqa: UP045
        help="With --check: compare with the newest release this allows on your configured "
        "index (prefect-scaffold, 'prefect-scaffold<0.4', a wheel URL). Default: the newest "
        "prefect-scaffold when the project pins prefect-scaffold==X.Y.Z, else this tool.")]
    = None,
) -> None:
    """Bring a rendered project to its template's current version, keeping your edits."""
    from .answers.computed import local_install_hint
    from .day2.update import update
    from .errors import EXIT_FINDINGS, CannotUpdate

    def body() -> None:
        if latest_from is not None and not check:
            raise CannotUpdate(path, "--latest-from goes with --check (update itself moves to "
                               "this prefect-scaffold's template version)")
        result = update(path, check_only=check, trust=trust, template_source=template_source,
                        latest_from=latest_from, notify=_console.info)
        if result.migrated:
            _console.info(".copier-answers.yml now names its template logically instead of by a "
                          "path on the machine that rendered it (commit it)")
        if check:
            _console.data(f"{result.drift}: at {result.current}, latest {result.latest}")
            if result.drift in ("behind", "outdated"):
                release = str(result.latest).partition("+")[0]
                _console.info(f"to update: uvx --from prefect-scaffold=={release} "
                              f"prefect-scaffold update {shlex.quote(str(path))}, then commit")
                raise typer.Exit(EXIT_FINDINGS)
            return
        if not result.outdated:
            _console.info(f"already at the latest template version ({result.latest})")
            return
        _console.info(f"updated {path} from {result.current} to {result.latest}")
        if result.install == "":
            _console.info(f"scaffold_install: this prefect-scaffold runs from a local path; "
                          f"{local_install_hint(result.latest)}")
        for file in result.dropped:
            _console.info(f"deleted by you, changed by the template: {file} (the change was not "
                          "applied; restore the file from the template to take it)")
        if result.conflicts:
            for conflict in result.conflicts:
                _console.data(str(conflict))
            _console.error(f"{len(result.conflicts)} files have conflicts (<<<<<<< markers): "
                           "resolve them, then commit")
        if result.report is not None and not result.report.ok:
            for finding in result.report.sorted():
                _console.data(finding.as_text())
            _console.info(f"check after update: {result.report.summary()}")
        if result.conflicts or (result.report is not None and not result.report.ok):
            raise typer.Exit(EXIT_FINDINGS)

    _run(body)


@app.command("adopt")
def adopt_command(
    path: Annotated[Path, typer.Argument(help="The existing Prefect repository.")],
    template: Annotated[str, typer.Option(help="The template to bring it under.")],
    data: Annotated[Optional[list[str]], typer.Option(  # noqa: UP045
        "--data", "-d", help="An answer, KEY=VALUE (repeatable); beats what the repo says.")]
    = None,
    data_file: Annotated[Optional[Path], typer.Option(  # noqa: UP045
        help="A YAML mapping of answers.")] = None,
    defaults: Annotated[bool, typer.Option(
        help="Ask nothing: take defaults for every answer the repository does not give.")]
    = False,
    apply: Annotated[bool, typer.Option(
        help="Write the template's missing files and the answers file (your files stay).")]
    = False,
) -> None:
    """Bring a repository not rendered by prefect-scaffold under a template (a diff first)."""
    from .answers import prompts, team_defaults
    from .answers.layers import parse_data, read_data_file
    from .day2.adopt import adopt, answers_for

    def body() -> None:
        interactive = prompts.can_prompt() and not defaults
        answers, found = answers_for(
            path, template, parse_data(data or []),
            read_data_file(data_file) if data_file else {},
            team_defaults.load(template, Path.cwd()), use_defaults=defaults,
            prompt=prompts.ask_template_question if interactive else None)
        plan = adopt(path, template, answers, found, apply=apply)
        for key, source in plan.found.items():
            if key in answers:  # interval_minutes is not asked beside a cron schedule
                _console.info(f"{key}: {answers[key]!r} (from {source})")
        if not apply:
            _console.data(plan.diff.rstrip("\n"))
            merged = "".join(f"; would add the template's tooling to your {file}"
                             for file in plan.merged)
            _console.info(f"\nwould add {len(plan.added)} files{merged}; {len(plan.kept)} of "
                          "yours differ from the template and stay as they are (diff above); "
                          "pass --apply to write")
            return
        for file in plan.added:
            _console.data(f"added {file}")
        for file in plan.merged:
            _console.data(f"merged {file} (yours, with the template's dev and deploy tooling)")
        for file in plan.kept:
            _console.data(f"kept yours {file} (the template's differs)")
        for file in plan.skipped:
            _console.data(f"skipped {file} (the template's example, or a test of the template's "
                          "version of a file of yours)")
        _say_if_unpinned(answers)
        _console.info(f"\nadopted {path} as template {template}: added {len(plan.added)} files, "
                      f"kept {len(plan.kept)} of yours; commit, then "
                      "`prefect-scaffold update` brings template changes")

    _run(body)


@app.command("switch")
def switch_command(
    path: Annotated[Path, typer.Argument(help="The rendered project (a clean git checkout).")],
    to: Annotated[str, typer.Option("--to", help="The template to move to (e.g. k8s_pool).")],
    data: Annotated[Optional[list[str]], typer.Option(  # noqa: UP045
        "--data", "-d", help="An answer, KEY=VALUE (repeatable).")] = None,
    data_file: Annotated[Optional[Path], typer.Option(  # noqa: UP045
        help="A YAML mapping of answers.")] = None,
    defaults: Annotated[bool, typer.Option(
        help="Ask nothing: take defaults for every question the old answers do not cover.")]
    = False,
    branch: Annotated[Optional[str], typer.Option(  # noqa: UP045
        help="Name of the new branch (default switch-to-<template>).")] = None,
) -> None:
    """Move a project to another pattern on a new branch, keeping your flows and edits."""
    from .answers import prompts, team_defaults
    from .answers.layers import parse_data, read_data_file
    from .catalog.registry import template_names
    from .day2.switch import answers_for, prepare, switch
    from .errors import EXIT_FINDINGS, UnknownTemplate

    def body() -> None:
        if to not in template_names():  # name the option this command has
            raise UnknownTemplate(to, template_names(), flag="--to")
        recorded = prepare(path, to)
        interactive = prompts.can_prompt() and not defaults
        answers = answers_for(recorded, to, parse_data(data or []),
                              read_data_file(data_file) if data_file else {},
                              team_defaults.load(to, Path.cwd()), use_defaults=defaults,
                              prompt=prompts.ask_template_question if interactive else None)
        result = switch(path, recorded, to, answers, branch=branch)
        for label, files in (("added", result.added), ("removed", result.removed),
                             ("kept (you changed it)", result.kept), ("merged", result.merged),
                             ("conflict", result.conflicts)):
            for file in files:
                _console.data(f"{label}: {file}")
        _say_if_unpinned(answers)
        _console.info(f"\nswitched {path} from {recorded.bundled} to {to} on branch "
                      f"{result.branch} (commit {result.commit}); deployments carried over from "
                      f"serve.py: {', '.join(result.deployments) or 'none'}")
        if result.conflicts:
            _console.error(f"{len(result.conflicts)} files have conflicts (<<<<<<< markers): "
                           "resolve them, then amend the commit")
            raise typer.Exit(EXIT_FINDINGS)

    _run(body)


@app.command("pin")
def pin_command(
    path: Annotated[Path, typer.Argument(help="The rendered project.")] = Path("."),
    spec: Annotated[Optional[str], typer.Option(  # noqa: UP045
        help="How CI installs prefect-scaffold: prefect-scaffold==X.Y.Z, git+URL@COMMIT or a "
        "wheel URL (default: how this prefect-scaffold was installed).")] = None,
) -> None:
    """Record how CI installs prefect-scaffold (scaffold_install) in .copier-answers.yml."""
    from .day2.pin import pin

    def body() -> None:
        recorded = pin(path, spec)
        _console.info(f"scaffold_install: {recorded} (commit .copier-answers.yml)")

    _run(body)


class StatusFormat(StrEnum):
    table = "table"
    markdown = "markdown"


@app.command("status")
def status_command(
    paths: Annotated[list[Path], typer.Argument(
        help="Project folders, or folders of checkouts (each subfolder is one repository).")],
    json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
    format: Annotated[StatusFormat, typer.Option(
        "--format", help="table, or markdown for an issue or a wiki page.")] = StatusFormat.table,
    jobs: Annotated[int, typer.Option(
        "--jobs", min=1, help="Repositories looked at in parallel, one process each.")] = 1,
) -> None:
    """One row per repository: template, rendered and latest version, drift, check, pool."""
    from .day2.status import as_table, status

    def body() -> None:
        rows = status(paths, jobs=jobs)
        if json:
            _console.data_json([row.as_dict() for row in rows])
        else:
            _console.data(as_table(rows, markdown=format is StatusFormat.markdown))

    _run(body)


def main() -> None:
    global _WHOLE_PROCESS
    _WHOLE_PROCESS = True
    from .writing.staging import written

    try:
        app()
    finally:
        # A stop noted after the command (or a command that has no _run, such as --help): the
        # output is whole and nothing is left half-written, but the exit code says it stopped.
        early = take_stop()
        if early is not None and not written():
            _console.error("interrupted; nothing was written")
            raise SystemExit(EXIT_TERMINATED if early == signal.SIGTERM else EXIT_INTERRUPTED)
        if written():
            # Interpreter shutdown puts the default handlers back before the process ends: a
            # signal in that window would kill a command that finished. Ignored, it cannot.
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            signal.signal(signal.SIGINT, signal.SIG_IGN)
