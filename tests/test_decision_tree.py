from itertools import product

import pytest

from prefect_scaffold.decision_tree import TREE, DecisionTree, Leaf, Question, _check
from prefect_scaffold.recommend import recommend


# Prefect's chart, written out by hand from DEVELOPERS.md so the data is checked against the spec,
# not against itself: (containers, serverless, kubernetes, cloud_credentials) -> leaf.
def chart(containers: bool, serverless: bool, kubernetes: bool, cloud_credentials: bool) -> str:
    if not containers:
        return "serve_vm"
    if not serverless:
        return "k8s_pool" if kubernetes else "serve_vm"
    return "push_pool" if cloud_credentials else "ecs_pool"


@pytest.mark.parametrize("answers", list(product([True, False], repeat=4)))
def test_every_combination_reaches_the_charts_leaf(answers):
    names = ("containers", "serverless", "kubernetes", "cloud_credentials")
    assert recommend(dict(zip(names, answers, strict=True))).template == chart(*answers)


def test_every_leaf_is_a_bundled_template_and_reachable():
    reached = {chart(*a) for a in product([True, False], repeat=4)}
    assert reached == set(TREE.leaves) == {"serve_vm", "k8s_pool", "push_pool", "ecs_pool"}


def test_questions_carry_help_and_docs_links():
    for question in TREE.questions.values():
        assert question.text.endswith("?") and question.help
        assert question.links and all(link.url.startswith("https://docs.prefect.io/")
                                      for link in question.links)
    for leaf in TREE.leaves.values():
        assert leaf.rationale and leaf.links


def _tree(**questions: Question) -> DecisionTree:
    leaf = Leaf("serve_vm", "t", "s", "r")
    return DecisionTree(root="a", questions=questions, leaves={"serve_vm": leaf})


@pytest.mark.parametrize(("tree", "problem"), [
    (_tree(a=Question("a", "A", "?", "h", yes="nowhere", no="serve_vm", default=False)),
     "unknown node 'nowhere'"),
    (_tree(a=Question("a", "A", "?", "h", yes="a", no="serve_vm", default=False)), "cycle"),
    (_tree(a=Question("a", "A", "?", "h", yes="serve_vm", no="serve_vm", default=False),
           b=Question("b", "B", "?", "h", yes="serve_vm", no="serve_vm", default=False)),
     "unreachable"),
])
def test_a_broken_tree_is_refused(tree, problem):
    with pytest.raises(ValueError, match=problem):
        _check(tree)
