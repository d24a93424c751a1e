import re

from prefect_scaffold.tree.decision_tree import TREE
from prefect_scaffold.tree.view import as_mermaid, as_text


def test_text_shows_every_question_with_its_flag_and_every_leaf():
    text = as_text()
    for question in TREE.questions.values():
        assert f"{question.label}. {question.text} [{question.flag}]" in text
    for leaf in TREE.leaves:
        assert f"-> {leaf}:" in text


def test_mermaid_edges_are_the_trees_branches():
    lines = as_mermaid().splitlines()
    assert lines[0] == "flowchart TD"
    edges = {tuple(m.groups()) for line in lines
             if (m := re.fullmatch(r"\s+(\w+) -->\|([\w-]+)\| (\w+)", line))}
    expected = {(q.id, q.show(answer), next_id) for q in TREE.questions.values()
                for answer, next_id in q.branches.items()}
    assert edges == expected


def test_mermaid_links_each_leaf_to_its_docs():
    clicks = dict(re.findall(r'click (\w+) "([^"]+)"', as_mermaid()))
    assert clicks == {leaf.id: leaf.links[0].url for leaf in TREE.leaves.values()}
