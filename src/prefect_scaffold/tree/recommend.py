"""Walk the decision tree from answers to a recommended template."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from prefect_scaffold.errors import ContradictoryAnswers, InvalidAnswer, MissingAnswer

from .decision_tree import TREE, Answer, DecisionTree, Leaf, Link, Question


@dataclass(frozen=True)
class Step:
    question: Question
    answer: Answer


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

    @property
    def rationale(self) -> str:
        """Why this leaf, for the answers on this path."""
        for step in self.path:
            if reason := self.leaf.rationale_for.get(step.question.key, {}).get(step.answer):
                return reason
        return self.leaf.rationale

    @property
    def flags(self) -> list[str]:
        """The tree flags that reproduce this path."""
        return [step.question.flag_for(step.answer) for step in self.path]

    def presets(self) -> dict[str, Any]:
        """Template answers this path implies (the leaf's presets for the answers given)."""
        implied: dict[str, Any] = {}
        for step in self.path:
            implied.update(self.leaf.presets.get(step.question.key, {}).get(step.answer, {}))
        return implied

    def as_dict(self) -> dict[str, object]:
        return {
            "template": self.template,
            "title": self.leaf.title,
            "rationale": self.rationale,
            "path": [
                {"id": s.question.key, "label": s.question.label,
                 "question": s.question.text, "answer": s.answer}
                for s in self.path
            ],
            "links": [{"title": link.title, "url": link.url} for link in self.links],
        }

    def as_answers(self) -> list[dict[str, object]]:
        """The decision path as recorded in a rendered project's answers file."""
        return [{"question": s.question.text, "answer": s.question.show(s.answer)}
                for s in self.path]


def check_answer(question: Question, answer: Answer) -> Answer:
    """Refuse an answer the question does not offer (a choice question's unknown value)."""
    if answer not in question.branches:
        allowed = "yes or no" if question.yes_no else ", ".join(question.choices)
        raise InvalidAnswer(question.flag, answer, allowed, source="")
    return answer


def next_question(answers: Mapping[str, Answer], tree: DecisionTree = TREE) -> Question | None:
    """The first question on the path that `answers` leaves open, or None at a leaf."""
    node = tree.node(tree.root)
    while isinstance(node, Question):
        if node.key not in answers:
            return node
        node = tree.node(node.branches[check_answer(node, answers[node.key])])
    return None


def recommend(answers: Mapping[str, Answer], tree: DecisionTree = TREE) -> Recommendation:
    """Follow `answers` (answer key -> answer) to a leaf.

    Raises `ContradictoryAnswers` when no path asks exactly the given questions (`--no-serverless
    --cloud gcp`: the chart never asks which cloud without serverless, so the user meant another
    path), and `MissingAnswer` naming the flag for the first open question on the path.
    """
    check_consistent(answers, tree)
    path: list[Step] = []
    node = tree.node(tree.root)
    while isinstance(node, Question):
        if node.key not in answers:
            supply = (f"{node.flag} or --no-{node.flag[2:]}" if node.yes_no
                      else f"{node.flag} {'|'.join(node.choices)}")
            raise MissingAnswer(node.key, supply)
        answer = answers[node.key]
        path.append(Step(node, answer))
        node = tree.node(node.branches[answer])
    return Recommendation(leaf=node, path=tuple(path))


def paths(tree: DecisionTree = TREE) -> Iterator[Recommendation]:
    """Every path through the tree, root to leaf."""
    def walk(node_id: str, path: tuple[Step, ...]) -> Iterator[Recommendation]:
        node = tree.node(node_id)
        if isinstance(node, Leaf):
            yield Recommendation(leaf=node, path=path)
            return
        for answer, next_id in node.branches.items():
            yield from walk(next_id, (*path, Step(node, answer)))

    yield from walk(tree.root, ())


def _fits(path: Recommendation, answers: Mapping[str, Answer]) -> bool:
    """Every given answer is on `path`, with the same value."""
    return {s.question.key: s.answer for s in path.path}.items() >= answers.items()


def check_consistent(answers: Mapping[str, Answer], tree: DecisionTree = TREE) -> None:
    """Refuse unknown answers and answers no single path asks together."""
    for key, answer in answers.items():
        check_answer(tree.keys()[key], answer)
    if not any(_fits(path, answers) for path in paths(tree)):
        raise ContradictoryAnswers(_flags(tree, answers, list(answers)),
                                   "no path through the decision tree asks all of these")


def path_for_template(template: str, answers: Mapping[str, Answer],
                      tree: DecisionTree = TREE) -> Recommendation | None:
    """The path to `template` that the given tree answers pin down, if exactly one does.

    Raises `ContradictoryAnswers` when no path to `template` agrees with every given answer
    (`--serverless --template serve_vm`). Returns None when several paths fit (serve_vm is
    reached two ways) or `template` is not a leaf (a team's own kind): then no path is recorded.
    """
    if template not in tree.leaves:
        return None
    check_consistent(answers, tree)
    fitting = [path for path in paths(tree)
               if path.template == template and _fits(path, answers)]
    if not fitting:
        raise ContradictoryAnswers(_flags(tree, answers, list(answers)),
                                   f"no path through the decision tree leads to --template "
                                   f"{template} with these answers")
    return fitting[0] if len(fitting) == 1 else None


def _flags(tree: DecisionTree, answers: Mapping[str, Answer], keys: list[str]) -> str:
    return " ".join(tree.keys()[key].flag_for(answers[key]) for key in keys)
