"""Answers to a template's questions, layered with provenance.

Precedence, highest first: --data KEY=VALUE, --data-file, team defaults (team_defaults.py), the
template's defaults (or a person at a prompt). Each given answer remembers where it came from, so an
error names the flag or file to fix.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from prefect_scaffold.catalog.registry import Question, Template, get_template, template_names
from prefect_scaffold.errors import (
    InvalidAnswer,
    InvalidDataFile,
    MissingAnswer,
    SecretInAnswer,
    UnknownKey,
)
from prefect_scaffold.limits import Unbounded, load_yaml, read_capped
from prefect_scaffold.secrets import find_secret, redact_url

from . import questions
from .team_defaults import TeamDefaults


@dataclass(frozen=True)
class Given:
    value: Any
    source: str  #: "--data", "--data-file" or a team-defaults file


#: Asks a person for one answer: (question, default, check) -> answer. `check` raises InvalidAnswer.
Prompt = Callable[[Question, Any, Callable[[Any], None]], Any]


def refuse_secrets(values: dict[str, Any], source: str) -> None:
    """Raise SecretInAnswer if any key or value, at any depth, looks like a credential.

    Runs before anything else looks at the answers (casting, key checks), as those echo them.
    """
    for key, value in values.items():
        if secret := find_secret(key):
            raise SecretInAnswer("<a key>", *secret, source=source)
        if secret := find_secret(value):
            shown = redact_url(value) if isinstance(value, str) else ""
            if "://" in shown and not find_secret(shown) and not any(c.isspace() for c in shown):
                key = f"{key} {shown}"  # a URL with user:password@: show where, never who
            raise SecretInAnswer(key, *secret, source=source)


def parse_data(pairs: Iterable[str]) -> dict[str, str]:
    parsed: dict[str, str] = {}
    for pair in pairs:
        if secret := find_secret(pair):
            key = pair.partition("=")[0]
            raise SecretInAnswer("<a key>" if find_secret(key) else key, *secret, source="--data")
        key, sep, value = pair.partition("=")
        if not _is_utf8(pair):  # argv bytes that are not UTF-8 arrive as lone surrogates
            raise InvalidAnswer("--data", "<bytes>", "KEY=VALUE in UTF-8 text", source="")
        if not sep or not key:
            raise InvalidAnswer("--data", pair, "KEY=VALUE", source="")
        parsed[key.strip()] = value
    return parsed


def _is_utf8(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def read_data_file(path: Path) -> dict[str, Any]:
    text = read_capped(path, InvalidDataFile)
    try:
        loaded = load_yaml(text)
    except Unbounded as problem:
        raise InvalidDataFile(path, f"is refused: {problem}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise InvalidDataFile(path, f"is not valid YAML{where}") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict) or not all(isinstance(k, str) for k in loaded):
        raise InvalidDataFile(path, f"holds a {type(loaded).__name__}, not a mapping")
    return loaded


def layer(template: Template, data: dict[str, Any], data_file: dict[str, Any],
          team: Sequence[TeamDefaults] = (), *, implied: dict[str, Any] | None = None,
          implied_source: str = "") -> dict[str, Given]:
    """Merge --data over --data-file over the tree's implied answers over team defaults,
    refusing keys the template does not ask.

    A team's general [defaults] may hold keys for other templates; those are skipped. `implied`
    holds the answers a tree flag implies (`--cloud gcp` picks push_pool's provider), named
    after that flag (`implied_source`) in errors.
    """
    layers = [(d.source, d.values, d.strict) for d in team]
    layers += [(implied_source, implied or {}, {}), ("--data-file", data_file, data_file),
               ("--data", data, data)]
    for source, values, _ in layers:
        refuse_secrets(values, source)
    given: dict[str, Given] = {}
    for source, values, strict in layers:
        for key, value in values.items():
            if key not in template.answerable:
                if key in strict:
                    raise UnknownKey(key, template.name, template.answerable, source,
                                     owners=_templates_asking(key, besides=template.name))
                continue
            given[key] = Given(value, source)
    return given


def _templates_asking(key: str, *, besides: str) -> list[str]:
    """The bundled templates (other than `besides`) that ask `key`."""
    return [name for name in template_names()
            if name != besides and key in get_template(name).answerable]


def resolve(template: Template, given: dict[str, Given], *, use_defaults: bool,
            prompt: Prompt | None, defaults: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Every answer copier needs, in question order: given, defaulted, or asked.

    `defaults` replace the template's own defaults (what only the running tool knows: the
    destination's name, how it was installed); prompts offer them too.

    Returns only the answers a user gives (computed and inactive questions are left to copier).
    Raises MissingAnswer when a question has no answer, no --defaults and no prompt.
    """
    context: dict[str, Any] = {}
    answers: dict[str, Any] = {}
    for question in template.questions:
        if question.computed or not questions.is_active(question, context):
            if question.name in given:  # not rendered, but a pasted key is still refused
                item = given[question.name]
                questions.refuse_secret(question, item.value, item.source)
                if item.source == "--data" and not question.computed:
                    # Asked for on the command line, yet these answers never use it: say so
                    # rather than render a project without what the user asked for.
                    condition = str(question.when).strip().removeprefix("{{").removesuffix("}}")
                    raise InvalidAnswer(question.name, item.value,
                                        f"only applies when {condition.strip()}", item.source)
            if question.default is not None:
                context[question.name] = questions.default(question, context)
            continue
        if question.name in given:
            item = given[question.name]
            value = questions.cast(question, item.value, item.source)
            questions.validate(question, value, context, item.source)
        else:
            if defaults and question.name in defaults:
                fallback = defaults[question.name]
            else:
                fallback = (questions.default(question, context)
                            if question.default is not None else None)
            supply = f"--data {question.name}=... (or --defaults)"
            if use_defaults or not question.prompted:
                if fallback is None:
                    raise MissingAnswer(question.name, supply)
                value = fallback
                questions.validate(question, value, context, "default")
            elif prompt is not None:
                def check(candidate: Any, q: Question = question) -> None:
                    questions.validate(q, candidate, context, "answer")

                value = prompt(question, fallback, check)
            else:
                raise MissingAnswer(question.name, supply)
        context[question.name] = answers[question.name] = value
    return answers
