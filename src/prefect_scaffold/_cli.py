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
from .errors import EXIT_INTERRUPTED, ScaffoldError
from .recommend import Recommendation, next_question, recommend

app = typer.Typer(
    name="prefect-scaffold",
    help="Pick the right Prefect deployment pattern and render a starter repository for it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,  # answers may hold secrets
)

# The decision tree's questions as flags; one definition serves `new` and `recommend`.
ContainersFlag = Annotated[Optional[bool], typer.Option(  # noqa: UP045 (typer needs Optional)
    "--containers/--no-containers",
    help="A. Runs need customized or dynamically provisioned infrastructure (containers)?")]
ServerlessFlag = Annotated[Optional[bool], typer.Option(  # noqa: UP045
    "--serverless/--no-serverless", help="C. Want serverless infrastructure?")]
KubernetesFlag = Annotated[Optional[bool], typer.Option(  # noqa: UP045
    "--kubernetes/--no-kubernetes", help="D. Want managed Kubernetes?")]
CloudCredentialsFlag = Annotated[Optional[bool], typer.Option(  # noqa: UP045
    "--cloud-credentials/--no-cloud-credentials",
    help="E. Able to store cloud credentials on Prefect Cloud?")]


def _tree_answers(**flags: bool | None) -> dict[str, bool]:
    return {name: value for name, value in flags.items() if value is not None}


def _walk(answers: dict[str, bool], *, use_defaults: bool) -> Recommendation:
    """Complete the path through the tree: from flags, then defaults or prompts."""
    from . import prompts

    answers = dict(answers)
    while (question := next_question(answers)) is not None:
        if use_defaults:
            answers[question.id] = question.default
        elif prompts.can_prompt():
            answers[question.id] = prompts.ask_tree_question(question)
        else:
            return recommend(answers)  # raises MissingAnswer naming the flag
    return recommend(answers)


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
    json: Annotated[bool, typer.Option("--json", help="Print a JSON object.")] = False,
) -> None:
    """Recommend a template: the path through the decision tree, the rationale and docs links."""

    def body() -> None:
        answers = _tree_answers(containers=containers, serverless=serverless,
                                kubernetes=kubernetes, cloud_credentials=cloud_credentials)
        result = _walk(answers, use_defaults=False)
        if json:
            _console.data_json(result.as_dict())
            return
        for step in result.path:
            _console.data(f"{step.question.label}. {step.question.text} "
                          f"{'yes' if step.answer else 'no'}")
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
) -> None:
    """Choose a deployment pattern and render a project for it."""
    from . import prompts, sources, team_defaults
    from .answers import layer, parse_data, read_data_file, resolve
    from .registry import template_names
    from .render import check_destination, render

    def body() -> None:
        check_destination(destination, force=force)  # refuse before asking anything
        answers = _tree_answers(containers=containers, serverless=serverless,
                                kubernetes=kubernetes, cloud_credentials=cloud_credentials)
        interactive = prompts.can_prompt() and not defaults
        path: Recommendation | None = None
        if template_source is not None:
            source = sources.team(template_source, vcs_ref)
            chosen = source.template.name
        elif template is None:
            path = _walk(answers, use_defaults=defaults)
            chosen = path.template
            if interactive:
                chosen = prompts.confirm_template(path, template_names())
        else:
            chosen = template
            if next_question(answers) is None:
                path = recommend(answers)
        if template_source is None:
            source = sources.bundled(chosen)
        spec = source.template
        given = layer(spec, parse_data(data or []),
                      read_data_file(data_file) if data_file else {},
                      team_defaults.load(spec.name, Path.cwd()))
        collected = resolve(spec, given, use_defaults=defaults,
                            prompt=prompts.ask_template_question if interactive else None)
        if path is not None and path.template == chosen and spec.question("decision_path"):
            collected["decision_path"] = path.as_answers()
        result = render(source, collected, destination, force=force, dry_run=dry_run,
                        trust=trust)
        for file in result.files:
            _console.data(str(file))
        verb = "would write" if dry_run else "wrote"
        _console.info(f"\n{verb} {len(result.files)} files of template {chosen} "
                      f"into {result.destination}")
        if not dry_run:
            _console.info(f"next: cd {shlex.quote(str(destination))} && uv sync && uv run pytest"
                          "  (README.md has the deploy steps)")
        if interactive:
            _console.info("\nto render the same project without questions:\n  "
                          + _equivalent_command(destination, path, chosen, collected))

    _run(body)


def _equivalent_command(destination: Path, path: Recommendation | None, template: str,
                        answers: dict[str, Any]) -> str:
    words = ["prefect-scaffold", "new", str(destination)]
    for step in path.path if path else ():
        flag = step.question.flag
        words.append(flag if step.answer else f"--no-{flag[2:]}")
    words += ["--template", template]
    for key, value in answers.items():
        if key != "decision_path":
            text = str(value).lower() if isinstance(value, bool) else str(value)
            words += ["--data", f"{key}={text}"]
    words.append("--defaults")
    return shlex.join(words)


@app.command("check")
def check_command(
    path: Annotated[Path, typer.Argument(help="The project directory (or its prefect.yaml).")]
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
) -> None:
    """Validate a Prefect project offline: prefect.yaml, flows, job variables, Helm values, ECS."""
    from .check import check
    from .errors import EXIT_FINDINGS, CheckCrashed

    def body() -> None:
        try:
            report = check(path, pool_type=pool_type, api=api, cache=not no_cache)
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
