import pytest

from prefect_scaffold.errors import ContradictoryAnswers, InvalidAnswer, MissingAnswer
from prefect_scaffold.tree.recommend import next_question, path_for_template, recommend


def test_path_lists_each_question_and_answer_in_order():
    result = recommend({"containers": True, "serverless": False, "kubernetes": True})
    assert result.template == "k8s_pool"
    assert [(s.question.label, s.answer) for s in result.path] == [
        ("A", True), ("C", False), ("D", True)]


def test_answers_off_the_path_are_refused_naming_the_flags():
    with pytest.raises(ContradictoryAnswers) as raised:
        recommend({"containers": False, "kubernetes": True, "cloud_credentials": False})
    assert "--no-containers --kubernetes --no-cloud-credentials" in str(raised.value)


def test_missing_answer_names_the_flags_that_supply_it():
    with pytest.raises(MissingAnswer) as raised:
        recommend({"containers": True})
    assert "--serverless or --no-serverless" in str(raised.value)
    with pytest.raises(MissingAnswer) as raised:
        recommend({"containers": True, "serverless": True, "cloud_credentials": False})
    assert "--cloud aws|gcp|azure" in str(raised.value)


def test_an_unknown_cloud_names_the_allowed_ones():
    with pytest.raises(InvalidAnswer, match="aws, gcp, azure"):
        recommend({"containers": True, "serverless": True, "cloud_credentials": False,
                   "cloud": "oracle"})


def test_next_question_walks_the_path():
    assert next_question({}).id == "containers"
    assert next_question({"containers": True, "serverless": True}).id == "cloud_credentials"
    assert next_question({"containers": True, "serverless": True,
                          "cloud_credentials": False}).key == "cloud"
    assert next_question({"containers": False}) is None


def test_json_form_has_template_path_and_links():
    data = recommend({"containers": True, "serverless": True, "cloud_credentials": True,
                      "cloud": "azure"}).as_dict()
    assert data["template"] == "push_pool"
    assert [step["answer"] for step in data["path"]] == [True, True, True, "azure"]
    assert all(link["url"].startswith("https://docs.prefect.io/") for link in data["links"])


def test_a_template_pins_its_path_when_only_one_fits():
    path = path_for_template("k8s_pool", {})
    assert path is not None and path.flags == ["--containers", "--no-serverless", "--kubernetes"]
    assert path_for_template("serve_vm", {}) is None  # two paths lead there: record none
    assert path_for_template("serve_vm", {"containers": True}).flags[-1] == "--no-kubernetes"
    with pytest.raises(ContradictoryAnswers, match=r"--serverless.*--template serve_vm"):
        path_for_template("serve_vm", {"serverless": True})
