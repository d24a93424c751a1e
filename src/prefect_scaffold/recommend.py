"""Walk the decision tree from answers to a recommended template."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .decision_tree import TREE, DecisionTree, Leaf, Link, Question
from .errors import MissingAnswer


@dataclass(frozen=True)
class Step:
    question: Question
    answer: bool


@dataclass(frozen=True)
class Recommendation:
    leaf: Leaf
    path: tuple[Step, ...]

    @property
    def template(self) -> str:
        return self.leaf.id

    @property
    def links(self) -> tuple[Link, ...]:
        return self.leaf.links

    def as_dict(self) -> dict[str, object]:
        return {
            "template": self.template,
            "title": self.leaf.title,
            "rationale": self.leaf.rationale,
            "path": [
                {"id": s.question.id, "label": s.question.label,
                 "question": s.question.text, "answer": s.answer}
                for s in self.path
            ],
            "links": [{"title": link.title, "url": link.url} for link in self.links],
        }

    def as_answers(self) -> list[dict[str, object]]:
        """The decision path as recorded in a rendered project's answers file."""
        return [{"question": s.question.text, "answer": "yes" if s.answer else "no"}
                for s in self.path]


def next_question(answers: Mapping[str, bool], tree: DecisionTree = TREE) -> Question | None:
    """The first question on the path that `answers` leaves open, or None at a leaf."""
    node = tree.node(tree.root)
    while isinstance(node, Question):
        if node.id not in answers:
            return node
        node = tree.node(node.yes if answers[node.id] else node.no)
    return None


def recommend(answers: Mapping[str, bool], tree: DecisionTree = TREE) -> Recommendation:
    """Follow `answers` (question id -> yes/no) to a leaf.

    Answers to questions off the path are ignored, as the chart ignores them. Raises
    `MissingAnswer` naming the flag for the first open question on the path.
    """
    path: list[Step] = []
    node = tree.node(tree.root)
    while isinstance(node, Question):
        if node.id not in answers:
            raise MissingAnswer(node.id, f"{node.flag} or --no-{node.flag[2:]}")
        answer = answers[node.id]
        path.append(Step(node, answer))
        node = tree.node(node.yes if answer else node.no)
    return Recommendation(leaf=node, path=tuple(path))
