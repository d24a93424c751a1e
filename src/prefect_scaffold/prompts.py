"""The only module that talks to a person. It never blocks without a terminal: callers check
`can_prompt()` first and turn a missing answer into an error naming the flag instead."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import typer

from . import questions
from .decision_tree import Answer
from .decision_tree import Question as TreeQuestion
from .errors import InvalidAnswer
from .recommend import Recommendation
from .registry import Question


def can_prompt() -> bool:
    return sys.stdin.isatty()


def ask_tree_question(question: TreeQuestion) -> Answer:
    typer.echo(f"\n{question.label}. {question.text}", err=True)
    typer.echo(f"   {question.help}", err=True)
    if question.yes_no:
        return typer.confirm("  ", default=bool(question.default), err=True)
    return pick("  ", list(question.choices), str(question.default))


def pick(label: str, values: list[str], default: str) -> str:
    """One of `values`, typed as its number or as the value itself."""
    for number, value in enumerate(values, start=1):
        typer.echo(f"  {number}. {value}", err=True)
    while True:
        raw = str(typer.prompt(f"{label}choose 1-{len(values)} or a value", default=default,
                               err=True)).strip()
        if raw in values:
            return raw
        if raw.isdigit() and 1 <= int(raw) <= len(values):
            return values[int(raw) - 1]
        typer.echo(f"  {raw!r} is not one of: a number from 1 to {len(values)}, "
                   f"{', '.join(values)}", err=True)


def confirm_template(recommendation: Recommendation, names: list[str]) -> str:
    leaf = recommendation.leaf
    typer.echo(f"\nRecommended: {leaf.id} - {leaf.title}\n  {leaf.rationale}", err=True)
    for link in leaf.links:
        typer.echo(f"  {link.title}: {link.url}", err=True)
    if typer.confirm(f"Use {leaf.id}?", default=True, err=True):
        return leaf.id
    while True:
        name = typer.prompt(f"Template ({', '.join(names)})", default=leaf.id, err=True)
        if name in names:
            return str(name)
        typer.echo(f"  {name!r} is not one of: {', '.join(names)}", err=True)


def ask_template_question(question: Question, default: Any,
                          check: Callable[[Any], None]) -> Any:
    """Ask until the answer passes the template's own validator."""
    label = question.help or question.name
    while True:
        if question.type == "bool":
            value: Any = typer.confirm(label, default=bool(default), err=True)
        elif question.choices:
            labels = list(question.choices)
            values = list(question.choices.values())
            typer.echo(label, err=True)
            for number, choice in enumerate(labels, start=1):
                typer.echo(f"  {number}. {choice}", err=True)
            start = values.index(default) + 1 if default in values else 1
            picked = typer.prompt(f"  choose 1-{len(values)}", type=int, default=start, err=True)
            if not 1 <= picked <= len(values):
                typer.echo(f"  pick a number from 1 to {len(values)}", err=True)
                continue
            value = values[picked - 1]
        else:
            raw = typer.prompt(label, default="" if default is None else str(default),
                               show_default=True, err=True)
            try:
                value = questions.cast(question, raw, source="answer")
            except InvalidAnswer as problem:
                typer.echo(f"  {problem}", err=True)
                continue
        try:
            check(value)
        except InvalidAnswer as problem:
            typer.echo(f"  {problem}", err=True)
            continue
        return value
