"""Property-based: any answer is either refused cleanly or renders a project that parses, passes
`check`, and holds no key made from the answer (a hostile string can't inject keys, break YAML or
run Jinja)."""

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

from prefect_scaffold.catalog.registry import get_template, template_names
from prefect_scaffold.check import check
from prefect_scaffold.errors import InvalidAnswer
from tests.helpers.projects import render_template

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
    destination = Path(tempfile.mkdtemp()) / "p"
    try:
        render_template(name, destination, **data)
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


_defaults: dict[str, dict[str, set[str]]] = {}


def _injected_keys(name: str, shapes: dict[str, set[str]], value: str) -> set[str]:
    """Key paths the defaults do not have whose last key is made of the answer's text.

    Answers may legitimately switch parts of a file on or off (no schedule, a ghcr.io registry),
    so new keys alone prove nothing; a new key spelled by the answer is an injection.
    """
    if name not in _defaults:
        _defaults[name] = _render(name, {})
    fragments = {part.strip(" '\"-[]{}:#&!") for part in value.replace("\n", ":").split(":")}
    fragments = {f for f in fragments if f}
    new = {path for file, paths in shapes.items()
           for path in paths - _defaults[name].get(file, set())}
    return {path for path in new if path.rsplit("/", 1)[-1].split("[", 1)[0] in fragments}


def _free_text_questions(name: str) -> list[str]:
    return [q.name for q in get_template(name).questions
            if q.type == "str" and not q.computed and q.prompted and not q.choices]


@pytest.mark.parametrize("name", template_names())
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_string_answer_is_refused_or_renders_a_sound_project(name, data):
    question = data.draw(st.sampled_from(_free_text_questions(name)), label="question")
    value = data.draw(st.one_of(st.sampled_from(HOSTILE), st.text(max_size=80)), label="value")
    # cfn-lint takes seconds: lint one accepted render in five.
    lint = data.draw(st.integers(0, 4), label="lint") == 0
    try:
        shapes = _render(name, {question: value}, lint_cloudformation=lint)
    except InvalidAnswer as refused:
        assert refused.field == question
        return
    # Accepted: every file parsed and passed check (in _render), and the answer made no key.
    assert not _injected_keys(name, shapes, value)


def test_the_injection_detector_sees_an_injected_key():
    shapes = {file: set(paths) for file, paths in _render("serve_vm", {}).items()}
    shapes["pyproject.toml"] |= {"/project/y", "/tool/permissions"}
    assert _injected_keys("serve_vm", shapes, "x\ny: 1") == {"/project/y"}
