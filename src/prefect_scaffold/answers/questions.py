"""Evaluate copier questions (defaults, `when`, choices, validators) the way copier does.

The templates' copier.yml is the one source of truth for what an answer may be: copier checks the
validators while it prompts, and this module runs the very same Jinja expressions on answers given
as --data, --data-file or at our own prompts, before anything is rendered.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import jinja2
import jinja2.sandbox
import yaml

from prefect_scaffold.catalog.registry import Question
from prefect_scaffold.errors import InvalidAnswer, SecretInAnswer, TemplateExpressionError
from prefect_scaffold.secrets import find_secret

_FALSE_STRINGS = {"", "0", "false", "f", "no", "n", "off", "none", "null"}
_TRUE_STRINGS = {"1", "true", "t", "yes", "y", "on"}


#: Largest string or list a template expression may build with `*`, and largest exponent.
_MAX_PRODUCT = 1_000_000
_MAX_EXPONENT = 1_000


class _Sandbox(jinja2.sandbox.SandboxedEnvironment):
    """jinja2's sandbox, plus bounds on `*` and `**`: a default of `{{ 'a' * 10**10 }}` or
    `{{ 9 ** 99999999 }}` would otherwise exhaust memory or time before anything is rendered."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, int) and abs(right) > _MAX_EXPONENT:
            raise jinja2.sandbox.SecurityError("exponent too large")
        if operator == "*":
            sized, count = (left, right) if isinstance(right, int) else (right, left)
            if (isinstance(sized, (str, list, tuple)) and isinstance(count, int)
                    and len(sized) * count > _MAX_PRODUCT):
                raise jinja2.sandbox.SecurityError("repetition too large")
        return super().call_binop(context, operator, left, right)


@cache
def _environment() -> jinja2.sandbox.SandboxedEnvironment:
    # Sandboxed, as copier renders: a template's defaults and validators are evaluated before
    # copier's own trust check, so `{{ cycler.__init__.__globals__.os.popen(...) }}` must not
    # reach Python. copier renders with these filters (regex_search, to_nice_yaml, ...).
    return _Sandbox(
        extensions=["jinja2_ansible_filters.AnsibleCoreFiltersExtension"],
        undefined=jinja2.ChainableUndefined,
    )


def render(value: Any, context: dict[str, Any], question: str = "") -> Any:
    """Render a Jinja string against the answers so far; anything else is returned as is.

    Raises TemplateExpressionError (naming the question) when the template's Jinja is broken or
    does something the sandbox forbids.
    """
    if isinstance(value, str) and ("{{" in value or "{%" in value):
        try:
            return _environment().from_string(value).render(**context)
        except Exception as error:
            # The template's code failing in any way (a sandbox refusal, 1/0, 'a' + 1): one line
            # naming the question, not a traceback.
            raise TemplateExpressionError(question, error.__class__.__name__) from None
    return value


def to_bool(value: Any) -> bool:
    """copier's cast_to_bool: YAML-ish strings count, anything else by truthiness."""
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in _FALSE_STRINGS:
            return False
        if lowered in _TRUE_STRINGS:
            return True
        raise ValueError(value)
    return bool(value)


def is_active(question: Question, context: dict[str, Any]) -> bool:
    """Whether copier would ask (and record) this question given the answers so far."""
    if isinstance(question.when, bool):
        return question.when
    try:
        return to_bool(render(question.when, context, question.name))
    except ValueError:
        raise TemplateExpressionError(question.name, "`when` is not true or false") from None


def default(question: Question, context: dict[str, Any]) -> Any:
    return cast(question, render(question.default, context, question.name), source="default")


def cast(question: Question, value: Any, source: str = "--data") -> Any:
    """Turn a given value into the question's type, or say what the type allows."""
    kind = question.type
    try:
        if kind == "bool":
            return to_bool(value)
        if kind == "int":
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError(value)
            return int(value)
        if kind == "float":
            return float(value)
        if kind in ("yaml", "json"):
            return yaml.safe_load(value) if isinstance(value, str) else value
    except (ValueError, TypeError, yaml.YAMLError):
        allowed = {"bool": "true or false", "int": "a whole number", "float": "a number"}
        raise InvalidAnswer(question.name, value, allowed.get(kind, f"valid {kind}"),
                            source) from None
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidAnswer(question.name, value, "a string (quote it in YAML)", source)
    return value


def refuse_secret(question: Question, value: Any, source: str = "--data") -> None:
    """Raise SecretInAnswer when `value` looks like a credential (never echoing it)."""
    if secret := find_secret(value):
        raise SecretInAnswer(question.name, *secret, source=source)


def validate(question: Question, value: Any, context: dict[str, Any],
             source: str = "--data") -> None:
    """Raise InvalidAnswer with the template's own message when `value` is not allowed.

    Every answer passes here (--data, --data-file, team defaults, prompts), so this is also where a
    pasted credential is refused, before the template's rules could echo it back.
    """
    refuse_secret(question, value, source)
    if question.choices is not None:
        allowed = list(question.choices.values())
        if value not in allowed:
            raise InvalidAnswer(question.name, value,
                                "one of " + ", ".join(str(a) for a in allowed), source)
    if question.validator:
        message = render(question.validator, {**context, question.name: value}, question.name)
        message = str(message).strip()
        if message:
            raise InvalidAnswer(question.name, value, message, source)
