"""What a bundled template must provide, so adding one is one folder and one tree leaf.

The shared parts a template includes (`!include questions/<part>.yml`) reference values the
template computes (`template_name`, `default_work_pool_name`, ...) and README partials it writes
(`partials/readme_why.md.jinja`, ...). Both lists are read off the shared parts themselves, so a
new shared reference makes every template that lacks it fail here, with its name.
"""

from __future__ import annotations

import re
from pathlib import Path

import jinja2
import jinja2.meta
import pytest

from prefect_scaffold.tree.decision_tree import TREE
from prefect_scaffold.catalog.registry import get_template, template_names, templates_root

SHARED = templates_root() / "_shared"
_INCLUDE = re.compile(r"^!include questions/([a-z_]+)\.yml\s*$", re.MULTILINE)
_PARTIAL = re.compile(r"""{%-?\s*include\s+["'](partials/[^"']+)["']""")
# Names copier provides to every template, and Jinja's own.
_BUILTIN = {"_copier_conf", "_copier_answers", "_copier_python", "_folder_name", "_src_path",
            "_commit", "loop", "range", "namespace", "cycler", "joiner", "dict", "lipsum"}


class _AnyFilter(dict):
    def get(self, name, default=None):
        return super().get(name) or (lambda value, *args, **kwargs: value)


def _parts(template: Path) -> list[str]:
    return _INCLUDE.findall((template / "copier.yml").read_text())


def _needs(part: str) -> tuple[set[str], set[str]]:
    """(values the part's files reference but its questions do not define, partials it includes)"""
    env = jinja2.Environment(extensions=["jinja2.ext.do", "jinja2.ext.loopcontrols"])
    env.filters = _AnyFilter(env.filters)  # copier adds filters (to_json, ...) we only parse
    referenced: set[str] = set()
    partials: set[str] = set()
    texts = [text for path in (SHARED / part).rglob("*") if path.is_file()
             for text in (str(path.relative_to(SHARED / part)), path.read_text())]
    for text in texts:
        referenced |= jinja2.meta.find_undeclared_variables(env.parse(text))
        partials |= set(_PARTIAL.findall(text))
    # A value always read as `name | default(...)` is optional (pool values in base files).
    joined = "\n".join(re.findall(r"{[{%].*?[}%]}", "\n".join(texts), re.DOTALL))
    referenced = {name for name in referenced
                  if len(re.findall(rf"\b{name}\b", joined))
                  > len(re.findall(rf"\b{name}\s*\|\s*default\b", joined))}
    defined: set[str] = set()
    questions = (SHARED / part / "questions" / f"{part}.yml")
    if questions.is_file():
        defined = set(re.findall(r"^([a-z_][a-z0-9_]*):", questions.read_text(), re.MULTILINE))
    return referenced - defined - _BUILTIN, partials


@pytest.mark.parametrize("name", template_names())
def test_template_name_is_its_folder_and_a_tree_leaf(name):
    template = get_template(name)
    assert template.path.name == name
    question = template.question("template_name")
    assert question is not None and question.computed and question.default == name
    assert name in TREE.leaves


@pytest.mark.parametrize("name", template_names())
def test_template_provides_what_its_shared_parts_reference(name):
    template = get_template(name)
    own = {q.name for q in template.questions}
    for part in _parts(template.path):
        values, partials = _needs(part)
        missing = sorted(values - own)
        assert not missing, f"{name} includes {part} but does not define {missing}"
        absent = sorted(p for p in partials if not (template.path / p).is_file())
        assert not absent, f"{name} includes {part} but has no {absent}"


def test_every_template_includes_the_base_part():
    for name in template_names():
        assert "base" in _parts(get_template(name).path), name
