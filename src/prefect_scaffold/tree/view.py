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
        width = max(len(node.show(answer)) for answer in node.branches)
        for answer, next_id in node.branches.items():
            draw(next_id, child_prefix, f"{node.show(answer):<{width}} ")

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
        for answer, next_id in question.branches.items():
            lines.append(f"    {question.id} -->|{question.show(answer)}| {next_id}")
    for leaf in tree.leaves.values():
        if leaf.links:
            lines.append(f'    click {leaf.id} "{leaf.links[0].url}" _blank')
    return "\n".join(lines)


