"""The only module that talks to a person. It never blocks without a terminal: callers check
`can_prompt()` first and turn a missing answer into an error naming the flag instead."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import typer

from prefect_scaffold.catalog.registry import Question
from prefect_scaffold.errors import InvalidAnswer
from prefect_scaffold.tree.decision_tree import Answer
from prefect_scaffold.tree.decision_tree import Question as TreeQuestion
from prefect_scaffold.tree.recommend import Recommendation

from . import questions


def can_prompt() -> bool:
    return sys.stdin.isatty()


#: Typed at a prompt whose default is not empty, to answer with nothing (no schedule, no limit).
NONE = "-"
HELP = "?"
_YES = {"y", "yes", "true", "1"}
_NO = {"n", "no", "false", "0"}
# Every typer.prompt here gets value_proc=str: the text is validated by the code below. typer's
# own conversion builds a pydantic adapter per prompt, just before it waits for input: work whose
# finalizers can swallow a Ctrl-C (the stop is then kept, and the prompt waited on).


def ask_tree_question(question: TreeQuestion) -> Answer:
    typer.echo(f"\n{question.label}. {question.text}", err=True)
    typer.echo(f"   {question.help}", err=True)
    # `?` shows what each answer leads to, how to give it as a flag, and where to read more.
    leads = "; ".join(f"{question.show(answer)} -> {target}"
                      for answer, target in question.branches.items())
    links = "".join(f"\n    {link.title}: {link.url}" for link in question.links)
    help_text = (f"{question.help}\n  Answers: {leads}. As a flag: "
                 f"{question.flag_for(question.default)}.{links}")
    if question.yes_no:
        return yes_no("  (? for help)", bool(question.default), help_text)
    return pick("  ", list(question.choices), str(question.default), help_text)


def yes_no(label: str, default: bool, help_text: str = "") -> bool:
    """y/yes or n/no (Enter takes the default); anything else says what is accepted."""
    while True:
        raw = str(typer.prompt(f"{label} [{'Y/n' if default else 'y/N'}]", default="",
                               show_default=False, err=True, value_proc=str)).strip().lower()
        if not raw:
            return default
        if raw in _YES or raw in _NO:
            return raw in _YES
        if raw == HELP and help_text:
            typer.echo(f"  {help_text}", err=True)
            continue
        typer.echo(f"  {raw!r} is not one of: y, yes, n, no "
                   f"(Enter for {'yes' if default else 'no'})", err=True)


def pick(label: str, values: list[str], default: str, help_text: str = "") -> str:
    """One of `values`, typed as its number or as the value itself."""
    for number, value in enumerate(values, start=1):
        typer.echo(f"  {number}. {value}", err=True)
    while True:
        raw = str(typer.prompt(f"{label}choose 1-{len(values)} or a value", default=default,
                               err=True, value_proc=str)).strip()
        if raw in values:
            return raw
        if raw.isdigit() and 1 <= int(raw) <= len(values):
            return values[int(raw) - 1]
        if raw == HELP and help_text:
            typer.echo(f"  {help_text}", err=True)
            continue
        typer.echo(f"  {raw!r} is not one of: a number from 1 to {len(values)}, "
                   f"{', '.join(values)}", err=True)


def confirm_template(recommendation: Recommendation, names: list[str]) -> str:
    leaf = recommendation.leaf
    typer.echo(f"\nRecommended: {leaf.id} - {leaf.title}\n  {recommendation.rationale}", err=True)
    for link in leaf.links:
        typer.echo(f"  {link.title}: {link.url}", err=True)
    if yes_no(f"Use {leaf.id}?", True):
        return leaf.id
    return pick("Template: ", names, leaf.id)


def _allows_none(question: Question, default: Any, check: Callable[[Any], None]) -> bool:
    """An empty answer is valid here but is not the default: offer `-` for it."""
    if question.type != "str" or question.choices or default in (None, ""):
        return False
    try:
        check("")
    except InvalidAnswer:
        return False
    return True


def _accepted(check: Callable[[Any], None], value: Any) -> bool:
    try:
        check(value)
    except InvalidAnswer:
        return False
    return True


def _help(question: Question, default: Any, check: Callable[[Any], None],
          allows_none: bool) -> str:
    """What `?` shows beyond the prompt: what is allowed (the template's own validator says,
    asked with an empty answer), the default, and the flag that answers it without asking."""
    lines = [f"{question.name}: {question.help or question.name}"]
    if question.choices:
        allowed = [v for v in dict(question.choices).values() if _accepted(check, v)]
        lines.append("allowed: " + ", ".join(map(str, allowed)))
    elif question.type == "str":
        try:
            check("")
        except InvalidAnswer as problem:
            lines.append(f"allowed: {problem.allowed}")
    if allows_none:
        lines.append(f"{NONE} answers with nothing")
    if default not in (None, ""):
        lines.append(f"Enter keeps the default: {default}")
    lines.append(f"without asking: --data {question.name}=VALUE")
    return "\n  ".join(lines)


def ask_template_question(question: Question, default: Any,
                          check: Callable[[Any], None]) -> Any:
    """Ask until the answer passes the template's own validator; `?` shows the help."""
    label = question.help or question.name
    allows_none = _allows_none(question, default, check)
    help_text = _help(question, default, check, allows_none)
    while True:
        if question.type == "bool":
            value: Any = yes_no(f"{label} (? for help)", bool(default), help_text)
        elif question.choices:
            # Offer only what the template accepts here (push_pool refuses a self-hosted API).
            by_label = {k: v for k, v in dict(question.choices).items() if _accepted(check, v)}
            by_label = by_label or dict(question.choices)  # let the validator say why
            labels = list(by_label)
            if len(labels) == 1:
                typer.echo(f"{label}: {labels[0]} (the only choice here)", err=True)
                return by_label[labels[0]]
            typer.echo(f"{label} (? for help)", err=True)
            shown = next((k for k, v in by_label.items() if v == default), labels[0])
            value = by_label[pick("  ", labels, shown, help_text)]
        else:
            suffix = f" ({NONE} for none, ? for help)" if allows_none else " (? for help)"
            raw = typer.prompt(label + suffix, default="" if default is None else str(default),
                               show_default=True, err=True, value_proc=str)
            if str(raw).strip() == HELP:
                typer.echo(f"  {help_text}", err=True)
                continue
            if allows_none and str(raw).strip() == NONE:
                raw = ""
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
