"""The bundled templates and the questions each one asks, read from its own copier.yml."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from prefect_scaffold.errors import UnknownTemplate
from prefect_scaffold.tree.decision_tree import TREE, Leaf


def templates_root() -> Path:
    """Where the bundled templates are: inside the installed package, or at a checkout's root."""
    package = Path(__file__).resolve().parents[1]  # prefect_scaffold/, this module is catalog/
    packaged = package / "templates"
    if packaged.is_dir():
        return packaged
    return package.parents[1] / "templates"


@dataclass(frozen=True)
class Question:
    """One copier question as copier reads it; questions.py evaluates its Jinja strings."""

    name: str
    type: str = "str"
    help: str = ""
    default: Any = None
    choices: dict[str, Any] | None = None  #: label -> value
    validator: str | None = None
    when: Any = True
    ask: Any = True

    @property
    def computed(self) -> bool:
        """A value the template derives itself (`when: false`): never asked, never given."""
        return self.when is False

    @property
    def prompted(self) -> bool:
        """False for values recorded but never asked (`ask: false`), like the decision path."""
        return self.ask is not False


@dataclass(frozen=True)
class Template:
    name: str
    path: Path
    questions: tuple[Question, ...]
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def leaf(self) -> Leaf | None:
        """The decision-tree leaf this template implements (None for a team's unknown kind)."""
        return TREE.leaves.get(self.name)

    def question(self, name: str) -> Question | None:
        return next((q for q in self.questions if q.name == name), None)

    @property
    def answerable(self) -> list[str]:
        """Names a user may answer with --data: not computed values, not the recorded decision
        (`scaffold_install`, recorded but never asked, may be given)."""
        return [q.name for q in self.questions if not q.computed and q.name != "decision_path"]


def _load_copier_yml(path: Path) -> dict[str, Any]:
    """Read copier.yml as copier does: several YAML documents, `!include` relative to the root."""
    root = path.parent

    class Loader(yaml.SafeLoader):
        pass

    def include(loader: yaml.SafeLoader, node: yaml.Node) -> list[Any]:
        pattern = str(loader.construct_scalar(node))  # type: ignore[arg-type]
        documents: list[Any] = []
        for included in sorted(root.glob(pattern)):
            documents.extend(d for d in yaml.load_all(included.read_text(), Loader=Loader) if d)
        return documents

    Loader.add_constructor("!include", include)
    merged: dict[str, Any] = {}
    for document in yaml.load_all(path.read_text(), Loader=Loader):
        for part in document if isinstance(document, list) else [document]:
            if isinstance(part, list):
                for sub in part:
                    merged.update(sub)
            elif part:
                merged.update(part)
    return merged


def _question(name: str, spec: Any) -> Question:
    if not isinstance(spec, dict):  # copier's short form: `name: default`
        return Question(name=name, default=spec, type=_infer_type(spec))
    choices = spec.get("choices")
    if isinstance(choices, list):
        choices = {str(c): c for c in choices}
    return Question(
        name=name,
        type=spec.get("type", _infer_type(spec.get("default"))),
        help=spec.get("help", ""),
        default=spec.get("default"),
        choices=choices,
        validator=spec.get("validator"),
        when=spec.get("when", True),
        ask=spec.get("ask", True),
    )


def _infer_type(default: Any) -> str:
    return {bool: "bool", int: "int", float: "float"}.get(type(default), "str")


@cache
def load_template(path: Path) -> Template:
    config = _load_copier_yml(path / "copier.yml")
    settings = {k: v for k, v in config.items() if k.startswith("_")}
    questions = tuple(_question(k, v) for k, v in config.items() if not k.startswith("_"))
    # A team's copy of one of our templates keeps our computed `template_name`: use it as the name.
    kind = next((q.default for q in questions if q.name == "template_name" and q.computed), None)
    return Template(name=str(kind or path.name), path=path, questions=questions, settings=settings)


def template_names() -> list[str]:
    """Bundled templates, in the decision tree's order."""
    root = templates_root()
    return [name for name in TREE.leaves if (root / name / "copier.yml").is_file()]


def get_template(name: str) -> Template:
    if name not in template_names():
        raise UnknownTemplate(name, template_names())
    return load_template(templates_root() / name)
