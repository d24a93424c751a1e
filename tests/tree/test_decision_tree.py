from itertools import product

import pytest

from prefect_scaffold.errors import ContradictoryAnswers
from prefect_scaffold.tree.decision_tree import TREE, DecisionTree, Leaf, Question, _check
from prefect_scaffold.tree.recommend import recommend

CLOUDS = ("aws", "gcp", "azure")


# Prefect's chart, written out by hand from DEVELOPERS.md so the data is checked against the spec,
# not against itself: (containers, serverless, kubernetes, cloud_credentials, cloud) -> leaf.
def chart(containers: bool, serverless: bool, kubernetes: bool, cloud_credentials: bool,
          cloud: str) -> str:
    if not containers:
        return "serve_vm"
    if not serverless:
        return "k8s_pool" if kubernetes else "serve_vm"
    if cloud_credentials:
        return "push_pool"
    return {"aws": "ecs_pool", "gcp": "gcp_pool", "azure": "azure_pool"}[cloud]


def asked(containers, serverless, kubernetes, cloud_credentials, cloud) -> dict:
    """Only the answers the chart asks on this path (others are contradictions, tested below)."""
    answers = {"containers": containers}
    if containers:
        answers["serverless"] = serverless
        if serverless:
            answers |= {"cloud_credentials": cloud_credentials, "cloud": cloud}
        else:
            answers["kubernetes"] = kubernetes
    return answers


COMBINATIONS = list(product([True, False], [True, False], [True, False], [True, False], CLOUDS))


@pytest.mark.parametrize("answers", COMBINATIONS)
def test_every_combination_reaches_the_charts_leaf(answers):
    assert recommend(asked(*answers)).template == chart(*answers)


def test_every_leaf_is_reachable_and_the_hybrid_leaf_follows_the_cloud():
    reached = {chart(*a) for a in COMBINATIONS}
    assert reached == set(TREE.leaves) == {"serve_vm", "k8s_pool", "push_pool", "ecs_pool",
                                           "gcp_pool", "azure_pool"}


@pytest.mark.parametrize(("cloud", "provider"), [
    ("aws", "ecs"), ("gcp", "cloud-run"), ("azure", "azure-container-instance")])
def test_the_cloud_preselects_the_push_provider(cloud, provider):
    result = recommend({"containers": True, "serverless": True, "cloud_credentials": True,
                        "cloud": cloud})
    assert result.template == "push_pool"
    assert result.presets() == {"provider": provider}


@pytest.mark.parametrize("answers", [
    {"containers": True, "serverless": False, "cloud": "gcp"},  # --cloud with --no-serverless
    {"containers": False, "kubernetes": True},
])
def test_answers_no_path_asks_together_are_refused(answers):
    with pytest.raises(ContradictoryAnswers):
        recommend(answers)


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


def _question(node_id: str, yes: str, no: str, **extra) -> Question:
    return Question(node_id, "A", "?", "h", branches={True: yes, False: no}, default=False,
                    **extra)


@pytest.mark.parametrize(("tree", "problem"), [
    (_tree(a=_question("a", "nowhere", "serve_vm")), "unknown node 'nowhere'"),
    (_tree(a=_question("a", "a", "serve_vm")), "cycle"),
    (_tree(a=_question("a", "serve_vm", "serve_vm"), b=_question("b", "serve_vm", "serve_vm")),
     "unreachable"),
    (_tree(a=_question("a", "b", "serve_vm", answer_key="k"),
           b=Question("b", "B", "?", "h", branches={"x": "serve_vm"}, default="x",
                      answer_key="k")),
     "ask 'k' differently"),
])
def test_a_broken_tree_is_refused(tree, problem):
    with pytest.raises(ValueError, match=problem):
        _check(tree)
