"""Drawings of the decision tree: indented text and a GitHub-renderable mermaid flowchart."""

from __future__ import annotations

from .decision_tree import TREE, DecisionTree, Leaf


def as_text(tree: DecisionTree = TREE) -> str:
    lines: list[str] = []

    def draw(node_id: str, prefix: str, edge: str) -> None:
        node = tree.node(node_id)
        if isinstance(node, Leaf):
            lines.append(f"{prefix}{edge}-> {node.id}: {node.title}")
            return
        lines.append(f"{prefix}{edge}{node.label}. {node.text} [{node.flag}]")
        child_prefix = prefix + ("    " if edge else "")
        draw(node.yes, child_prefix, "yes ")
        draw(node.no, child_prefix, "no  ")

    draw(tree.root, "", "")
    return "\n".join(lines)


def _mermaid_text(text: str) -> str:
    # Mermaid labels are quoted; a double quote inside would end the label early.
    return text.replace('"', "#quot;")


def as_mermaid(tree: DecisionTree = TREE) -> str:
    lines = ["flowchart TD"]
    for question in tree.questions.values():
        lines.append(f'    {question.id}{{"{question.label}. {_mermaid_text(question.text)}"}}')
    for leaf in tree.leaves.values():
        lines.append(f'    {leaf.id}["{leaf.id}: {_mermaid_text(leaf.title)}"]')
    for question in tree.questions.values():
        lines.append(f"    {question.id} -->|yes| {question.yes}")
        lines.append(f"    {question.id} -->|no| {question.no}")
    for leaf in tree.leaves.values():
        if leaf.links:
            lines.append(f'    click {leaf.id} "{leaf.links[0].url}" _blank')
    return "\n".join(lines)


