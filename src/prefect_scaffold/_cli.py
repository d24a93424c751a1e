"""The `prefect-scaffold` command line: parse flags, call the library, print the result.

Errors become exit codes here and nowhere else (see errors.py). copier and prefect are imported
only inside the commands that need them, so `--help`, `recommend`, `tree` and `list` stay fast.
"""

from __future__ import annotations

import shlex
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from . import __version__, _console
from .decision_tree import TREE, Answer
from .errors import EXIT_INTERRUPTED, ScaffoldError

app = typer.Typer(
    name="prefect-scaffold",
    help="Pick the right Prefect deployment pattern and render a starter repository for it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,  # answers may hold secrets
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


def _run(command: Any) -> None:
    """Run a command body, turning our errors and Ctrl-C into exit codes."""
    try:
        command()
    except ScaffoldError as problem:
        _console.error(str(problem))
        raise typer.Exit(problem.exit_code) from None
    except (KeyboardInterrupt, typer.Abort):  # prompts turn Ctrl-C into Abort
        _console.error("interrupted; nothing was written")
        raise typer.Exit(EXIT_INTERRUPTED) from None


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
    from .prompts import can_prompt
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
        _console.data(f"\n-> {result.template}: {result.leaf.title}\n\n{result.leaf.rationale}\n")
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
    from . import tree_view

    _console.data(tree_view.as_mermaid() if format is TreeFormat.mermaid else tree_view.as_text())


@app.command("list")
def list_(
    json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
    questions: Annotated[bool, typer.Option("--questions", help="Show each template's questions.")]
    = False,
) -> None:
    """List the bundled templates."""
    from .registry import get_template, template_names

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
    from . import prompts
    from .answers import parse_data
    from .computed_defaults import local_install_hint
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
            template_source=template_source, vcs_ref=vcs_ref, trust=trust, git=git)
        if result.assumed:
            _console.info("--defaults answered the decision tree's open questions:")
            for step in result.assumed:
                other = [a for a in step.question.branches if a != step.answer]
                change = " or ".join(step.question.flag_for(a) for a in other)
                _console.info(f"  {step.question.label}. {step.question.text} "
                              f"{step.question.show(step.answer)}  (to change: {change})")
        for file in result.render.files:
            _console.data(str(file))
        verb = "would write" if dry_run else "wrote"
        _console.info(f"\n{verb} {len(result.render.files)} files of template {result.template} "
                      f"into {result.render.destination}")
        if result.git is not None:
            _console.info(result.git.message)
        if not result.answers.get("scaffold_install", "-"):
            _console.info(f"scaffold_install: prefect-scaffold runs from a local path; "
                          f"{local_install_hint()} so the project's CI can run it")
        if not dry_run:
            _console.info(f"next: cd {shlex.quote(str(destination))} && uv sync && uv run pytest"
                          "  (README.md has the deploy steps)")
        if interactive:
            _console.info("\nto render the same project without questions:\n  "
                          + result.equivalent_command(destination))

    _run(body)


@app.command("check")
def check_command(
    path: Annotated[Path, typer.Argument(help="The project directory (or its prefect.yaml).")]
    = Path("."),
    json: Annotated[bool, typer.Option("--json", help="Print a JSON object.")] = False,
    pool_type: Annotated[Optional[str], typer.Option(  # noqa: UP045
        help="Work pool type (kubernetes, ecs, ecs:push...) when the project does not show it.")]
    = None,
    api: Annotated[bool, typer.Option(
        "--api", help="Check job variables against the live work pools at PREFECT_API_URL.")]
    = False,
) -> None:
    """Validate a Prefect project offline: prefect.yaml, flows, job variables, Helm values, ECS."""
    from .check import check
    from .errors import EXIT_FINDINGS

    def body() -> None:
        report = check(path, pool_type=pool_type, api=api)
        if json:
            _console.data_json(report.as_dict())
        else:
            for finding in report.sorted():
                _console.data(finding.as_text())
            _console.info(report.summary())
        if not report.ok:
            raise typer.Exit(EXIT_FINDINGS)

    _run(body)


@app.command("update")
def update_command(
    path: Annotated[Path, typer.Argument(help="The rendered project (a clean git checkout).")]
    = Path("."),
    check: Annotated[bool, typer.Option(
        "--check", help="Only report: exit 1 when a newer template version exists.")] = False,
    trust: Annotated[bool, typer.Option(
        help="Allow a template source that runs copier tasks or migrations.")] = False,
) -> None:
    """Bring a rendered project to its template's current version, keeping your edits."""
    from .errors import EXIT_FINDINGS
    from .update import update

    def body() -> None:
        result = update(path, check_only=check, trust=trust)
        if check:
            state = "outdated" if result.outdated else "current"
            _console.data(f"{state}: at {result.current}, latest {result.latest}")
            if result.outdated:
                raise typer.Exit(EXIT_FINDINGS)
            return
        if not result.outdated:
            _console.info(f"already at the latest template version ({result.latest})")
            return
        _console.info(f"updated {path} from {result.current} to {result.latest}")
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


def main() -> None:
    app()
