"""Property-based: any answer is either refused cleanly or renders files that parse, with the
same structure as the defaults (a hostile string can't add keys, break YAML or run Jinja)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prefect_scaffold.answers import layer, resolve
from prefect_scaffold.check import check
from prefect_scaffold.errors import InvalidAnswer
from prefect_scaffold.registry import get_template, template_names
from prefect_scaffold.render import render
from prefect_scaffold.sources import bundled

pytestmark = pytest.mark.e2e  # a few hundred renders: slow for the quick loop

HOSTILE = ["a: b", "x\ny: 1", "'\"", "# comment", "{{ 7 * 7 }}", "{% raw %}", "${HOME}",
           "$(rm -rf /)", "`id`", "ünïcødé ✓", "x" * 500, "- item", "[1, 2]", "&anchor",
           "!!python/object:os.system", "null", "true", "0x1F", "\\", "'; DROP TABLE", ""]


def _structure(value: Any, prefix: str = "") -> set[str]:
    """Key paths of parsed data: what an injected key or a broken document would change."""
    if isinstance(value, dict):
        return {p for k, v in value.items()
                for p in {f"{prefix}/{k}"} | _structure(v, f"{prefix}/{k}")}
    if isinstance(value, list):
        return {p for i, v in enumerate(value) for p in _structure(v, f"{prefix}[{i}]")}
    return set()


def _parse_all(project: Path) -> dict[str, set[str]]:
    shapes = {}
    for path in sorted(project.rglob("*")):
        if not path.is_file():
            continue
        text, name = path.read_text(), str(path.relative_to(project))
        if path.suffix in (".yml", ".yaml"):
            shapes[name] = set().union(*(_structure(d) for d in yaml.safe_load_all(text)))
        elif path.suffix == ".json":
            shapes[name] = _structure(json.loads(text))
        elif path.suffix == ".toml":
            shapes[name] = _structure(tomllib.loads(text))
        elif path.suffix == ".py":
            compile(text, name, "exec")
    return shapes


def _render(name: str, data: dict[str, Any], *, lint_cloudformation: bool = False
            ) -> dict[str, set[str]]:
    """Render, then hold the project to what CI holds it to: every file parses, `check` (Prefect's
    models, step arguments, job variables, Helm chart schema, ECS model) finds no error, and,
    when asked, cfn-lint passes on its CloudFormation."""
    source = bundled(name)
    answers = resolve(source.template, layer(source.template, data, {}), use_defaults=True,
                      prompt=None)
    destination = Path(tempfile.mkdtemp()) / "p"
    try:
        render(source, answers, destination)
        shapes = _parse_all(destination)
        report = check(destination)
        assert report.ok, [f.as_text() for f in report.sorted()]
        stacks = [str(p) for p in destination.glob("infra/*.y*ml")]
        if lint_cloudformation and stacks:
            lint = subprocess.run([str(Path(sys.executable).parent / "cfn-lint"), "--", *stacks],
                                  capture_output=True, text=True, check=False)
            assert lint.returncode == 0, lint.stdout
        return shapes
    finally:
        shutil.rmtree(destination.parent)


# Some answers switch parts on or off when empty (no schedule, no git token): the structure may
# depend on whether an answer is empty, never on what it says.
_baselines: dict[tuple[str, str, bool], dict[str, set[str]]] = {}


def _baseline(name: str, question: str, empty: bool, accepted: dict[str, set[str]]):
    key = (name, question, empty)
    if key not in _baselines:
        # The template's own default is the benign answer when it is as empty as this one and
        # literal; otherwise the first accepted answer of the kind sets the baseline.
        default = get_template(name).question(question).default
        literal = isinstance(default, str) and "{{" not in default
        same_kind = literal and (default == "") == empty
        _baselines[key] = _render(name, {question: default}) if same_kind else accepted
    return _baselines[key]


def _free_text_questions(name: str) -> list[str]:
    return [q.name for q in get_template(name).questions
            if q.type == "str" and not q.computed and q.prompted and not q.choices]


@pytest.mark.parametrize("name", template_names())
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_string_answer_is_refused_or_renders_the_same_structure(name, data):
    question = data.draw(st.sampled_from(_free_text_questions(name)), label="question")
    value = data.draw(st.one_of(st.sampled_from(HOSTILE), st.text(max_size=80)), label="value")
    # cfn-lint takes seconds: lint one accepted render in five.
    lint = data.draw(st.integers(0, 4), label="lint") == 0
    try:
        shapes = _render(name, {question: value}, lint_cloudformation=lint)
    except InvalidAnswer as refused:
        assert refused.field == question
        return
    # Accepted: every file still parses, with exactly the keys a benign answer produces.
    assert shapes == _baseline(name, question, not value, shapes)
