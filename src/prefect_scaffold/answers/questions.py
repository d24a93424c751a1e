"""Evaluate copier questions (defaults, `when`, choices, validators) the way copier does.

The templates' copier.yml is the one source of truth for what an answer may be: copier checks the
validators while it prompts, and this module runs the very same Jinja expressions on answers given
as --data, --data-file or at our own prompts, before anything is rendered.
"""

from __future__ import annotations

import os
import resource
import signal
import threading
from functools import cache, lru_cache
from typing import Any

import jinja2
import jinja2.sandbox
import yaml

from prefect_scaffold.catalog.registry import Question
from prefect_scaffold.errors import InvalidAnswer, SecretInAnswer, TemplateExpressionError
from prefect_scaffold.secrets import find_secret

_FALSE_STRINGS = {"", "0", "false", "f", "no", "n", "off", "none", "null"}
_TRUE_STRINGS = {"1", "true", "t", "yes", "y", "on"}


#: Largest string or list a template expression may build with `*`, and largest integer (bits):
#: one `**` or `*` on big integers is a single step no timer can interrupt.
_MAX_PRODUCT = 1_000_000
_MAX_INT_BITS = 100_000


class _Sandbox(jinja2.sandbox.SandboxedEnvironment):
    """jinja2's sandbox, plus bounds on `*` and `**`: a default of `{{ 'a' * 10**10 }}` or
    `{{ ((10**1000)**1000)**1000 }}` would otherwise exhaust memory or time in one step."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        integers = isinstance(left, int) and isinstance(right, int)
        if operator == "**" and integers and right > 0 and (
                abs(left).bit_length() * right > _MAX_INT_BITS):
            raise jinja2.sandbox.SecurityError("power too large")
        if operator == "*":
            if integers and abs(left).bit_length() + abs(right).bit_length() > _MAX_INT_BITS:
                raise jinja2.sandbox.SecurityError("product too large")
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


@lru_cache(maxsize=1024)
def _compiled(source: str) -> jinja2.Template:
    # Compiling is 95% of evaluating a default or validator, and `new` evaluates each of a
    # template's expressions several times (defaults, `when`, validators, once per layer).
    return _environment().from_string(source)


def render(value: Any, context: dict[str, Any], question: str = "") -> Any:
    """Render a Jinja string against the answers so far; anything else is returned as is.

    Raises TemplateExpressionError (naming the question) when the template's Jinja is broken,
    does something the sandbox forbids, or exceeds the bounds of `_bounded`.
    """
    if isinstance(value, str) and ("{{" in value or "{%" in value):
        return _bounded(value, context, question)
    return value


#: What one copier.yml expression may use. Real defaults and validators take microseconds and
#: kilobytes; a team template's `'x'.ljust(3e8)` or nested `range(100000)` loops would take
#: gigabytes or minutes before anything is rendered.
MAX_SECONDS = 1.0
MAX_MEMORY = 64 * 2**20  #: address space beyond what the process maps when evaluation starts
MAX_OUTPUT = 2**20  #: characters one expression may produce (an answer is a line or two)


class _OutOfTime(Exception):
    pass


def _out_of_time(signum: int, frame: Any) -> None:
    raise _OutOfTime


def _bounded(source: str, context: dict[str, Any], question: str) -> str:
    """Evaluate under an address-space limit and a timer, in this process (a few microseconds
    of setup): every way to build a large string or list (ljust, format, `%`, center, indent,
    `~` in a loop, join, replace) fails at its allocation with MemoryError, and every loop
    (nested ranges, a backtracking regex) is stopped by SIGALRM. Integers are bounded in the
    sandbox itself (`_Sandbox`), since one `**` is a single uninterruptible step."""
    bounded = threading.current_thread() is threading.main_thread()  # signals need the main one
    if bounded:
        with open("/proc/self/statm") as statm:  # pages of address space mapped now
            mapped = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = mapped + MAX_MEMORY
        if soft == resource.RLIM_INFINITY or soft > limit:
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
        previous = signal.signal(signal.SIGALRM, _out_of_time)
        signal.setitimer(signal.ITIMER_REAL, MAX_SECONDS)
    try:
        rendered = _compiled(source).render(**context)
        if len(rendered) <= MAX_OUTPUT:
            return rendered
        problem = f"it produced more than {MAX_OUTPUT} characters"
    except _OutOfTime:
        problem = f"it ran longer than {MAX_SECONDS:g} s"
    except MemoryError:
        problem = f"it needed more than {MAX_MEMORY // 2**20} MB"
    except jinja2.sandbox.SecurityError as error:
        problem = f"the sandbox refused it: {error}"
    except Exception as error:
        # The template's code failing in any way (a sandbox refusal, 1/0, 'a' + 1): one line
        # naming the question, not a traceback.
        problem = error.__class__.__name__
    finally:
        if bounded:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
            resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    raise TemplateExpressionError(question, problem)


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
