"""`new` as a library call: choose a template, layer its answers, render it.

The CLI only parses flags, calls `new` and prints the `NewResult`; tests and other programs call
`new` the same way. With `interactive=True` the open questions are asked through prompts.py (the
only module that talks to a person); without it, a missing answer is an error naming its flag.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .tree.decision_tree import Answer, Question
from .tree.recommend import (
    Recommendation,
    Step,
    check_consistent,
    next_question,
    path_for_template,
    recommend,
)
from .writing.git import GitOutcome
from .writing.render import RenderResult


@dataclass(frozen=True)
class NewResult:
    template: str
    render: RenderResult
    answers: dict[str, Any]  #: the template answers the project was rendered with
    #: The decision path recorded in the project (None when the tree did not pick the template).
    path: Recommendation | None = None
    #: Tree answers `--defaults` took because no flag gave them, in the order asked.
    assumed: tuple[Step, ...] = field(default_factory=tuple)
    #: What became of the project's git history (None for a dry run).
    git: GitOutcome | None = None

    def equivalent_command(self, destination: Path) -> str:
        """The non-interactive `new` that renders this same project into `destination`."""
        words = ["prefect-scaffold", "new", str(destination)]
        words += [word for flag in (self.path.flags if self.path else []) for word in flag.split()]
        words += ["--template", self.template]
        for key, value in self.answers.items():
            if key != "decision_path":
                text = str(value).lower() if isinstance(value, bool) else str(value)
                words += ["--data", f"{key}={text}"]
        words.append("--defaults")
        return shlex.join(words)


def walk(answers: Mapping[str, Answer], *, use_defaults: bool,
         interactive: bool) -> tuple[Recommendation, tuple[Step, ...]]:
    """Complete the path through the tree from `answers`, then defaults or prompts.

    Returns the recommendation and the steps `--defaults` assumed. Without defaults or a
    person to ask, `recommend` raises MissingAnswer naming the flag of the first open question.
    """
    from .answers import prompts

    check_consistent(answers)  # before asking anything
    answers = dict(answers)
    assumed: list[Step] = []
    while (question := next_question(answers)) is not None:
        if use_defaults:
            answer = _default_fitting(question, answers)
            answers[question.key] = answer
            assumed.append(Step(question, answer))
        elif interactive:
            answers[question.key] = prompts.ask_tree_question(question)
        else:
            break
    return recommend(answers), tuple(assumed)


def _default_fitting(question: Question, answers: Mapping[str, Answer]) -> Answer:
    """The question's default, unless a given answer rules it out (`--kubernetes --defaults`
    means containers: yes): then the answer that keeps a path through every given one."""
    from .errors import ContradictoryAnswers

    for candidate in (question.default, *question.branches):
        try:
            check_consistent({**answers, question.key: candidate})
        except ContradictoryAnswers:
            continue
        return candidate
    return question.default  # unreachable: the given answers were consistent before


def new(destination: Path, *, tree_answers: Mapping[str, Answer] | None = None,
        template: str | None = None, data: Mapping[str, Any] | None = None,
        data_file: Path | None = None, use_defaults: bool = False, interactive: bool = False,
        force: bool = False, dry_run: bool = False, template_source: str | None = None,
        vcs_ref: str | None = None, trust: bool = False, git: bool = True,
        notify: Callable[[str], None] = lambda line: None) -> NewResult:
    """Choose a template (the tree, `template` or a team's `template_source`), resolve its
    answers (--data over --data-file over the tree's implied answers over team defaults over
    the destination-derived and template defaults, or prompts), render it into `destination`
    and, unless `git` is False or it already lies in a work tree, commit it as a new repository.

    `notify` receives the lines a person should read as they happen: trust granted by copier's
    settings, and which team-defaults files supplied which answers.
    """
    from .answers import prompts, team_defaults
    from .answers.computed import install_spec
    from .answers.layers import layer, read_data_file, refuse_secrets, resolve
    from .catalog import sources
    from .catalog import trust as trust_policy
    from .catalog.registry import template_names
    from .writing.git import enclosing_work_tree
    from .writing.render import check_destination, render

    refuse_secrets({"--template": template, "--template-source": template_source,
                    "--vcs-ref": vcs_ref}, source="")  # before any error could echo them
    check_destination(destination, force=force)  # refuse before asking anything
    work_tree = enclosing_work_tree(destination)
    tree_answers = dict(tree_answers or {})
    interactive = interactive and not use_defaults
    path: Recommendation | None = None
    assumed: tuple[Step, ...] = ()
    if template_source is not None:
        source = sources.team(template_source, vcs_ref)
        path = path_for_template(source.template.name, tree_answers)
    elif template is None:
        path, assumed = walk(tree_answers, use_defaults=use_defaults, interactive=interactive)
        chosen = path.template
        if interactive:
            chosen = prompts.confirm_template(path, template_names())
            if chosen != path.template:
                path = None
        source = sources.bundled(chosen)
    else:
        source = sources.bundled(template)  # an unknown name is refused before the tree
        path = path_for_template(template, tree_answers)
    spec = source.template
    if note := trust_policy.decide(spec, source.url, trust=trust):  # before any of its Jinja
        notify(note)
    team = team_defaults.load(spec.name, Path.cwd())
    implied = path.presets() if path is not None else {}
    given = layer(spec, dict(data or {}), read_data_file(data_file) if data_file else {}, team,
                  implied=implied, implied_source=" ".join(path.flags) if path else "")
    computed = {"scaffold_install": install_spec()}
    if "project_name" not in given:
        computed["project_name"] = _project_name(destination)
    collected = resolve(spec, given, use_defaults=use_defaults, defaults=computed,
                        prompt=prompts.ask_template_question if interactive else None)
    for line in team_defaults.describe(team, {k: g.source for k, g in given.items()}):
        notify(line)  # these files change answers: always say which, and which not
    if path is not None and spec.question("decision_path"):
        collected["decision_path"] = path.as_answers()
    result = render(source, collected, destination, force=force, dry_run=dry_run, trust=trust)
    outcome = None
    if not dry_run:
        from .writing.staging import signals_held

        with signals_held():  # the project is written: a signal now must not leave half a .git
            outcome = _start_history(result.destination, spec.name, git, work_tree)
    return NewResult(template=spec.name, render=result, answers=collected, path=path,
                     assumed=assumed, git=outcome)


def _project_name(destination: Path) -> str:
    from .answers.computed import project_name_for
    from .errors import DestinationRefused

    folder = destination.absolute().name
    name = project_name_for(destination)
    if name is None:
        raise DestinationRefused(
            destination.absolute(), f"its folder name {folder!r} leaves no "
            "valid project_name (lowercase letters, digits, dashes, starting with a letter)",
            "choose another folder name or pass --data project_name=NAME")
    # Lowercase and dashes are the same name spelled for Python; dropped characters (`123abc`
    # -> `abc`) would be another name, chosen silently.
    if not re.sub(r"[^a-z0-9]+", "-", folder.lower()).strip("-").startswith(name):
        raise DestinationRefused(
            destination.absolute(), f"its folder name {folder!r} would make project_name "
            f"{name!r} (a project name starts with a letter)",
            f"pass --data project_name={name} to use it, or choose another folder name")
    return name


def _start_history(project: Path, template: str, git: bool,
                   work_tree: Path | None) -> GitOutcome:
    from .writing.git import START_BY_HAND, initial_commit

    if not git:
        return GitOutcome(False, f"git: --no-git, no repository made; `update` and the image "
                                 f"tag step need one: {START_BY_HAND}")
    if work_tree is not None:
        return GitOutcome(False, f"git: {project} is inside the work tree {work_tree}; "
                                 "nothing committed (commit the new files there)")
    return initial_commit(project, template)
